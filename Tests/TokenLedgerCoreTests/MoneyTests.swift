import Testing
import TokenLedgerCore

@Suite("Money is exact")
struct MoneyTests {
    @Test("decimal text parses exactly, with no binary floating point")
    func parsesDecimalText() {
        #expect(Money(decimalText: "1.10")?.picodollars == 1_100_000_000_000)
        #expect(Money(decimalText: "0.000000000001")?.picodollars == 1)
        #expect(Money(decimalText: "1.1e-06")?.picodollars == 1_100_000)
        #expect(Money(decimalText: "59200.0")?.decimalString == "59200")
        #expect(Money(decimalText: "$2.50")?.decimalString == "2.5")
        #expect(Money(decimalText: "-0.5")?.decimalString == "-0.5")
        #expect(Money(decimalText: "0.0000000000001") == nil, "finer than a picodollar is refused, not rounded")
        #expect(Money(decimalText: "abc") == nil)
        #expect(Money(decimalText: "") == nil)
        #expect(Money(decimalText: "1.2.3") == nil)
    }

    @Test("0.1 + 0.2 is exactly 0.3")
    func addsExactly() {
        let sum = Money(decimalText: "0.1")! + Money(decimalText: "0.2")!
        #expect(sum == Money(decimalText: "0.3")!)
        #expect(sum.decimalString == "0.3")
    }

    @Test("cents text from Anthropic's cost report")
    func centsText() {
        #expect(Money(centsText: "123.45")?.decimalString == "1.2345")
    }

    @Test("rates multiply with half-even rounding at the picodollar")
    func rates() {
        let price = Money(picodollars: 1_100_000)
        #expect(price.multiplied(by: .half).picodollars == 550_000)
        #expect(Money(picodollars: 3).multiplied(by: .half).picodollars == 2, "1.5 rounds to even 2")
        #expect(Money(picodollars: 5).multiplied(by: .half).picodollars == 2, "2.5 rounds to even 2")
        #expect(Money(picodollars: -5).multiplied(by: .half).picodollars == -2)
        let fifteenOff = Rate(text: "15%")!.complement
        #expect(Money(decimalText: "100")!.multiplied(by: fifteenOff).decimalString == "85")
        #expect(Rate(text: "0.85")!.description == "0.85")
        #expect(Rate(text: "-1") == nil)
    }

    @Test("display rounding keeps small costs visible")
    func display() {
        #expect(Money(decimalText: "12.345")!.displayString == "$12.34", "half-even on the cent")
        #expect(Money(decimalText: "0.0012345")!.displayString == "$0.0012")
        #expect(Money(decimalText: "0.0000004")!.displayString == "$0.000000")
        #expect(Money(decimalText: "0.00000051")!.displayString == "$0.000001")
        #expect(Money.zero.displayString == "$0.00")
        #expect(Money(decimalText: "-3")!.displayString == "-$3.00")
        #expect(Money(decimalText: "1.5")!.formatted(places: 4) == "1.5000")
    }

    @Test("division rounds half to even, the same within 64 bits (one hardware division) as beyond them")
    func divisionRoundsHalfToEven() {
        // Reference: the exact quotient from 128-bit arithmetic, rounded by comparing twice the remainder.
        func reference(_ value: Int128, _ divisor: Int128) -> Int128 {
            let quotient = value / divisor
            let twice = (value % divisor).magnitude * 2
            if twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0) { return quotient + (value < 0 ? -1 : 1) }
            return quotient
        }
        #expect(Money.divideRoundingHalfEven(5, by: 2) == 2)
        #expect(Money.divideRoundingHalfEven(7, by: 2) == 4)
        #expect(Money.divideRoundingHalfEven(-5, by: 2) == -2)
        #expect(Money.divideRoundingHalfEven(1_500_000, by: 1_000_000) == 2)
        #expect(Money.divideRoundingHalfEven(2_500_000, by: 1_000_000) == 2)
        let max64 = Int128(UInt64.max)
        let values: [Int128] = [0, 1, 2, 3, 499_999, 500_000, 500_001, 1_500_000, max64 / 2, max64 / 2 + 1, max64 - 1, max64, max64 + 1,
                                max64 * 3, -1, -500_000, -max64, Int128(Int64.max) * 1_000_003]
        let divisors: [Int128] = [1, 2, 3, 7, 1_000_000, 2_000_000, 60_000_000, max64 / 2, max64 / 2 + 1, max64 - 1, max64, max64 + 1]
        for value in values {
            for divisor in divisors {
                #expect(Money.divideRoundingHalfEven(value, by: divisor) == reference(value, divisor), "\(value) / \(divisor)")
            }
        }
    }
}
