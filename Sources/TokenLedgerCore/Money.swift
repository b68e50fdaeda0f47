/// An exact amount of US dollars, held as a whole number of picodollars (10⁻¹² USD).
///
/// Why picodollars: a price written as "$X per 1M tokens" with up to six decimal places is a whole
/// number of picodollars per token ($1.10 / 1M = 1,100,000 pUSD per token), so `tokens × price` is
/// exact integer arithmetic with no rounding at all. `Int128` gives headroom far beyond any real bill
/// (±1.7 × 10²⁶ USD). Rounding happens only where a fraction multiplies money (batch discount, contract
/// terms): there the result is rounded half-to-even at the picodollar, and nowhere else.
///
/// No binary floating point is involved anywhere: amounts are parsed from and printed as decimal text.
public struct Money: Sendable, Hashable, Comparable {
    /// The number of decimal places one picodollar represents.
    public static let fractionDigits = 12
    static let unit: Int128 = 1_000_000_000_000

    /// The amount in picodollars (10⁻¹² USD).
    public var picodollars: Int128

    /// The amount of `picodollars` (10⁻¹² dollars); cost: none.
    public init(picodollars: Int128) { self.picodollars = picodollars }

    /// No money: the start of a sum.
    public static let zero = Money(picodollars: 0)

    /// Parses decimal text exactly: "1.10", "-0.000123", "59200.0", "1e-6", "$2.50", "+3".
    ///
    /// Returns nil for anything that is not a plain decimal number, or that has more precision than a
    /// picodollar (it would have to be rounded, and prices are never rounded silently).
    public init?(decimalText: some StringProtocol) {
        var text = Substring(decimalText).trimmingASCIIWhitespace()
        if text.hasPrefix("$") { text = text.dropFirst() }
        guard let decimal = ExactDecimal(text), let picos = decimal.scaled(toFractionDigits: Money.fractionDigits)
        else { return nil }
        self.picodollars = picos
    }

    /// Whole cents, e.g. from Anthropic's cost report which gives decimal cents as text ("123.45" = $1.2345).
    package init?(centsText: some StringProtocol) {
        guard let decimal = ExactDecimal(Substring(centsText).trimmingASCIIWhitespace()),
              let picos = decimal.scaled(toFractionDigits: Money.fractionDigits - 2)
        else { return nil }
        self.picodollars = picos
    }

    /// The exact amount as decimal text with no trailing zeros: "0.001234", "12", "-0.5".
    /// This is the form used in JSON output (a string, never a number).
    public var decimalString: String {
        ExactDecimal(significand: picodollars, fractionDigits: Money.fractionDigits).description
    }

    /// The amount rounded half-to-even to `places` decimals, always with exactly that many: "0.0012".
    /// For display only; the stored and summed value stays exact.
    public func formatted(places: Int) -> String {
        precondition((0...Money.fractionDigits).contains(places))
        let step = pow10(Money.fractionDigits - places)
        let rounded = Money.divideRoundingHalfEven(picodollars, by: step)
        return ExactDecimal(significand: rounded, fractionDigits: places).fixedString
    }

    /// "$1.23" for tables: two decimals at and above a dollar, up to six below (so tiny costs stay visible).
    public var displayString: String {
        let magnitude = picodollars.magnitude
        if magnitude == 0 { return "$0.00" }
        let places: Int
        if magnitude >= UInt128(Money.unit) / 100 { places = 2 }       // ≥ $0.01
        else if magnitude >= UInt128(Money.unit) / 10_000 { places = 4 } // ≥ $0.0001
        else { places = 6 }
        let text = formatted(places: places)
        return text.hasPrefix("-") ? "-$" + text.dropFirst() : "$" + text
    }

    /// Multiplies by an exact fraction, rounding half-to-even at the picodollar.
    public func multiplied(by rate: Rate) -> Money {
        Money(picodollars: Money.divideRoundingHalfEven(picodollars * rate.numerator, by: rate.denominator))
    }

    /// The exact sum (picodollars added; no rounding).
    public static func + (a: Money, b: Money) -> Money { Money(picodollars: a.picodollars + b.picodollars) }
    /// The exact difference.
    public static func - (a: Money, b: Money) -> Money { Money(picodollars: a.picodollars - b.picodollars) }
    /// Adds `b` to `a` exactly.
    public static func += (a: inout Money, b: Money) { a.picodollars += b.picodollars }
    /// Subtracts `b` from `a` exactly.
    public static func -= (a: inout Money, b: Money) { a.picodollars -= b.picodollars }
    /// The negated amount (a refund or credit).
    public static prefix func - (a: Money) -> Money { Money(picodollars: -a.picodollars) }
    public static func < (a: Money, b: Money) -> Bool { a.picodollars < b.picodollars }

    /// Integer division with ties going to the even neighbour (banker's rounding), exact for all inputs.
    /// Cost: one 64-bit division when both fit in 64 bits (a price times a quantity nearly always
    /// does), else two 128-bit divisions in software.
    package static func divideRoundingHalfEven(_ value: Int128, by divisor: Int128) -> Int128 {
        precondition(divisor > 0)
        if value >= 0, value <= Int128(UInt64.max), divisor <= Int128(UInt64.max) {
            let d = UInt64(truncatingIfNeeded: divisor)
            let (quotient, remainder) = UInt64(truncatingIfNeeded: value).quotientAndRemainder(dividingBy: d)
            // Twice the remainder against the divisor, without doubling it (which could overflow).
            let rest = d - remainder
            return Int128(quotient) + (remainder > rest || (remainder == rest && quotient & 1 != 0) ? 1 : 0)
        }
        var quotient = value / divisor
        let remainder = value % divisor
        let twice = remainder.magnitude * 2
        let d = divisor.magnitude
        if twice > d || (twice == d && quotient % 2 != 0) {
            quotient += value < 0 ? -1 : 1
        }
        return quotient
    }
}

extension Money: CustomStringConvertible {
    public var description: String { decimalString }
}

extension Money: Codable {
    /// Encoded as a decimal string ("0.001234"), never as a JSON number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let money = Money(decimalText: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an exact USD amount")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimalString)
    }
}

extension Sequence where Element == Money {
    /// The exact sum.
    public func sum() -> Money { reduce(.zero, +) }
}

/// 10ⁿ as Int128 (n ≤ 38).
@inlinable
package func pow10(_ n: Int) -> Int128 {
    var result: Int128 = 1
    for _ in 0..<n { result *= 10 }
    return result
}
