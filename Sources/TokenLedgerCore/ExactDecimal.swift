/// A decimal number held exactly as `significand × 10^-fractionDigits`, parsed from text.
///
/// This is how every number that can become money enters TokenLedger: price tables, config limits,
/// provider-reported costs in JSON and CSV, LiteLLM's per-token floats (by their shortest text).
/// Parsing accepts an optional sign, digits with an optional fraction, and an optional exponent
/// ("1.1e-06"); it never goes through `Double`.
public struct ExactDecimal: Sendable, Hashable {
    /// The digits as an integer (`1.25` holds 125 with two fraction digits).
    public var significand: Int128
    /// Digits after the decimal point (may exceed 38 only in theory; parsing caps precision).
    public var fractionDigits: Int

    /// The number `significand × 10^-fractionDigits`; cost: none, nothing is normalised.
    public init(significand: Int128, fractionDigits: Int) {
        self.significand = significand
        self.fractionDigits = fractionDigits
    }

    /// Parses "12", "-0.5", "1.10", "59200.0", "1.1e-06", "2E3", ".5". Nil for anything else,
    /// or for a value too large for 38 significant digits.
    public init?(_ text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        guard !utf8.isEmpty else { return nil }
        var negative = false
        if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var significand: Int128 = 0
        var fraction = 0
        var sawDigit = false
        var sawPoint = false
        var exponent = 0
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte >= 48 && byte <= 57 {
                sawDigit = true
                // Skip leading zeros of the significand cheaply; guard against overflow.
                let (times10, o1) = significand.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(Int128(byte - 48))
                if o1 || o2 || next > ExactDecimal.maxSignificand { return nil }
                significand = next
                if sawPoint { fraction += 1 }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else if (byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")) && sawDigit {
                let rest = utf8[utf8.index(after: index)...]
                guard let e = Int(Substring(rest)), abs(e) <= 60 else { return nil }
                exponent = e
                index = utf8.endIndex
                break
            } else {
                return nil
            }
            index = utf8.index(after: index)
        }
        guard sawDigit else { return nil }
        fraction -= exponent
        if fraction < 0 {
            for _ in 0..<(-fraction) {
                let (next, overflow) = significand.multipliedReportingOverflow(by: 10)
                if overflow || next > ExactDecimal.maxSignificand { return nil }
                significand = next
            }
            fraction = 0
        }
        self.significand = negative ? -significand : significand
        self.fractionDigits = fraction
        self = self.normalized()
    }

    static let maxSignificand: Int128 = pow10(38) - 1

    /// Removes trailing fractional zeros: 1.100 → 1.1.
    public func normalized() -> ExactDecimal {
        var s = significand
        var f = fractionDigits
        while f > 0 && s % 10 == 0 {
            s /= 10
            f -= 1
        }
        return ExactDecimal(significand: s, fractionDigits: f)
    }

    /// The value as a whole number of 10^-digits units, or nil if that would need rounding or overflow.
    public func scaled(toFractionDigits digits: Int) -> Int128? {
        let n = normalized()
        if n.fractionDigits > digits { return nil }
        var value = n.significand
        for _ in 0..<(digits - n.fractionDigits) {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            value = next
        }
        return value
    }

    /// Shortest exact text: "1.1", "12", "-0.000123", "0".
    public var description: String {
        let n = normalized()
        return ExactDecimal.render(n.significand, fractionDigits: n.fractionDigits)
    }

    /// Text with exactly `fractionDigits` decimals, keeping trailing zeros: "0.1200".
    public var fixedString: String {
        ExactDecimal.render(significand, fractionDigits: fractionDigits)
    }

    private static func render(_ significand: Int128, fractionDigits: Int) -> String {
        let negative = significand < 0
        var digits = String(significand.magnitude)
        if fractionDigits > 0 {
            if digits.count <= fractionDigits {
                digits = String(repeating: "0", count: fractionDigits - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -fractionDigits))
        }
        return negative && significand != 0 ? "-" + digits : digits
    }
}

extension ExactDecimal: CustomStringConvertible {}

/// An exact non-negative fraction used as a multiplier on money: a batch discount ("0.5"), a contract
/// discount ("15%" → 0.85 applied as a rate), a long-context factor ("2").
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    /// The rate's numerator (may be negative for a discount's complement).
    public let numerator: Int128
    /// The rate's denominator, always positive.
    public let denominator: Int128

    /// The rate `numerator / denominator`; `denominator` must be positive.
    public init(numerator: Int128, denominator: Int128) {
        precondition(denominator > 0)
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The rate 1 (a multiplier that leaves a price unchanged).
    public static let one = Rate(numerator: 1, denominator: 1)
    /// The rate ½ (the usual Batch API discount).
    public static let half = Rate(numerator: 1, denominator: 2)

    /// "0.5", "1.25", "2" as a multiplier; "15%" as 0.15. Nil for negative or malformed text.
    public init?(text: some StringProtocol) {
        var t = Substring(text).trimmingASCIIWhitespace()
        var percent = false
        if t.hasSuffix("%") {
            percent = true
            t = t.dropLast().trimmingASCIIWhitespace()
        }
        guard let d = ExactDecimal(t), d.significand >= 0 else { return nil }
        let digits = d.fractionDigits + (percent ? 2 : 0)
        guard digits <= 30 else { return nil }
        self.init(numerator: d.significand, denominator: pow10(digits))
    }

    /// 1 − self, for turning "15% off" into a 0.85 multiplier.
    public var complement: Rate {
        Rate(numerator: denominator - numerator, denominator: denominator)
    }

    public var description: String {
        // Exact when the denominator is a power of ten, which is how rates are written.
        var d = denominator
        var digits = 0
        while d > 1 && d % 10 == 0 { d /= 10; digits += 1 }
        if d == 1 { return ExactDecimal(significand: numerator, fractionDigits: digits).description }
        return "\(numerator)/\(denominator)"
    }
}

extension Substring {
    /// Trims spaces, tabs, CR and LF without going through Foundation's character sets.
    package func trimmingASCIIWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropLast() }
        return s
    }
}
