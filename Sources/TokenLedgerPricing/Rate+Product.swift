import TokenLedgerCore

extension Rate {
    /// The exact product, reduced.
    func times(_ other: Rate) -> Rate {
        let n = numerator * other.numerator
        let d = denominator * other.denominator
        let g = Rate.gcd(n, d)
        return Rate(numerator: n / g, denominator: d / g)
    }

    static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
        var (x, y) = (a.magnitude, b.magnitude)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : Int128(x)
    }
}
