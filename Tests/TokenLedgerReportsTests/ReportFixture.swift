import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerReports

/// Test support: ledgers built by writing `usage_record` rows directly with SQL, with costs chosen by
/// the test (never from real prices — PriceBook is not involved).
enum ReportFixture {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("fixtures/reports")

    /// The fixture ledger of fixtures/reports/ledger.sql, in memory.
    static func ledger() throws -> Ledger {
        let sql = try String(contentsOf: directory.appendingPathComponent("ledger.sql"), encoding: .utf8)
        let queue = try DatabaseQueue()
        let ledger = try Ledger(queue)
        try queue.write { try $0.execute(sql: sql) }
        return ledger
    }

    /// A ledger holding exactly `rows`.
    static func ledger(_ rows: [TestRow]) throws -> Ledger {
        let queue = try DatabaseQueue()
        let ledger = try Ledger(queue)
        try queue.write { db in
            for (i, row) in rows.enumerated() { try row.insert(db, id: i + 1) }
        }
        return ledger
    }

    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let utc = TimeZone(identifier: "UTC")!

    /// Unix ms of an ISO 8601 UTC time ("2026-10-25T00:30:00Z").
    static func ms(_ iso: String) -> Int64 {
        Int64((Timestamp.parse(iso)!.timeIntervalSince1970 * 1000).rounded())
    }

    /// The fixture's October in Berlin, grouped as given.
    static func octoberQuery(_ by: [GroupDimension], reconcile: Bool = false) throws -> ReportQuery {
        ReportQuery(groupBy: by, period: try ReportPeriod.month("2026-10", in: berlin), timeZone: berlin, reconcile: reconcile)
    }
}

/// One `usage_record` row with test-chosen values; costs in picodollars (nil = unpriced).
struct TestRow {
    var ts: Int64
    var provider = "openai"
    var model = "gpt-5"
    var modelID: String? = "gpt-5"
    var effort = "high"
    var source = "openai-responses"
    var project: String? = nil
    var session: String? = nil
    var tags: String? = nil
    var input = 100
    var cacheRead = 0
    var cacheWrite = 0
    var output = 10
    var reasoning = 0
    var requests = 1
    var aggregate = false
    var cost: Int64? = 1_000_000_000
    var reported: Int64? = nil
    var channel: String? = nil
    var batch = false

    func insert(_ db: Database, id: Int) throws {
        try db.execute(sql: """
            INSERT INTO usage_record (id, dedup_key, ts, provider, model, model_id, effort, source, project, session_id, tags,
                input_tokens, cache_read_tokens, cache_write_5m_tokens, output_tokens, reasoning_tokens, request_count,
                is_aggregate, cost_pusd, unpriced_reason, reported_cost_pusd, channel, is_batch, imported_at)
            VALUES (?,?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?, ?,?,?,?,?,?,0)
            """, arguments: [id, "t:\(id)", ts, provider, model, modelID, effort, source, project, session, tags,
                             input, cacheRead, cacheWrite, output, reasoning, requests,
                             aggregate ? 1 : 0, cost, cost == nil ? "test: unpriced" : nil, reported, channel, batch ? 1 : 0])
    }
}
