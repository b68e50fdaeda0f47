import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

/// Time-of-day prices: each record is priced by its own timestamp, on both sides of every boundary.
@Suite("Time windows price each record by its UTC time of day")
struct TimeWindowTests {
    /// 1M uncached input, 1M cache hits, 1M output: the cost is the sum of the three prices.
    static let million = TokenCounts(input: 1_000_000, cacheRead: 1_000_000, output: 1_000_000)

    func total(_ book: PriceBook, _ model: String, at time: String, batch: Bool = false) throws -> Money? {
        book.cost(of: try record(model, at: time, provider: "deepseek", tokens: Self.million, batch: batch)).total
    }

    @Test("DeepSeek V4 Pro peak hours (01:00-04:00 and 06:00-10:00 UTC) cost twice off-peak, at every boundary")
    func v4ProPeakBoundaries() throws {
        let book = try PriceBook.bundled()
        // Tuesday 2026-09-01, off-peak $0.66 / $0.022 / $1.98 = $2.662; peak twice that.
        let offPeak = usd("2.662"), peak = usd("5.324")
        let expected: [(String, Money)] = [
            ("2026-09-01T00:59:59Z", offPeak), ("2026-09-01T01:00:00Z", peak),
            ("2026-09-01T03:59:59Z", peak), ("2026-09-01T04:00:00Z", offPeak),
            ("2026-09-01T05:59:59Z", offPeak), ("2026-09-01T06:00:00Z", peak),
            ("2026-09-01T09:59:59Z", peak), ("2026-09-01T10:00:00Z", offPeak),
            ("2026-09-01T23:59:59Z", offPeak),
        ]
        for (time, cost) in expected {
            #expect(try total(book, "deepseek-v4-pro", at: time) == cost, "\(time)")
        }
        let breakdown = book.cost(of: try record("deepseek-v4-pro", at: "2026-09-01T02:00:00Z", provider: "deepseek", tokens: Self.million))
        #expect(breakdown.costs == ["input": usd("1.32"), "cache_read": usd("0.044"), "output": usd("3.96")])
        #expect(breakdown.notes.contains { $0.contains("peak 01:00-04:00 UTC") })
        #expect(breakdown.periodStart == "2026-08-23")
    }

    @Test("from 2026-08-23 weekends are off-peak all day; the Saturday before, peak hours still applied")
    func weekends() throws {
        let book = try PriceBook.bundled()
        #expect(try total(book, "deepseek-v4-pro", at: "2026-09-05T02:00:00Z") == usd("2.662"))   // Saturday
        #expect(try total(book, "deepseek-v4-pro", at: "2026-08-22T02:00:00Z") == usd("5.324"))   // Saturday, before the rule
        #expect(try total(book, "deepseek-v4-pro", at: "2026-08-18T07:30:00Z") == usd("5.324"))   // Tuesday
    }

    @Test("V4 Flash and V4.1 Flash double in peak hours too; before 2026-08-17 there were none")
    func flash() throws {
        let book = try PriceBook.bundled()
        // 2026-09-15 (V4.1 Flash): $0.15 / $0.003 / $0.60 = $0.753 off-peak.
        #expect(try total(book, "deepseek-v4-flash", at: "2026-09-15T12:00:00Z") == usd("0.753"))
        #expect(try total(book, "deepseek-v4-flash", at: "2026-09-15T08:00:00Z") == usd("1.506"))
        #expect(try total(book, "deepseek-flash", at: "2026-09-15T08:00:00Z") == usd("1.506"))
        // 2026-05-05: the flat launch price $0.14 / $0.0028 / $0.28 at any hour.
        #expect(try total(book, "deepseek-v4-flash", at: "2026-05-05T02:00:00Z") == usd("0.4228"))
        #expect(try total(book, "deepseek-v4-flash", at: "2026-05-05T12:00:00Z") == usd("0.4228"))
    }

    @Test("the 2025 off-peak discount (16:30-00:30 UTC) wraps past midnight")
    func offPeakAcrossMidnight() throws {
        let book = try PriceBook.bundled()
        // deepseek-chat from 2025-02-26: $0.27 / $0.07 / $1.10 = $1.44; off-peak $0.135 / $0.035 / $0.55 = $0.72.
        let standard = usd("1.44"), offPeak = usd("0.72")
        for (time, cost) in [("2025-03-03T16:29:59Z", standard), ("2025-03-03T16:30:00Z", offPeak),
                             ("2025-03-03T23:59:59Z", offPeak), ("2025-03-04T00:00:00Z", offPeak),
                             ("2025-03-04T00:29:59Z", offPeak), ("2025-03-04T00:30:00Z", standard)] {
            #expect(try total(book, "deepseek-chat", at: time) == cost, "\(time)")
        }
        // deepseek-reasoner: 75% off as DeepSeek rounded it; before 2025-02-26 no discount.
        #expect(try total(book, "deepseek-reasoner", at: "2025-03-03T20:00:00Z") == usd("0.72"))
        #expect(try total(book, "deepseek-reasoner", at: "2025-02-20T20:00:00Z") == usd("2.88"))
        // After the discount ended (2025-09-06) 20:00 is the standard price.
        #expect(try total(book, "deepseek-chat", at: "2025-10-01T20:00:00Z") == usd("0.728"))
    }

    @Test("pricing a batch of records through the memo gives each its own window")
    func memo() throws {
        let book = try PriceBook.bundled()
        var memo = PricingMemo()
        let times = ["2026-09-01T00:30:00Z", "2026-09-01T01:30:00Z", "2026-09-01T04:30:00Z", "2026-09-01T07:00:00Z", "2026-09-01T01:45:00Z"]
        let totals = try times.map { book.cost(of: try record("deepseek-v4-pro", at: $0, provider: "deepseek", tokens: Self.million), memo: &memo).total }
        #expect(totals == [usd("2.662"), usd("5.324"), usd("2.662"), usd("5.324"), usd("5.324")])
    }

    @Test("prices(for:at:) takes the time of day from the date; timeOfDay: nil gives the standard prices")
    func pricesAPI() throws {
        let book = try PriceBook.bundled()
        let peak = try book.prices(for: "deepseek-v4-pro", at: try #require(Timestamp.parse("2026-09-01T02:00:00Z")))
        #expect(peak.timeWindow?.name == "peak")
        #expect(peak.price(of: .output)?.price == usd("3.96"))
        let standard = try book.prices(for: "deepseek-v4-pro", at: try #require(Timestamp.parse("2026-09-01T02:00:00Z")), timeOfDay: nil)
        #expect(standard.timeWindow == nil)
        #expect(standard.price(of: .output)?.price == usd("1.98"))
    }

    @Test("windows: explicit prices win over the multiplier; days limit them; bad ranges are errors with lines")
    func format() throws {
        let text = """
            [table]
            provider = "x"
            channel = "official"

            [[model]]
            id = "m"

            [[model.period]]
            from = "2026-01-01"
            input = 1
            output = 4

            [[model.period.window]]
            name = "night"
            utc = "22:00-02:00"
            days = ["sat", "sun"]
            multiplier = 0.5
            output = 1
            """
        let table = try PriceTable.parse(text, file: "x.toml")
        let window = try #require(table.models.first?.periods.first?.windows.first)
        #expect(window.start == 22 * 60 && window.end == 2 * 60 && window.days == [5, 6])
        let book = PriceBook(tables: [table])
        let tokens = TokenCounts(input: 1_000_000, output: 1_000_000)
        // Saturday 2026-01-03 23:00: input $1 × 0.5, output $1 (explicit) = $1.50.
        #expect(book.cost(of: try record("m", at: "2026-01-03T23:00:00Z", tokens: tokens)).total == usd("1.5"))
        // Friday 23:00 is not in the window's days: $5.
        #expect(book.cost(of: try record("m", at: "2026-01-02T23:00:00Z", tokens: tokens)).total == usd("5"))
        // The writer writes it back the same.
        let again = try PriceTable.parse(PriceTableWriter.toml(table), file: "again.toml")
        let rewritten = try #require(again.models.first?.periods.first?.windows.first)
        #expect(rewritten.name == window.name && rewritten.utcText == "22:00-02:00" && rewritten.days == window.days
                 && rewritten.prices == window.prices && rewritten.multiplier == window.multiplier)

        let bad = text.replacingOccurrences(of: "22:00-02:00", with: "22:00-25:00").replacingOccurrences(of: "\"sun\"", with: "\"sunday\"")
        let (_, problems) = PriceTableReader.read(bad, file: "bad.toml")
        #expect(problems.map(\.location.line) == [15, 16], "\(problems)")
        #expect(problems.first?.message.contains("HH:MM-HH:MM") == true)
    }
}

