import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerImporters
import TokenLedgerPricing
@testable import TokenLedgerReports

/// The day tier (`report_rollup_day`) and its planner: every report it answers must equal the record
/// scan's, in every zone (DST days, half-hour and 45-minute offsets), period edge and grouping; after
/// bulk inserts, supersedes, reprices, project updates and deletes the table must equal its
/// definition recomputed from the records.
@Suite("Report day tier agrees with the record scan")
struct DayTierTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let kolkata = TimeZone(identifier: "Asia/Kolkata")!
    static let kathmandu = TimeZone(identifier: "Asia/Kathmandu")!
    static let utc = TimeZone(identifier: "UTC")!
    static let prices: PriceBook = (try? PriceBook.bundled()) ?? PriceBook()

    /// `count` entries every 73 min 11 s from 2026-02-20 (so through both 2026 DST changes in Europe
    /// and the US): several providers and models (one unknown, so unpriced), efforts, projects (one
    /// nil), two sources, reported costs, and a provider with only aggregate export rows.
    static func entries(_ count: Int, prefix: String = "d") -> [LedgerEntry] {
        let start = Date(timeIntervalSince1970: 1_771_545_600) // 2026-02-20T00:00:00Z
        return (0..<count).map { n in
            let models = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-5"), ("openai", "no-such-model-x"), ("google", "gemini-2.5-pro")]
            let (provider, model) = models[n % models.count]
            let record = UsageRecord(
                timestamp: start.addingTimeInterval(Double(n) * 4_391), provider: provider, model: model,
                effort: n % 3 == 0 ? "high" : .unknown,
                tokens: TokenCounts(input: 1_000 + n, cacheRead: n % 4 * 100, cacheWrite5m: n % 3 * 10, output: 200 + n % 50, reasoning: n % 2 * 20),
                source: n % 7 == 0 ? "codex" : "claude-code",
                project: ["search", "billing", nil, "docs"][n % 4],
                reportedCost: n % 9 == 0 ? Money(picodollars: Int128(n) * 1_000_000_000) : nil,
                requestID: "req-\(n)", sessionID: "s-\(n % 5)", requestCount: provider == "google" ? 3 : 1,
                isAggregate: provider == "google")
            return LedgerEntry(record: record, dedupKey: "k:\(prefix):\(n)", location: TokenLedgerCore.SourceLocation(file: "/logs/\(prefix).jsonl", line: n + 1))
        }
    }

    static func ledger(_ count: Int = 6_000) throws -> Ledger {
        let ledger = try Ledger.inMemory()
        try ledger.insert(entries(count), pricing: prices)
        return ledger
    }

    /// Groupings the day tier answers (with calendar keys, project and source), in several zones and periods.
    static func queries() throws -> [ReportQuery] {
        var out: [ReportQuery] = []
        let groupings: [[GroupDimension]] = [
            [], [.month], [.month, .project], [.project, .model], [.week, .source], [.day, .model, .effort],
            [.day], [.provider, .project, .month], [.week, .month],
        ]
        for zone in [berlin, newYork, kolkata, kathmandu, utc] {
            let periods: [ReportPeriod] = [
                ReportPeriod(),
                try ReportPeriod.month("2026-10", in: zone),
                try ReportPeriod.month("2026-03", in: zone),
                // The day Europe leaves summer time (25 hours long in Berlin).
                try ReportPeriod.parse(since: "2026-10-25", until: "2026-10-26", month: nil, in: zone),
                // Bounds at odd instants: pieces shorter than an hour at both ends.
                try ReportPeriod.parse(since: "2026-04-03T10:17:00Z", until: "2026-07-19T05:45:00Z", month: nil, in: zone),
            ]
            for by in groupings {
                for period in periods {
                    out.append(ReportQuery(groupBy: by, period: period, timeZone: zone, reconcile: true))
                }
            }
        }
        return out
    }

    func scan(_ ledger: Ledger, _ query: ReportQuery) throws -> SpendReport {
        try ledger.reader.read { try SpendReportBuilder(query: query, allowRollup: false).build($0) }
    }

    func expectSame(_ ledger: Ledger, _ query: ReportQuery, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let planned = try ledger.spendReport(for: query)
        let scanned = try scan(ledger, query)
        let what = "--by \(query.groupBy.map(\.name)) in \(query.timeZone.identifier), \(query.period)"
        #expect(planned.rows == scanned.rows, "rows for \(what)", sourceLocation: sourceLocation)
        #expect(planned.totals == scanned.totals, "totals for \(what)", sourceLocation: sourceLocation)
        #expect(planned.unpriced == scanned.unpriced, "unpriced for \(what)", sourceLocation: sourceLocation)
        #expect(planned.renderTable() == scanned.renderTable(), "table for \(what)", sourceLocation: sourceLocation)
    }

    /// The day tier recomputed from the records, as the migration fills it.
    static func recomputed(_ db: Database) throws -> [Row] {
        let keys = LedgerSchema.dayRollupKeys
        return try Row.fetchAll(db, sql: """
            SELECT \(keys.map { $0.value("R") }.joined(separator: ", ")), \(LedgerSchema.rollupSums.map { "SUM(\($0.value("R")))" }.joined(separator: ", "))
            FROM usage_record AS R GROUP BY \((1...keys.count).map(String.init).joined(separator: ", ")) ORDER BY \((1...keys.count).map(String.init).joined(separator: ", "))
            """)
    }

    static func stored(_ db: Database) throws -> [Row] {
        let keys = LedgerSchema.dayRollupKeys.map(\.column).joined(separator: ", ")
        return try Row.fetchAll(db, sql: "SELECT \(keys), \(LedgerSchema.rollupSums.map(\.column).joined(separator: ", ")) FROM report_rollup_day WHERE records <> 0 ORDER BY \(keys)")
    }

    func expectTierMatchesRecords(_ ledger: Ledger, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let (stored, recomputed) = try ledger.reader.read { (try Self.stored($0), try Self.recomputed($0)) }
        #expect(stored.count == recomputed.count, sourceLocation: sourceLocation)
        #expect(stored.map { Array($0.databaseValues) } == recomputed.map { Array($0.databaseValues) }, sourceLocation: sourceLocation)
    }

    @Test("every planned query equals the record scan, and the planner did use the day tier")
    func parity() throws {
        let ledger = try Self.ledger()
        try expectTierMatchesRecords(ledger)
        var planned = 0
        for query in try Self.queries() {
            try expectSame(ledger, query)
            if SpendReportBuilder(query: query).dayTierPlan(low: 0, high: 1) != nil { planned += 1 }
        }
        #expect(planned == (try Self.queries().count))
    }

    @Test("moved pieces: Berlin months read hour-aligned edges from the hourly rollup, Kolkata's from the records")
    func planShapes() throws {
        let year = try ReportPeriod.parse(since: "2025-12-01", until: "2026-11-30", month: nil, in: Self.berlin)
        let byMonth = ReportQuery(groupBy: [.month], period: year, timeZone: Self.berlin)
        let plan = try #require(byMonth.dayTierPlan(lowMillis: 0, highMillis: 1, dayKeys: SpendReportBuilder.dayTierKeys, hourAnswers: true))
        #expect(plan.fineTier == .hour)
        // Each month edge (22:00 or 23:00 UTC) moves the one or two hours after it: 11 edges inside the
        // year, the start's and the end's.
        #expect(plan.fine.count == 13)
        #expect(plan.fine.allSatisfy { $0.to - $0.from <= 2 * 3_600_000 })
        // 12 runs of whole days, and the 12 UTC days cut by an edge or the end.
        #expect(plan.coarse.count == 24)
        var kolkata = byMonth
        kolkata.timeZone = Self.kolkata
        kolkata.period = try ReportPeriod.parse(since: "2025-12-01", until: "2026-11-30", month: nil, in: Self.kolkata)
        #expect(try #require(kolkata.dayTierPlan(lowMillis: 0, highMillis: 1, dayKeys: SpendReportBuilder.dayTierKeys, hourAnswers: true)).fineTier == .records)
    }

    @Test("keys and filters the day tier does not hold are not planned on it")
    func refusals() throws {
        let month = try ReportPeriod.month("2026-10", in: Self.berlin)
        func plan(_ q: ReportQuery) -> ReportPlan? {
            q.dayTierPlan(lowMillis: 0, highMillis: 1, dayKeys: SpendReportBuilder.dayTierKeys, hourAnswers: true)
        }
        #expect(plan(ReportQuery(groupBy: [.hour], period: month, timeZone: Self.berlin)) == nil)
        #expect(plan(ReportQuery(groupBy: [.session], period: month, timeZone: Self.berlin)) == nil)
        #expect(plan(ReportQuery(groupBy: [.tag("team")], period: month, timeZone: Self.berlin)) == nil)
        #expect(plan(ReportQuery(groupBy: [.branch], period: month, timeZone: Self.berlin)) == nil)
        #expect(plan(ReportQuery(groupBy: [.model], period: month, timeZone: Self.berlin, models: ["gpt-5"])) == nil)
        #expect(plan(ReportQuery(groupBy: [.model], period: month, timeZone: Self.berlin, tags: [TagFilter(key: "team", value: "a")])) == nil)
        #expect(plan(ReportQuery(groupBy: [.model], period: month, timeZone: Self.berlin, branches: ["main"])) == nil)
        #expect(ReportQuery(groupBy: [.model], period: month, timeZone: Self.berlin)
            .dayTierPlan(lowMillis: -1, highMillis: 1, dayKeys: SpendReportBuilder.dayTierKeys, hourAnswers: true) == nil)
        // The ones it does answer, with filters it holds.
        #expect(plan(ReportQuery(groupBy: [.project, .source], period: month, timeZone: Self.berlin, providers: ["openai"], projects: ["search"])) != nil)
    }

    @Test("filters that fall back, and filters the tier holds, equal the record scan")
    func filters() throws {
        let ledger = try Self.ledger(3_000)
        let month = try ReportPeriod.month("2026-04", in: Self.berlin)
        for query in [
            ReportQuery(groupBy: [.month, .project], period: ReportPeriod(), timeZone: Self.berlin, providers: ["openai"]),
            ReportQuery(groupBy: [.day], period: month, timeZone: Self.berlin, projects: ["search", "docs"]),
            ReportQuery(groupBy: [.project], period: month, timeZone: Self.kolkata, projects: ["billing"], aggregates: .only),
            ReportQuery(groupBy: [.provider], period: ReportPeriod(), timeZone: Self.newYork, aggregates: .exclude),
            ReportQuery(groupBy: [.model, .month], period: ReportPeriod(), timeZone: Self.berlin, models: ["gpt-5"]),
            ReportQuery(groupBy: [.week], period: month, timeZone: Self.berlin, branches: ["main"]),
            ReportQuery(groupBy: [.session, .month], period: month, timeZone: Self.berlin),
        ] {
            try expectSame(ledger, query)
        }
    }

    @Test("supersedes, re-imports, reprices, project updates and deletes keep the day tier exact")
    func writes() throws {
        let ledger = try Self.ledger(2_000)
        // A re-import adds nothing; a supersede (same key, higher rank) moves the record in the tier.
        var again = Self.entries(2_000)
        for i in stride(from: 0, to: 2_000, by: 97) {
            again[i].supersedeRank = 1
            again[i].record.tokens.output += 1_000
            again[i].record.project = "moved"
            again[i].record.timestamp += 86_400
        }
        try ledger.insert(again, pricing: Self.prices)
        try expectTierMatchesRecords(ledger)
        try ledger.writer.write { db in
            try db.execute(sql: "UPDATE usage_record SET cost_pusd = NULL, unpriced_reason = 'test: repriced away' WHERE id % 11 = 0")
            try db.execute(sql: "UPDATE usage_record SET cost_pusd = 5000000, unpriced_reason = NULL, model_id = 'mystery' WHERE id % 13 = 0")
            try db.execute(sql: "UPDATE usage_record SET project = 'synced', source = 'sync' WHERE id % 17 = 0")
            try db.execute(sql: "UPDATE usage_record SET project = NULL WHERE id % 19 = 0")
            try db.execute(sql: "DELETE FROM usage_record WHERE id % 23 = 0")
        }
        try expectTierMatchesRecords(ledger)
        for query in try Self.queries().filter({ $0.timeZone == Self.berlin || $0.timeZone == Self.kolkata }) {
            try expectSame(ledger, query)
        }
    }

    @Test("the v7 migration fills the day tier from the records already stored")
    func migrationFills() throws {
        let queue = try DatabaseQueue()
        try LedgerSchema.migrator.migrate(queue, upTo: "v5-repository-branch")
        try queue.write { db in
            // Rows stored before the day tier exists (every 97 minutes over 60 days, some unpriced, one project nil).
            for i in 0..<900 {
                var row = TestRow(ts: ReportFixture.ms("2026-09-01T00:00:00Z") + Int64(i) * 97 * 60_000)
                row.project = ["search", nil, "docs"][i % 3]
                row.cost = i % 10 == 0 ? nil : Int64(i) * 1_000_000
                row.effort = i % 2 == 0 ? "high" : "low"
                try row.insert(db, id: i + 1)
            }
        }
        let ledger = try Ledger(queue)
        let count = try ledger.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM report_rollup_day") ?? 0 }
        #expect(count > 100)
        try expectTierMatchesRecords(ledger)
        try expectSame(ledger, ReportQuery(groupBy: [.month, .project], period: ReportPeriod(), timeZone: Self.berlin))
    }
}
