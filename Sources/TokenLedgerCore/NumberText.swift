/// Numbers as people read them in tables: shared by every room that prints counts.
public enum NumberText {
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
}
