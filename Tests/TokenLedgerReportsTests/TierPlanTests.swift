import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerReports

/// A report reads each tier through its own key (the day tier by `day`), never through the day tier's
/// `is_aggregate, provider, day` index, which exists for the export-row probes alone (they name it).
/// Read through that index, a month's report visits every day of the ledger and looks each row up again:
/// on a 5M-record ledger 2 s instead of 30 ms. The plan is SQLite's choice, so it is checked here on every
/// statement a set of reports runs (`EXPLAIN QUERY PLAN`, not timed).
@Suite("Report tier reads use the tiers' own keys")
struct TierPlanTests {
    @Test("no report statement reads the day tier through the export-probe index unless it names it")
    func noProbeIndexInReports() throws {
        let statements = StatementLog()
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { statements.append(statement.expandedSQL) }
            }
        }
        let queue = try DatabaseQueue(configuration: configuration)
        let ledger = try Ledger(queue)
        let sql = try String(contentsOf: ReportFixture.directory.appendingPathComponent("ledger.sql"), encoding: .utf8)
        try queue.write { try $0.execute(sql: sql) }
        statements.removeAll()

        let zone = ReportFixture.berlin
        let month = try ReportPeriod.month("2026-10", in: zone)
        var queries: [ReportQuery] = []
        for by in [[.model, .effort, .day], [.month], [.project, .model], [.month, .project], [.provider]] as [[GroupDimension]] {
            queries.append(ReportQuery(groupBy: by, period: month, timeZone: zone))
            queries.append(ReportQuery(groupBy: by, timeZone: zone))
        }
        var only = ReportQuery(groupBy: [.provider], period: month, timeZone: zone)
        only.aggregates = .only
        queries.append(only)
        var filtered = ReportQuery(groupBy: [.model], period: month, timeZone: zone)
        filtered.providers = ["anthropic", "google"]
        queries.append(filtered)
        for query in queries { _ = try ledger.spendReport(for: query) }

        let tierReads = statements.all.filter { $0.contains("report_rollup_day") && !$0.contains("INDEXED BY") }
        #expect(tierReads.count >= queries.count / 2, "the reports read the day tier: \(tierReads.count) statements")
        try queue.read { db in
            for statement in tierReads {
                let plan: [String] = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(statement)").map { $0["detail"] }
                #expect(!plan.joined().contains("report_rollup_day_by_kind_provider"), "\(statement)\n\(plan.joined(separator: "\n"))")
            }
        }
    }
}

/// Statements seen by a trace (the trace runs on the database's queue; the test reads after the reports).
private final class StatementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []
    func append(_ sql: String) { lock.withLock { statements.append(sql) } }
    func removeAll() { lock.withLock { statements.removeAll() } }
    var all: [String] { lock.withLock { statements } }
}
