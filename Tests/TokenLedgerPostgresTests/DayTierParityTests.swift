import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports
@testable import TokenLedgerPostgres

/// The team ledger's day tier (`report_rollup_day`, kept by statement triggers): every report the
/// planner answers from it must equal the same team ledger's answer without it and the SQLite
/// ledger's record scan of the same records, before and after reprices, project updates and deletes.
@Suite("team ledger day tier agrees with the record scan", .enabled(if: TestServer.available, TestServer.skipReason))
struct DayTierParityTests {
    static let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "UTC"].map { TimeZone(identifier: $0)! }

    /// `count` entries every 73 min 11 s from 2026-08-01 (through both October/November DST changes).
    static func entries(_ count: Int, prefix: String) -> [LedgerEntry] {
        let start = Date(timeIntervalSince1970: 1_785_542_400) // 2026-08-01T00:00:00Z
        return (0..<count).map { n in
            let models = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5"), ("openai", "no-such-model-x"), ("google", "gemini-2.5-pro")]
            let (provider, model) = models[n % models.count]
            let record = UsageRecord(
                timestamp: start.addingTimeInterval(Double(n) * 4_391), provider: provider, model: model,
                effort: n % 3 == 0 ? "high" : .unknown,
                tokens: TokenCounts(input: 1_000 + n, cacheRead: n % 4 * 100, output: 200 + n % 50),
                source: n % 5 == 0 ? "codex" : "claude-code", project: ["search", "tab\there", nil, "docs"][n % 4],
                reportedCost: n % 9 == 0 ? Money(picodollars: Int128(n) * 1_000_000_000) : nil,
                requestID: "req-\(n)", sessionID: "s-\(n % 5)", isAggregate: provider == "google" && n % 8 == 3)
            return LedgerEntry(record: record, dedupKey: "k:\(prefix):\(n)", location: TokenLedgerCore.SourceLocation(file: "/logs/\(prefix).jsonl", line: n + 1))
        }
    }

    static func queries() throws -> [ReportQuery] {
        var out: [ReportQuery] = []
        for zone in zones {
            let periods = [
                ReportPeriod(), try ReportPeriod.month("2026-10", in: zone),
                try ReportPeriod.parse(since: "2026-10-25", until: "2026-10-26", month: nil, in: zone),
                try ReportPeriod.parse(since: "2026-09-03T10:17:00Z", until: "2026-11-19T05:45:00Z", month: nil, in: zone),
            ]
            for by in [[], [.month], [.month, .project], [.project, .model], [.week, .source], [.day, .model, .effort], [.machine, .month]] as [[GroupDimension]] {
                for period in periods {
                    out.append(ReportQuery(groupBy: by, period: period, timeZone: zone, reconcile: true))
                }
            }
        }
        let month = try ReportPeriod.month("2026-10", in: zones[0])
        out.append(ReportQuery(groupBy: [.day, .project], period: month, timeZone: zones[0], projects: ["search", "tab\there"]))
        out.append(ReportQuery(groupBy: [.month], period: ReportPeriod(), timeZone: zones[2], providers: ["openai"], aggregates: .only))
        return out
    }

    /// The three answers, as the table renders them (machine dropped where SQLite cannot group by it).
    func expectSame(_ team: TeamLedger, _ local: Ledger, _ query: ReportQuery, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let what = "--by \(query.groupBy.map(\.name)) in \(query.timeZone.identifier), \(query.period)"
        #expect(TeamLedger.dayTierPlan(query, low: 0, high: 1) != nil, "not planned on the day tier: \(what)", sourceLocation: sourceLocation)
        let planned = try team.spendReport(for: query)
        let unplanned = try team.spendReportWithoutDayTier(for: query)
        #expect(planned.renderTable() == unplanned.renderTable(), "with and without the day tier: \(what)", sourceLocation: sourceLocation)
        #expect(planned.unpriced == unplanned.unpriced, "unpriced: \(what)", sourceLocation: sourceLocation)
        if !query.groupBy.contains(.machine) {
            let scanned = try local.reader.read { try SpendReportBuilder(query: query, allowRollup: false).build($0) }
            #expect(planned.renderTable() == scanned.renderTable(), "PostgreSQL day tier vs SQLite record scan: \(what)", sourceLocation: sourceLocation)
        }
    }

    @Test("every planned query: the day tier, the team ledger without it, and the SQLite record scan agree")
    func parity() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try Ledger.inMemory()
        try local.insert(Self.entries(2_500, prefix: "p"), pricing: LocalLedger.prices)
        let team = try db.connect(machine: "laptop")
        _ = try team.push(from: local, ledgerPath: "/parity", batchSize: 301)
        for query in try Self.queries() { try expectSame(team, local, query) }

        // Reprice-like, sync-like and delete statements on the server: the triggers keep the tier exact.
        _ = try db.texts("UPDATE usage_record SET cost_pusd = NULL, unpriced_reason = 'test: repriced away' WHERE id % 11 = 0")
        _ = try db.texts("UPDATE usage_record SET cost_pusd = 5000000, unpriced_reason = NULL, model_id = 'mystery' WHERE id % 13 = 0")
        _ = try db.texts("UPDATE usage_record SET project = 'synced', source = 'sync' WHERE id % 17 = 0")
        _ = try db.texts("DELETE FROM usage_record WHERE id % 23 = 0")
        let keys = TeamLedgerSchema.dayRollupKeys
        let recomputed = try db.texts("""
            SELECT string_agg(r::text, ';' ORDER BY r::text) FROM (SELECT \(keys.map(\.value).joined(separator: ", ")), \(TeamLedgerSchema.rollupSums.map(\.aggregate).joined(separator: ", "))
            FROM usage_record GROUP BY \((1...keys.count).map(String.init).joined(separator: ", "))) r
            """)
        let stored = try db.texts("""
            SELECT string_agg(r::text, ';' ORDER BY r::text) FROM (SELECT \(keys.map(\.column).joined(separator: ", ")), \(TeamLedgerSchema.rollupSums.map(\.column).joined(separator: ", "))
            FROM report_rollup_day WHERE records <> 0) r
            """)
        #expect(stored == recomputed)
        for query in try Self.queries() where query.timeZone.identifier != "UTC" {
            let planned = try team.spendReport(for: query)
            let unplanned = try team.spendReportWithoutDayTier(for: query)
            #expect(planned.renderTable() == unplanned.renderTable(), "after updates: --by \(query.groupBy.map(\.name)) in \(query.timeZone.identifier)")
            #expect(planned.unpriced == unplanned.unpriced)
        }
    }
}
