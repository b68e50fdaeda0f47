import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerReports

/// Report numbers on the fixture ledger (fixtures/reports/ledger.sql), checked against sums worked
/// out by hand from the rows' comments.
@Suite("Spend reports: totals, unpriced, aggregates, reconciliation, filters")
struct SpendReportTests {
    let ledger: Ledger

    init() throws { ledger = try ReportFixture.ledger() }

    func row(_ report: SpendReport, _ keys: String?...) -> SpendRow? {
        report.rows.first { $0.keys == keys }
    }

    @Test("October in Berlin: priced total is the exact sum of the ten priced rows, marked as a lower bound")
    func octoberTotals() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.model]))
        // r2 6.25 + r3 12.625 + r4 3 + r5 4.5 + r6 3.6 + r7 11.55 + r8 12 + r9 1.65 + r13 750 + r15 13 (× 10⁹ pUSD)
        #expect(report.totals.cost == Money(decimalText: "0.818175"))
        #expect(report.totals.requests == 51) // 11 per-request rows + 40 in the Gemini export
        #expect(report.totals.inputTokens == 236_150)
        #expect(report.isLowerBound)
        #expect(report.totals.isLowerBound)
    }

    @Test("--by channel and --by batch: the reseller ((none) when direct) and batch vs standard requests")
    func channelAndBatch() throws {
        let t = ReportFixture.ms("2026-10-10T12:00:00Z")
        let ledger = try ReportFixture.ledger([
            TestRow(ts: t, cost: 1_000_000_000),
            TestRow(ts: t, cost: 2_000_000_000, channel: "302ai"),
            TestRow(ts: t, cost: 4_000_000_000, batch: true),
            TestRow(ts: t, cost: 8_000_000_000, channel: "", batch: true),
        ])
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery(try GroupDimension.parseList("channel,batch")))
        #expect(report.rows.count == 3)
        #expect(row(report, nil, "standard")?.usage.cost == Money(picodollars: 1_000_000_000))
        #expect(row(report, "302ai", "standard")?.usage.cost == Money(picodollars: 2_000_000_000))
        #expect(row(report, nil, "batch")?.usage.cost == Money(picodollars: 12_000_000_000))
        #expect(report.renderTable().contains("Channel"))
        #expect(report.renderCSV().hasPrefix("channel,batch,"))
    }

    @Test("unpriced usage is its own line: requests, tokens and the models lacking prices — never $0")
    func unpriced() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.model]))
        #expect(report.unpriced.requests == 2)
        #expect(report.unpriced.tokens == 3_700 + 7_000)
        #expect(report.unpriced.models == ["mystery-model-x", "o3-deep-research"])
        let mystery = try #require(row(report, "mystery-model-x"))
        #expect(mystery.usage.isUnpriced)
        #expect(!mystery.modelResolved)
        #expect(ReportText.costCell(mystery.usage) == "unpriced")
        #expect(report.share(of: mystery.usage) == nil)
        let json = report.jsonValue()
        #expect(json["rows"]?.array?.first { $0["model"]?.string == "mystery-model-x" }?["cost_usd"] == .null)
        #expect(report.renderTable().contains("Unpriced: 2 requests, 10,700 tokens; 2 models lack prices: mystery-model-x, o3-deep-research."))
    }

    @Test("a model whose rows are partly unpriced shows a lower-bound cost")
    func partlyUnpriced() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.provider]))
        let openai = try #require(row(report, "openai"))
        // r2 + r3 + r4 + r5 + r6 priced, r11 unpriced
        #expect(openai.usage.cost == Money(decimalText: "0.029975"))
        #expect(openai.usage.unpricedRequests == 1)
        #expect(ReportText.costCell(openai.usage) == "≥ $0.03")
    }

    @Test("aggregate rows: an export is left out where per-request rows exist (openai), used where not (google)")
    func aggregatesAuto() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.provider, .source]))
        #expect(row(report, "openai", "openai-usage-export") == nil)
        #expect(row(report, "google", "gemini-cost-export")?.usage.cost == Money(decimalText: "0.75"))
        #expect(report.skippedAggregateProviders == ["openai"])
        #expect(report.aggregateProviders == ["google"])
        // gpt-5 on 10-01 counted once: r2 + r3, not + r12's copy of them
        let byDay = try ledger.spendReport(for: ReportFixture.octoberQuery([.day, .model]))
        #expect(row(byDay, "2026-10-01", "gpt-5")?.usage.cost == Money(decimalText: "0.018875"))
        #expect(row(byDay, "2026-10-01", "gpt-5")?.usage.requests == 2)
    }

    @Test("--aggregates exclude drops every export row; only keeps just them")
    func aggregatesExcludeOnly() throws {
        var query = try ReportFixture.octoberQuery([.provider])
        query.aggregates = .exclude
        let excluded = try ledger.spendReport(for: query)
        #expect(row(excluded, "google") == nil)
        #expect(excluded.totals.cost == Money(decimalText: "0.068175"))
        query.aggregates = .only
        let only = try ledger.spendReport(for: query)
        #expect(only.rows.map(\.keys) == [["google"], ["openai"]])
        #expect(only.totals.cost == Money(decimalText: "0.768875"))
    }

    @Test("reconciliation: reported vs computed per group, with unpriced reported costs kept apart")
    func reconciliation() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.provider], reconcile: true))
        let anthropic = try #require(row(report, "anthropic")?.usage.reconciliation)
        #expect(anthropic.reported == Money(decimalText: "0.02525"))
        #expect(anthropic.computed == Money(decimalText: "0.0252"))
        #expect(anthropic.difference == Money(decimalText: "0.00005"))
        let openrouter = try #require(row(report, "openrouter")?.usage.reconciliation)
        #expect(openrouter.records == 1)
        #expect(openrouter.difference == Money(decimalText: "0.0001"))
        #expect(openrouter.unpricedRecords == 1)
        #expect(openrouter.reportedUnpriced == Money(decimalText: "0.0042"))
        #expect(report.totals.reconciliation?.difference == Money(decimalText: "0.00015"))
        let openai = try #require(row(report, "openai")?.usage.reconciliation)
        #expect(openai.records == 0 && openai.unpricedRecords == 0)
    }

    @Test("a price change inside the month: each row keeps the cost priced at its own date")
    func priceChangeInsideMonth() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.model, .day]))
        #expect(row(report, "gpt-5-mini", "2026-10-10")?.usage.cost == Money(decimalText: "0.0045"))
        #expect(row(report, "gpt-5-mini", "2026-10-20")?.usage.cost == Money(decimalText: "0.0036"))
        let monthly = try ledger.spendReport(for: ReportFixture.octoberQuery([.model]))
        #expect(row(monthly, "gpt-5-mini")?.usage.cost == Money(decimalText: "0.0081"))
    }

    @Test("filters: model matches resolved id or logged name; provider, project and tag narrow the rows")
    func filters() throws {
        var query = try ReportFixture.octoberQuery([.provider])
        query.models = ["gpt-5"]
        let gpt5 = try ledger.spendReport(for: query)
        #expect(gpt5.totals.cost == Money(decimalText: "0.034875")) // r2 r3 r4 openai + r15 openrouter
        query.models = ["openai/gpt-5"]
        #expect(try ledger.spendReport(for: query).totals.cost == Money(decimalText: "0.013"))
        query.models = ["mystery-model-x"]
        #expect(try ledger.spendReport(for: query).unpriced.requests == 1)

        var byProject = try ReportFixture.octoberQuery([.model])
        byProject.projects = ["app"]
        #expect(try ledger.spendReport(for: byProject).totals.cost == Money(decimalText: "0.0363")) // r4 3 + r5 4.5 + r6 3.6 + r7 11.55 + r8 12 + r9 1.65 (× 10⁹ pUSD)

        var byTag = try ReportFixture.octoberQuery([.model])
        byTag.tags = [TagFilter(key: "team", value: "search")]
        #expect(try ledger.spendReport(for: byTag).totals.cost == Money(decimalText: "0.031875")) // r2 r3 r15 (+ r10 unpriced)

        var byProvider = try ReportFixture.octoberQuery([.model])
        byProvider.providers = ["anthropic"]
        #expect(try ledger.spendReport(for: byProvider).totals.cost == Money(decimalText: "0.0252"))
    }

    @Test("tag, session and service-tier keys; missing values group as none")
    func otherKeys() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.tag("team")]))
        #expect(row(report, "search")?.usage.cost == Money(decimalText: "0.031875"))
        #expect(row(report, "app")?.usage.cost == Money(decimalText: "0.0111")) // r4 r5 r6
        #expect(row(report, nil)?.usage.cost == Money(decimalText: "0.7752")) // Claude Code rows + Gemini export
        let tiers = try ledger.spendReport(for: ReportFixture.octoberQuery([.serviceTier]))
        #expect(row(tiers, "flex")?.usage.cost == Money(decimalText: "0.003"))
        let sessions = try ledger.spendReport(for: ReportFixture.octoberQuery([.session]))
        #expect(row(sessions, "s1")?.usage.requests == 3)
    }

    @Test("the whole ledger without a period: all 14 counted rows, and month buckets in Berlin")
    func allTimeByMonth() throws {
        let report = try ledger.spendReport(for: ReportQuery(groupBy: [.month], timeZone: ReportFixture.berlin))
        #expect(report.rows.map(\.keys) == [["2026-09"], ["2026-10"], ["2026-11"]])
        #expect(row(report, "2026-09")?.usage.cost == Money(decimalText: "0.00225"))
        #expect(row(report, "2026-11")?.usage.cost == Money(decimalText: "0.00225"))
        #expect(row(report, "2026-10")?.usage.cost == Money(decimalText: "0.818175"))
    }

    @Test("shares are exact to four decimals and rolled-up reports keep exact sums")
    func sharesAndRollUp() throws {
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.model, .effort]))
        let gemini = try #require(row(report, "gemini-2.5-pro", "unknown"))
        // 0.75 / 0.818175 = 0.91667…
        #expect(report.share(of: gemini.usage) == ExactDecimal(significand: 9167, fractionDigits: 4))
        let byModel = report.rolledUp(to: [.model])
        #expect(row(byModel, "gpt-5")?.usage.cost == Money(decimalText: "0.034875"))
        #expect(byModel.rows.reduce(Money.zero) { $0 + $1.usage.cost } == report.totals.cost)
    }

    @Test("money sums past Int64 stay exact (summed in Int128)")
    func hugeSums() throws {
        let big: Int64 = 9_000_000_000_000_000_000 // $9M in one record, near Int64.max
        let ledger = try ReportFixture.ledger([
            TestRow(ts: ReportFixture.ms("2026-11-02T10:00:00Z"), cost: big),
            TestRow(ts: ReportFixture.ms("2026-11-02T11:00:00Z"), cost: big),
            TestRow(ts: ReportFixture.ms("2026-11-02T12:00:00Z"), cost: big),
        ])
        let report = try ledger.spendReport(for: ReportQuery(groupBy: [.model], timeZone: ReportFixture.utc))
        #expect(report.totals.cost == Money(decimalText: "27000000"))
    }

    @Test("an empty period gives no rows and says so")
    func emptyPeriod() throws {
        let report = try ledger.spendReport(for: ReportQuery(groupBy: [.model], period: try ReportPeriod.month("2025-01", in: ReportFixture.utc), timeZone: ReportFixture.utc))
        #expect(report.rows.isEmpty)
        #expect(report.totals.cost == .zero)
        #expect(report.renderTable().contains("No usage recorded for this period."))
    }
}
