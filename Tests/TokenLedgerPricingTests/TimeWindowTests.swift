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

    @Test("Chinese public holidays are off-peak all day: 2026-10-01 to 07 and 2026-09-25 (a Friday), not the weekdays around them")
    func publicHolidays() throws {
        let book = try PriceBook.bundled()
        // deepseek-v4-pro from 2026-08-23: off-peak $0.66 + $0.022 + $1.98 = $2.662, peak twice that.
        let offPeak = usd("2.662"), peak = usd("5.324")
        let expected: [(String, Money)] = [
            ("2026-09-24T02:00:00Z", peak),      // Thursday before the Mid-Autumn holiday
            ("2026-09-25T02:00:00Z", offPeak),   // Friday, Mid-Autumn Festival
            ("2026-09-30T07:00:00Z", peak),      // Wednesday, a working day
            ("2026-10-01T02:00:00Z", offPeak),   // Thursday, National Day
            ("2026-10-07T09:59:59Z", offPeak),   // Wednesday, last day of the National Day holiday
            ("2026-10-08T01:00:00Z", peak),      // Thursday, back to work
        ]
        for (time, cost) in expected {
            #expect(try total(book, "deepseek-v4-pro", at: time) == cost, "\(time)")
        }
        // V4.1 Flash ($0.15 + $0.003 + $0.60 = $0.753 off-peak) skips the same days.
        #expect(try total(book, "deepseek-flash", at: "2026-10-02T02:00:00Z") == usd("0.753"))
        #expect(try total(book, "deepseek-flash", at: "2026-10-09T02:00:00Z") == usd("1.506"))
        let window = try #require(book.model(id: "deepseek-v4-pro")?.period(on: PriceDate.parse("2026-10-01")!)?.windows.first)
        #expect(window.description == "peak 01:00-04:00 UTC (mon, tue, wed, thu, fri) except cn-public-holidays")
    }

    @Test("a calendar: dates and inclusive ranges; an unknown calendar or a bad range is an error with its line")
    func calendars() throws {
        let text = """
            [table]
            provider = "x"
            channel = "official"

            [[calendar]]
            name = "days-off"
            days = ["2026-01-01", "2026-01-05..2026-01-06"]

            [[model]]
            id = "m"
            encoding = "approximate"

            [[model.period]]
            from = "2025-01-01"
            input = 1
            output = 1

            [[model.period.window]]
            name = "peak"
            utc = "00:00-24:00"
            multiplier = 2
            except = "days-off"
            """
        let table = try PriceTable.parse(text, file: "x.toml")
        let book = PriceBook(tables: [table])
        let tokens = TokenCounts(input: 1_000_000)
        for (day, cost) in [("2026-01-01", "1"), ("2026-01-02", "2"), ("2026-01-04", "2"), ("2026-01-05", "1"), ("2026-01-06", "1"), ("2026-01-07", "2")] {
            #expect(book.cost(of: try record("m", at: day + "T12:00:00Z", tokens: tokens)).total == usd(cost), "\(day)")
        }
        // The writer keeps the calendar and the window's exception.
        let again = PriceBook(tables: [try PriceTable.parse(PriceTableWriter.toml(table), file: "again.toml")])
        #expect(again.cost(of: try record("m", at: "2026-01-06T12:00:00Z", tokens: tokens)).total == usd("1"))

        let bad = text.replacingOccurrences(of: "except = \"days-off\"", with: "except = \"holidays\"")
            .replacingOccurrences(of: "2026-01-05..2026-01-06", with: "2026-01-06..2026-01-05")
        let (_, problems) = PriceTableReader.read(bad, file: "bad.toml")
        #expect(problems.map(\.location.line) == [7, 22], "\(problems)")
        #expect(problems.last?.message.contains("skips the calendar 'holidays', which this table does not define") == true)
    }

    @Test("deepseek-chat and deepseek-reasoner are V4 Flash from its launch, 2026-04-24")
    func legacyNamesMoveToV4Flash() throws {
        let book = try PriceBook.bundled()
        for model in ["deepseek-chat", "deepseek-reasoner"] {
            // V3.2-Exp the day before: $0.28 + $0.028 + $0.42 = $0.728.
            #expect(try total(book, model, at: "2026-04-23T12:00:00Z") == usd("0.728"), "\(model)")
            // V4 Flash at launch: $0.14 + $0.028 + $0.28 = $0.448; after the cache-hit cut $0.14 + $0.0028 + $0.28.
            #expect(try total(book, model, at: "2026-04-24T12:00:00Z") == usd("0.448"), "\(model)")
            #expect(try total(book, model, at: "2026-05-05T02:00:00Z") == usd("0.4228"), "\(model)")
        }
        #expect(try total(book, "deepseek-v4-flash", at: "2026-04-25T12:00:00Z") == usd("0.448"))
        // V4 Pro at launch: $0.435 + $0.03625 + $0.87 = $1.34125; from 2026-04-27 $0.435 + $0.003625 + $0.87.
        #expect(try total(book, "deepseek-v4-pro", at: "2026-04-24T12:00:00Z") == usd("1.34125"))
        #expect(try total(book, "deepseek-v4-pro", at: "2026-04-27T12:00:00Z") == usd("1.308625"))
        #expect(try total(book, "deepseek-v4-pro", at: "2026-04-23T12:00:00Z") == nil)
    }
}
