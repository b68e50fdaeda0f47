import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerReports

/// The hourly rollup (kept by triggers) must give exactly the record scan's answer, after inserts,
/// supersedes (updates) and deletes.
@Suite("Report rollup agrees with the record scan")
struct ReportRollupTests {
    static let queries: [[GroupDimension]] = [
        [.model], [.model, .effort], [.provider], [.day, .model], [.month], [.week, .effort], [.model, .effort, .day], [],
    ]

    func compare(_ ledger: Ledger, _ query: ReportQuery) throws {
        let viaRollup = try ledger.reader.read { try SpendReportBuilder(query: query).build($0) }
        let viaScan = try ledger.reader.read { try SpendReportBuilder(query: query, allowRollup: false).build($0) }
        #expect(viaRollup.rows == viaScan.rows, "rows for --by \(query.groupBy.map(\.name))")
        #expect(viaRollup.totals == viaScan.totals)
        #expect(viaRollup.unpriced == viaScan.unpriced)
    }

    @Test("every rollup-eligible grouping of the fixture, with and without reconciliation, in three zones")
    func fixture() throws {
        let ledger = try ReportFixture.ledger()
        for zone in [ReportFixture.berlin, ReportFixture.newYork, ReportFixture.utc] {
            for by in ReportRollupTests.queries {
                for reconcile in [false, true] {
                    try compare(ledger, ReportQuery(groupBy: by, period: try ReportPeriod.month("2026-10", in: zone), timeZone: zone, reconcile: reconcile))
                    try compare(ledger, ReportQuery(groupBy: by, timeZone: zone, reconcile: reconcile))
                }
            }
            var only = ReportQuery(groupBy: [.provider], timeZone: zone)
            only.aggregates = .only
            try compare(ledger, only)
            only.aggregates = .exclude
            only.providers = ["anthropic", "google"]
            try compare(ledger, only)
        }
    }

    @Test("after an update (supersede or reprice) and a delete the rollup still agrees")
    func updatesAndDeletes() throws {
        let queue = try DatabaseQueue()
        let ledger = try Ledger(queue)
        let sql = try String(contentsOf: ReportFixture.directory.appendingPathComponent("ledger.sql"), encoding: .utf8)
        try queue.write { db in
            try db.execute(sql: sql)
            try db.execute(sql: "UPDATE usage_record SET cost_pusd = 99000000000, output_tokens = 5000 WHERE id = 3")
            try db.execute(sql: "UPDATE usage_record SET cost_pusd = 7000000000, unpriced_reason = NULL, model_id = 'mystery' WHERE id = 10")
            try db.execute(sql: "UPDATE usage_record SET ts = ts + 86400000 WHERE id = 7")
            try db.execute(sql: "DELETE FROM usage_record WHERE id IN (5, 13)")
        }
        for by in ReportRollupTests.queries {
            try compare(ledger, ReportQuery(groupBy: by, timeZone: ReportFixture.berlin, reconcile: true))
        }
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.model]))
        #expect(report.rows.first { $0.keys == ["mystery"] }?.usage.cost == Money(decimalText: "0.007"))
        #expect(report.rows.first { $0.keys == ["gemini-2.5-pro"] } == nil)
    }

    @Test("a half-hour zone or a datetime bound falls back to the record scan and stays exact")
    func fallback() throws {
        let ledger = try ReportFixture.ledger()
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        let report = try ledger.spendReport(for: ReportQuery(groupBy: [.day], period: try ReportPeriod.month("2026-10", in: kolkata), timeZone: kolkata))
        // r1 (2026-09-30 21:59Z = 10-01 03:29 IST) now falls in October; r14 (10-31 23:30Z = 11-01 05:00 IST) does not.
        #expect(report.rows.first?.keys == ["2026-10-01"])
        #expect(report.totals.cost == Money(decimalText: "0.820425")) // October total + r1 0.00225
    }
}
