import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerBudgets

@Suite("Budget periods, spend, scopes and the forecast")
struct BudgetReadingTests {
    let hundred = Money(picodollars: 100_000_000_000_000)

    func usd(_ text: String) -> Money { Money(decimalText: text) ?? .zero }

    @Test("a month in Europe/Berlin starts at local midnight on the 1st")
    func berlinMonth() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let w = BudgetWindow.containing(at("2026-11-15T12:00:00Z"), period: .month, in: berlin)
        #expect(w.start == at("2026-10-31T23:00:00Z"))
        #expect(w.end == at("2026-11-30T23:00:00Z"))
        #expect(w.startDate == "2026-11-01")
        #expect(w.lastDate == "2026-11-30")
        // 00:30 on 1 Nov in Berlin is still 31 Oct in UTC, but it belongs to November's budget.
        #expect(BudgetWindow.containing(at("2026-10-31T23:30:00Z"), period: .month, in: berlin).startDate == "2026-11-01")
    }

    @Test("weeks start on Monday; a day across the DST change lasts 25 hours")
    func weekAndDST() throws {
        let w = BudgetWindow.containing(at("2026-11-25T09:00:00Z"), period: .week, in: utc) // a Wednesday
        #expect(w.start == at("2026-11-23T00:00:00Z"))
        #expect(w.end == at("2026-11-30T00:00:00Z"))
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let d = BudgetWindow.containing(at("2026-10-25T10:00:00Z"), period: .day, in: berlin)
        #expect(d.lengthMilliseconds == 25 * 3_600_000)
        #expect(BudgetWindow.starting(on: "2026-11-01", period: .month, in: berlin) == BudgetWindow.containing(at("2026-11-15T12:00:00Z"), period: .month, in: berlin))
        #expect(BudgetWindow.starting(on: "2026-11-02", period: .month, in: berlin) == nil)
    }

    /// Four November records and two just outside the month.
    func november() throws -> TestLedger {
        var t = try TestLedger()
        try t.add("2026-11-02T10:00:00Z", usd: "10", model: "openai/O3-2025", modelID: "o3", project: "acme", effort: "high", tags: ["team": "search"])
        try t.add("2026-11-03T10:00:00Z", usd: "5", model: "gpt-4o-mini", modelID: "gpt-4o-mini", project: "beta")
        try t.add("2026-11-04T10:00:00Z", usd: "7", model: "claude-sonnet-4", provider: "anthropic", project: "acme", tags: ["team": "infra"])
        try t.add("2026-11-05T10:00:00Z", usd: nil, model: "o3-pro-new", project: "acme")
        try t.add("2026-10-31T23:59:59Z", usd: "100")
        try t.add("2026-12-01T00:00:00Z", usd: "100")
        return t
    }

    func read(_ scope: BudgetScope, _ t: TestLedger) throws -> BudgetReading {
        let budget = Budget(name: "b", period: .month, limit: hundred, scope: scope, timeZone: utc)
        return try BudgetReading.read(budget, at: at("2026-11-06T00:00:00Z"), from: t.ledger)
    }

    @Test("an export covering per-request records is not counted twice; an export alone counts")
    func aggregatesCountedOnce() throws {
        var t = try november()
        // OpenAI's usage export for the same days (the $15 of per-request records above, and an unpriced bucket).
        try t.add("2026-11-02T00:00:00Z", usd: "15", model: "o3", aggregate: true)
        try t.add("2026-11-05T00:00:00Z", usd: nil, model: "o3-pro-new", aggregate: true)
        // Google has only its export in November: that is the only record of its spend.
        try t.add("2026-11-03T00:00:00Z", usd: "4", model: "gemini-2.5-pro", provider: "google", aggregate: true)
        // An OpenAI export in October only, where OpenAI has a per-request record too: outside the month anyway.
        try t.add("2026-10-15T00:00:00Z", usd: "50", model: "o3", aggregate: true)
        let r = try read(BudgetScope(), t)
        #expect(r.spent == usd("26"))  // 10 + 5 + 7 per request, 4 from Google's export; not OpenAI's 15 again
        #expect(r.unpricedRecords == 1)
        #expect(r.records == 5)
        // Scoped to Google, its export is its spend.
        #expect(try read(BudgetScope(provider: "google"), t).spent == usd("4"))
        // A month where OpenAI has only its export: the export counts.
        var exportOnly = try TestLedger()
        try exportOnly.add("2026-11-10T00:00:00Z", usd: "3", model: "o3", aggregate: true)
        try exportOnly.add("2026-11-11T00:00:00Z", usd: "2", model: "claude-sonnet-4", provider: "anthropic")
        #expect(try read(BudgetScope(), exportOnly).spent == usd("5"))
    }

    @Test("spend counts the period only; unpriced records are counted apart, never as $0")
    func spendAndUnpriced() throws {
        let r = try read(BudgetScope(), try november())
        #expect(r.spent == usd("22"))
        #expect(r.unpricedRecords == 1)
        #expect(r.records == 4)
        #expect(r.percentText == "22.0")
        #expect(r.daysLeftText == "25.0")
        #expect(r.crossedThreshold == nil)
        #expect(r.forecast == nil) // 5 of 30 days: too early to project
    }

    @Test("scopes: model pattern on the resolved id or logged name, provider, project, tag, effort")
    func scopes() throws {
        let t = try november()
        let o3 = try read(BudgetScope(model: "o3*"), t)
        #expect(o3.spent == usd("10"))     // matched through model_id "o3" (logged "openai/O3-2025")
        #expect(o3.unpricedRecords == 1)   // "o3-pro-new" matched by its logged name
        #expect(try read(BudgetScope(model: "GPT-4O-MINI"), t).spent == usd("5"))
        #expect(try read(BudgetScope(model: "claude-*-4"), t).spent == usd("7"))
        #expect(try read(BudgetScope(provider: "anthropic"), t).spent == usd("7"))
        let acme = try read(BudgetScope(project: "acme"), t)
        #expect(acme.spent == usd("17"))
        #expect(acme.unpricedRecords == 1)
        #expect(try read(BudgetScope(tag: ("team", "search")), t).spent == usd("10"))
        #expect(try read(BudgetScope(tag: ("team", "nobody")), t).records == 0)
        #expect(try read(BudgetScope(effort: "HIGH"), t).spent == usd("10"))
        #expect(try read(BudgetScope(provider: "openai", project: "acme"), t).spent == usd("10"))
    }

    /// $5 at noon every day from 1 November: a steady overrun of a $100 month (limit reached on the 20th).
    func steadyOverrun(days: Int) throws -> TestLedger {
        var t = try TestLedger()
        for day in 1...days {
            try t.add("2026-11-\(day < 10 ? "0" : "")\(day)T12:00:00Z", usd: "5")
        }
        return t
    }

    @Test("the forecast projects the last seven days' rate and waits for a quarter of the period")
    func forecast() throws {
        let budget = Budget(name: "b", period: .month, limit: hundred, timeZone: utc)
        // 7 November 00:00: 6 of 30 days passed (< 7.5): no forecast yet.
        let early = try BudgetReading.read(budget, at: at("2026-11-07T00:00:00Z"), from: try steadyOverrun(days: 6).ledger)
        #expect(early.spent == usd("30"))
        #expect(early.forecast == nil)
        #expect(early.alerts.isEmpty)
        // 9 November 00:00: spent 8 × $5 = $40; last 7 days $35; 22 days left → 40 + 35 × 22/7 = $150.
        let later = try BudgetReading.read(budget, at: at("2026-11-09T00:00:00Z"), from: try steadyOverrun(days: 8).ledger)
        #expect(later.spent == usd("40"))
        #expect(later.recentSpent == usd("35"))
        #expect(later.forecast == usd("150"))
        #expect(later.forecastOverruns)
        #expect(later.alerts.map(\.kind) == [.forecast])
        #expect(later.alerts.first?.severity == .exceeded)
    }

    @Test("a pace within the limit forecasts within it, exactly")
    func forecastWithin() throws {
        var t = try TestLedger()
        for day in 1...10 { try t.add("2026-11-\(day < 10 ? "0" : "")\(day)T12:00:00Z", usd: "3") }
        let budget = Budget(name: "b", period: .month, limit: hundred, timeZone: utc)
        // 11 November 00:00: spent $30; last 7 days $21; 20 days left → 30 + 21 × 20/7 = $90.
        let r = try BudgetReading.read(budget, at: at("2026-11-11T00:00:00Z"), from: t.ledger)
        #expect(r.forecast == usd("90"))
        #expect(!r.forecastOverruns)
        #expect(r.alerts.isEmpty)
    }
}
