/// Numbers as people read them in tables: shared by every room that prints counts.
package enum NumberText {
    /// 1234567 → "1,234,567"; -1200 → "-1,200". Cost: one pass over the digits.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    /// Abbreviated for narrow tables: 950 → "950", 12_345 → "12.3K", 4_560_000 → "4.6M", 7.9e9 → "7.9B"
    /// (one decimal, rounded half up; exact values stay in the wide table, CSV and JSON).
    public static func compact(_ value: Int) -> String {
        let magnitude = value.magnitude
        let units: [(UInt, String)] = [(1_000_000_000_000, "T"), (1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")]
        guard let (scale, suffix) = units.first(where: { magnitude >= $0.0 }) else { return String(value) }
        let tenths = (magnitude * 10 + scale / 2) / scale
        let text = tenths % 10 == 0 || tenths >= 1000 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
        return (value < 0 ? "-" : "") + text + suffix
    }
}
