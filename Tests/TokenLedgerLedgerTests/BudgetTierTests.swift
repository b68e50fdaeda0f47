import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

/// A budget scoped to report-tier keys (all usage, a provider, a project) is read as a report reads it
/// (the day tier and its cut pieces): the sums must equal a scan of the period's records for periods
/// cut anywhere, in whole-hour and half-hour zones, with export rows and unpriced records.
@Suite("budget sums from the report tiers equal a scan of the records")
struct BudgetTierTests {
    static let hour: Int64 = 3_600_000
    /// 2026-10-01T00:00:00Z.
    static let d0: Int64 = 1_790_812_800_000

    /// 600 records every 47 min 13 s over ~20 days: three providers (one model no table prices), two
    /// projects and none, and export rows of OpenAI (which also has per-request records) and of
    /// Google (its only records).
    static func entries() -> [LedgerEntry] {
        let models = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5"), ("openai", "no-such-model-x"), ("openai", "gpt-4o-mini")]
        var out: [LedgerEntry] = (0..<600).map { n in
            let (provider, model) = models[n % models.count]
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: Double(d0 + Int64(n) * 2_833_000) / 1_000), provider: provider, model: model,
                tokens: TokenCounts(input: 1_000 + n, cacheRead: n % 4 * 100, output: 200 + n % 50), source: "test",
                project: ["search", nil, "tab\there"][n % 3], requestID: "r-\(n)")
            return LedgerEntry(record: record, dedupKey: "b:\(n)", location: SourceLocation(file: "/logs/b.jsonl", line: n + 1))
        }
        for (n, (provider, model)) in [("openai", "gpt-4o"), ("google", "gemini-2.5-pro"), ("google", "gemini-2.5-pro")].enumerated() {
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: Double(d0 + Int64(3 + 5 * n) * 24 * hour + 13 * hour) / 1_000), provider: provider,
                model: model, tokens: TokenCounts(input: 5_000_000, output: 1_000_000), source: "usage-export", project: "search",
                requestCount: 40, isAggregate: true)
            out.append(LedgerEntry(record: record, dedupKey: "export:\(n)", location: SourceLocation(file: "/logs/export.jsonl", line: n + 1)))
        }
        return out
    }

    static let scopes = [
        BudgetScope(), BudgetScope(provider: "openai"), BudgetScope(provider: "anthropic"), BudgetScope(provider: "google"),
        BudgetScope(project: "search"), BudgetScope(project: "tab\there"), BudgetScope(provider: "openai", project: "search"),
        BudgetScope(provider: "nobody"),
    ]

    /// (start, end, rateStart): a UTC week, a Berlin month, a Kolkata (+05:30) week, a day cut at odd
    /// minutes, and a rate window starting before the period.
    static let windows: [(Int64, Int64, Int64)] = [
        (d0, d0 + 7 * 24 * hour, d0 + 4 * 24 * hour),
        (d0 - 2 * hour, d0 + 31 * 24 * hour - hour, d0 + 12 * 24 * hour + 17 * 60_000),
        (d0 + 5 * 24 * hour - 5 * hour - 30 * 60_000, d0 + 12 * 24 * hour - 5 * hour - 30 * 60_000, d0 + 9 * 24 * hour + 7 * 60_000 + 13),
        (d0 + 13 * 24 * hour + 13 * 60_000 + 7, d0 + 14 * 24 * hour + 5 * hour + 1, d0 + 13 * 24 * hour + 20 * hour),
        (d0 + 2 * 24 * hour, d0 + 9 * 24 * hour, d0),
    ]

    @Test("every tier-keyed scope and window: the same spend, rate-window spend, records and unpriced causes as the records")
    func tiersEqualRecords() throws {
        let ledger = try Ledger.inMemory()
        let prices = try PriceBook.bundled()
        try ledger.insert(Self.entries(), pricing: prices)
        var tiered = 0
        for scope in Self.scopes {
            #expect(scope.reportFilters != nil)
            for (start, end, rateStart) in Self.windows {
                let fromTiers = try ledger.budgetSums(scope: scope, start: start, end: end, rateStart: rateStart)
                let fromRecords = try ledger.recordBudgetSums(scope: scope, start: start, end: end, rateStart: rateStart)
                #expect(fromTiers == fromRecords, "\(scope.summary) [\(start), \(end)) from \(rateStart)")
                if fromTiers.records > 0 { tiered += 1 }
            }
        }
        // Not vacuous: most pairs have records, some unpriced, and Google's export counts.
        #expect(tiered >= 30)
        let google = try ledger.budgetSums(scope: BudgetScope(provider: "google"), start: Self.d0, end: Self.d0 + 31 * 24 * Self.hour, rateStart: Self.d0)
        #expect(google.records == 2 && google.spent > 0)
        let all = try ledger.budgetSums(scope: BudgetScope(), start: Self.d0, end: Self.d0 + 31 * 24 * Self.hour, rateStart: Self.d0)
        #expect(all.unpricedRecords > 0 && !all.unpricedCauses.isEmpty)
    }

    @Test("a model pattern, a tag, an effort or a branch is not a tier key: those scopes read the records")
    func otherScopesReadRecords() {
        #expect(BudgetScope(model: "gpt-4o").reportFilters == nil)
        #expect(BudgetScope(tag: ("team", "core")).reportFilters == nil)
        #expect(BudgetScope(effort: "high").reportFilters == nil)
        #expect(BudgetScope(provider: "openai", branch: "main").reportFilters == nil)
    }
}
