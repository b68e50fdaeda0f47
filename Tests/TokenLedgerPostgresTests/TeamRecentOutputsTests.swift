import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// The team ledger's estimator history read from the rollup's hours and the `ts` index
/// (`RecentHoursWalk`) must be what the query through the dropped (model_id, ts) index returned.
/// PostgreSQL never ordered that query's ties in ts; the oracle names the order the new query keeps
/// (newest id first, as the index returned rows inserted in id order).
@Suite("team ledger recent outputs from the rollup's hours equal the model-index query", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamRecentOutputsTests {
    static let oracleSQL = """
        SELECT output_tokens, reasoning_tokens FROM usage_record
        WHERE model_id = $1 AND effort = $2 AND NOT is_aggregate AND request_count = 1
        ORDER BY ts DESC, id DESC LIMIT $3
        """

    /// The records of the SQLite test (`RecentOutputsTests.recordsSQL`) with a machine: 200 hours of
    /// half-hour slots sharing ts, two providers, o3 resolved and unresolved, gpt-5, three efforts,
    /// export rows and request_count 3, and o3 high records on both sides of the epoch.
    static let recordsSQL = """
        INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, is_aggregate, request_count,
                                  output_tokens, reasoning_tokens, source, imported_at, machine)
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 6000)
        SELECT 'k' || i, 1790812800000 + ((i * 7919) % 400) * 1800000 + (i % 3) * 1000,
               CASE WHEN i % 2 = 0 THEN 'openai' ELSE 'azure' END,
               CASE WHEN i % 7 IN (3, 4) THEN 'gpt-5' ELSE 'o3' END,
               CASE WHEN i % 7 IN (3, 4) THEN 'gpt-5' WHEN i % 7 = 5 THEN NULL ELSE 'o3' END,
               CASE i % 4 WHEN 0 THEN 'high' WHEN 1 THEN 'high' WHEN 2 THEN 'low' ELSE 'unknown' END,
               (i % 11 = 0), CASE WHEN i % 13 = 0 THEN 3 ELSE 1 END,
               i, i % 97, 'sql', 0, CASE WHEN i % 5 = 0 THEN 'laptop' ELSE 'ci' END
        FROM n
        """
    static let epochSQL = """
        INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, output_tokens, reasoning_tokens, source, imported_at, machine)
        VALUES ('e1', -3600001, 'openai', 'o3', 'o3', 'high', 900001, 1, 'sql', 0, 'ci'),
               ('e2', -3600000, 'openai', 'o3', 'o3', 'high', 900002, 2, 'sql', 0, 'ci'),
               ('e3', -5000, 'openai', 'o3', 'o3', 'high', 900003, 3, 'sql', 0, 'ci'),
               ('e4', 0, 'openai', 'o3', 'o3', 'high', 900004, 4, 'sql', 0, 'ci'),
               ('e5', 3599999, 'openai', 'o3', 'o3', 'high', 900005, 5, 'sql', 0, 'ci'),
               ('e6', 3600000, 'openai', 'o3', 'o3', 'high', 900006, 6, 'sql', 0, 'ci')
        """

    @Test("same rows in the same order as the model-index query, for every pair and limit")
    func sameAsModelIndex() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        _ = try db.texts(Self.recordsSQL)
        _ = try db.texts(Self.epochSQL)
        #expect(try db.texts("SELECT count(DISTINCT hour) FROM report_rollup WHERE model_key = 'o3' AND resolved AND effort = 'high'") == ["203"])
        // The migrated schema has no (model_id, ts) index; the oracle runs through one as before.
        #expect(try db.texts("SELECT count(*) FROM pg_indexes WHERE indexname = 'usage_record_by_model_time'") == ["0"])
        _ = try db.texts("CREATE INDEX usage_record_by_model_time ON usage_row (model_id, ts)")
        let pairs: [(String, EffortTier)] = [
            ("o3", "high"), ("o3", "low"), ("o3", .unknown), ("gpt-5", "high"), ("gpt-5", .unknown), ("gpt-5", "minimal"), ("gpt-4o", "high"),
        ]
        for (model, effort) in pairs {
            for limit in [0, 1, 2, 5, 17, 100, 333, 640, 1_000, 5_000] {
                let oracle = try team.run {
                    let rows = try team.connection.execute(Self.oracleSQL, [model, effort.rawValue, Int64(limit)])
                    return try (0..<rows.count).map { [try rows.requiredInt64($0, 0), try rows.requiredInt64($0, 1)] }
                }
                let walked = try team.recentOutputs(modelID: model, effort: effort, limit: limit).map { [Int64($0.output), Int64($0.reasoning)] }
                #expect(walked == oracle, "\(model) at \(effort.rawValue), limit \(limit)")
            }
        }
        let all = try team.recentOutputs(modelID: "o3", effort: "high", limit: 5_000)
        #expect(all.suffix(6).map(\.output) == [900006, 900005, 900004, 900003, 900002, 900001])
    }

    @Test("a pair with one record in each of 1,300 hours: all of them, newest first")
    func manyHours() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        // One o3 high record in each of 1,300 hours, newest output highest.
        _ = try db.texts("""
            INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, output_tokens, source, imported_at, machine)
            SELECT 'h' || i, 1790812800000 + i::bigint * 3600000 + 60000, 'openai', 'o3', 'o3', 'high', i, 'sql', 0, 'ci'
            FROM generate_series(0, 1299) AS i
            """)
        let rows = try team.recentOutputs(modelID: "o3", effort: "high", limit: 5_000)
        #expect(rows.map(\.output) == Array((0..<1_300).reversed()))
    }
}
