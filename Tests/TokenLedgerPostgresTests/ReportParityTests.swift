import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerReports
@testable import TokenLedgerPostgres

/// The same records in a SQLite ledger and, pushed, in a team ledger on PostgreSQL: every report format
/// must come out byte for byte the same, for every kind of query (rollup or record scan on both sides).
@Suite("reports over PostgreSQL equal reports over SQLite", .enabled(if: TestServer.available, TestServer.skipReason))
struct ReportParityTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let kolkata = TimeZone(identifier: "Asia/Kolkata")!
    static let kathmandu = TimeZone(identifier: "Asia/Kathmandu")!
    static let utc = TimeZone(identifier: "UTC")!

    /// The report fixture ledger (fixtures/reports/ledger.sql: DST edges, aggregates, reported costs,
    /// tags, unpriced rows) plus 400 priced entries over three months.
    static func localLedger() throws -> Ledger {
        let sql = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/reports/ledger.sql"), encoding: .utf8)
        let queue = try DatabaseQueue()
        let ledger = try Ledger(queue)
        try queue.write { try $0.execute(sql: sql) }
        try ledger.insert(LocalLedger.entries(400, prefix: "p"), pricing: LocalLedger.prices)
        return ledger
    }

    static func queries() throws -> [(String, ReportQuery)] {
        let october = try ReportPeriod.month("2026-10", in: berlin)
        let all = ReportPeriod()
        func q(_ by: [GroupDimension], _ period: ReportPeriod = october, zone: TimeZone = berlin, models: [String] = [], providers: [String] = [],
               projects: [String] = [], tags: [TagFilter] = [], aggregates: AggregatePolicy = .auto, reconcile: Bool = false,
               branches: [String] = []) -> ReportQuery {
            ReportQuery(groupBy: by, period: period, timeZone: zone, models: models, providers: providers, projects: projects,
                        tags: tags, aggregates: aggregates, reconcile: reconcile, branches: branches)
        }
        let halfHour = try ReportPeriod.parse(since: "2026-10-05T10:30:00Z", until: "2026-11-20T07:15:00Z", month: nil, in: utc)
        return [
            ("model,effort October Berlin", q([.model, .effort])),
            ("provider reconciled", q([.provider], reconcile: true)),
            ("day,model", q([.day, .model])),
            ("project,model", q([.project, .model])),
            ("week all time New York", q([.week], all, zone: newYork)),
            ("month all time", q([.month, .provider], all, zone: utc)),
            ("tag:team", q([.tag("team"), .model], all)),
            ("source,session", q([.source, .session], all)),
            ("service tier, channel, batch", q([.serviceTier, .channel, .batch], all, reconcile: true)),
            ("only project search", q([.model], all, projects: ["search"])),
            ("tag filter team=search", q([.day], tags: [try TagFilter(parsing: "team=search")])),
            ("model filter", q([.provider, .effort], all, models: ["gpt-4o", "gpt-5"])),
            ("provider filter", q([.model], all, providers: ["anthropic"])),
            ("aggregates only", q([.provider, .model], all, aggregates: .only, reconcile: true)),
            ("aggregates excluded", q([.provider], all, aggregates: .exclude)),
            ("Kolkata days (half-hour offset)", q([.day], all, zone: kolkata)),
            ("Kathmandu weeks (45-minute offset)", q([.week, .model], all, zone: kathmandu)),
            ("period on half hours", q([.day, .effort], halfHour, zone: utc)),
            ("no keys", q([], all)),
            ("hour,model October Berlin (the repeated hour)", q([.hour, .model])),
            ("hours all time Kolkata (half-hour offset)", q([.hour], all, zone: kolkata)),
            ("hour,provider with a project filter (record scan)", q([.hour, .provider], projects: ["app"])),
            ("repo,branch", q([.repository, .branch], all)),
            ("branch filter by model", q([.model, .day], all, branches: ["main", "feature/x"])),
        ]
    }

    /// Every output format of `report`, as the CLI renders it (HTML with its charts report).
    static func outputs(_ report: SpendReport, charts: SpendReport) -> [(String, String)] {
        [
            ("table", report.renderTable()),
            ("csv", report.renderCSV()),
            ("json", report.jsonValue().serialized(pretty: true)),
            ("markdown", report.renderMarkdown()),
            ("html", report.renderHTML(charts: charts)),
            ("prometheus", report.renderPrometheus()),
        ]
    }

    @Test("every query in every format: the same text from both engines")
    func parity() async throws {
        let local = try Self.localLedger()
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "laptop")
        _ = try team.push(from: local, ledgerPath: "/parity", batchSize: 97)
        #expect(try team.recordCount() == (try local.recordCount()))
        for (name, query) in try Self.queries() {
            var chartQuery = query
            chartQuery.groupBy = [.day, .model, .effort]
            chartQuery.reconcile = false
            let expected = Self.outputs(try local.spendReport(for: query), charts: try local.spendReport(for: chartQuery))
            let actual = Self.outputs(try team.spendReport(for: query), charts: try team.spendReport(for: chartQuery))
            for ((format, want), (_, got)) in zip(expected, actual) {
                #expect(got == want, "\(name), \(format): PostgreSQL and SQLite differ")
            }
            #expect(!expected[0].1.isEmpty)
        }
    }

    @Test("--by machine splits the team's spend by the machine that pushed it; totals are the whole ledger's")
    func byMachine() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let laptop = try LocalLedger.make(LocalLedger.entries(120, prefix: "laptop"))
        let ci = try LocalLedger.make(LocalLedger.entries(80, prefix: "ci"))
        let a = try db.connect(machine: "alice-laptop")
        let b = try db.connect(machine: "ci-runner")
        _ = try a.push(from: laptop, ledgerPath: "/l")
        _ = try b.push(from: ci, ledgerPath: "/l")
        let query = ReportQuery(groupBy: [.machine], period: ReportPeriod(), timeZone: Self.utc)
        let report = try a.spendReport(for: query)
        #expect(Set(report.rows.map { $0.keys[0] }) == ["alice-laptop", "ci-runner"])
        #expect(report.rows.first { $0.keys[0] == "alice-laptop" }?.usage.records == 120)
        #expect(report.rows.first { $0.keys[0] == "ci-runner" }?.usage.records == 80)
        let laptopCost = try laptop.spendReport(for: ReportQuery(groupBy: [], period: ReportPeriod(), timeZone: Self.utc)).totals.cost
        #expect(report.rows.first { $0.keys[0] == "alice-laptop" }?.usage.cost == laptopCost)
        // The same split from the record scan (a project filter keeps the rollup out).
        var filtered = query
        filtered.projects = ["search"]
        let scanned = try a.spendReport(for: filtered)
        #expect(scanned.rows.count == 2)
    }

    @Test("--by machine on a local ledger is one sentence, not a wrong report")
    func machineNeedsTeamLedger() throws {
        let local = try LocalLedger.make(LocalLedger.entries(3))
        #expect(throws: ReportError.machineNeedsTeamLedger) {
            try local.spendReport(for: ReportQuery(groupBy: [.machine], period: ReportPeriod(), timeZone: Self.utc))
        }
    }
}
