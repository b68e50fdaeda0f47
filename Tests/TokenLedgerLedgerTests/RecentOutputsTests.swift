import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger

/// The estimator's history read from the rollup's hours and the `ts` index (`RecentHoursWalk`) must
/// be exactly what the query through the dropped (model_id, ts) index returned: the same rows in the
/// same order, for every pair and limit.
@Suite("recent outputs from the rollup's hours equal the model-index query")
struct RecentOutputsTests {
    /// The query the estimator ran through `usage_record_by_model_time` before v9 (the oracle).
    static let oracleSQL = """
        SELECT output_tokens, reasoning_tokens FROM usage_record
        WHERE model_id = ? AND effort = ? AND is_aggregate = 0 AND request_count = 1
        ORDER BY ts DESC LIMIT ?
        """

    /// `count` records in 200 half-hour slots from 2026-10-01 (many share a ts), of two providers:
    /// o3 and gpt-5 resolved, o3 unresolved (model_id NULL, the rollup's model_key still 'o3'),
    /// three efforts, some export rows and some with request_count 3. Output n, reasoning n % 97.
    /// The same SQL runs on PostgreSQL (`extraColumns`/`extraValues` add its `machine`).
    package static func recordsSQL(count: Int, extraColumns: String = "", extraValues: String = "") -> String {
        """
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < \(count))
        INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, is_aggregate, request_count,
                                  output_tokens, reasoning_tokens, source, imported_at\(extraColumns))
        SELECT 'k' || i, 1790812800000 + ((i * 7919) % 400) * 1800000 + (i % 3) * 1000,
               CASE WHEN i % 2 = 0 THEN 'openai' ELSE 'azure' END,
               CASE WHEN i % 7 IN (3, 4) THEN 'gpt-5' ELSE 'o3' END,
               CASE WHEN i % 7 IN (3, 4) THEN 'gpt-5' WHEN i % 7 = 5 THEN NULL ELSE 'o3' END,
               CASE i % 4 WHEN 0 THEN 'high' WHEN 1 THEN 'high' WHEN 2 THEN 'low' ELSE 'unknown' END,
               (i % 11 = 0), CASE WHEN i % 13 = 0 THEN 3 ELSE 1 END,
               i, i % 97, 'sql', 0\(extraValues)
        FROM n
        """
    }

    /// Records of o3 at high effort on both sides of the epoch, where `ts / 3600000` truncates:
    /// hour 0 spans (-1 h, 1 h).
    static let epochSQL = """
        INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, output_tokens, reasoning_tokens, source, imported_at)
        VALUES ('e1', -3600001, 'openai', 'o3', 'o3', 'high', 900001, 1, 'sql', 0),
               ('e2', -3600000, 'openai', 'o3', 'o3', 'high', 900002, 2, 'sql', 0),
               ('e3', -5000, 'openai', 'o3', 'o3', 'high', 900003, 3, 'sql', 0),
               ('e4', 0, 'openai', 'o3', 'o3', 'high', 900004, 4, 'sql', 0),
               ('e5', 3599999, 'openai', 'o3', 'o3', 'high', 900005, 5, 'sql', 0),
               ('e6', 3600000, 'openai', 'o3', 'o3', 'high', 900006, 6, 'sql', 0)
        """

    static let pairs: [(String, EffortTier)] = [
        ("o3", "high"), ("o3", "low"), ("o3", .unknown), ("gpt-5", "high"), ("gpt-5", .unknown), ("gpt-5", "minimal"), ("gpt-4o", "high"),
    ]
    static let limits = [0, 1, 2, 5, 17, 100, 333, 640, 1_000, 5_000]

    @Test("same rows in the same order as the model-index query, for every pair and limit")
    func sameAsModelIndex() throws {
        let queue = try DatabaseQueue()
        let ledger = try Ledger(queue)
        try ledger.write { db in
            try db.execute(sql: Self.recordsSQL(count: 6_000))
            try db.execute(sql: Self.epochSQL)
        }
        let hours = try ledger.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT count(DISTINCT hour) FROM report_rollup WHERE model_key = 'o3' AND resolved = 1 AND effort = 'high'")
        }
        #expect(hours == 203)   // 200 hours of the slots and 3 about the epoch
        // The oracle runs as it did: through the (model_id, ts) index, ties in ts newest id first.
        try ledger.write { db in try db.execute(sql: "CREATE INDEX usage_record_by_model_time ON usage_record(model_id, ts)") }
        for (model, effort) in Self.pairs {
            for limit in Self.limits {
                let oracle = try ledger.reader.read { db in
                    try Row.fetchAll(db, sql: Self.oracleSQL, arguments: [model, effort.rawValue, limit]).map { [$0[0] as Int, $0[1] as Int] }
                }
                let walked = try ledger.recentOutputs(modelID: model, effort: effort, limit: limit).map { [$0.output, $0.reasoning] }
                #expect(walked == oracle, "\(model) at \(effort.rawValue), limit \(limit)")
            }
        }
        // The epoch's hours: the six records come back newest first.
        let all = try ledger.recentOutputs(modelID: "o3", effort: "high", limit: 5_000)
        #expect(all.suffix(6).map(\.output) == [900006, 900005, 900004, 900003, 900002, 900001])
    }

    @Test("v9 drops the model index, and a v8 ledger's history is read from its rollup as before")
    func migrationFromV8() throws {
        let queue = try DatabaseQueue()
        try LedgerSchema.migrator.migrate(queue, upTo: "v8-kind-index-on-day-tier")
        try queue.write { db in try db.execute(sql: Self.recordsSQL(count: 2_000)) }
        let before = try queue.read { db in
            try Row.fetchAll(db, sql: Self.oracleSQL, arguments: ["o3", "high", 300]).map { [$0[0] as Int, $0[1] as Int] }
        }
        let ledger = try Ledger(queue)
        let indexes = try ledger.reader.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_record' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        #expect(indexes == ["usage_record_by_dedup_hash", "usage_record_by_time"])
        #expect(before.count == 300)
        #expect(try ledger.recentOutputs(modelID: "o3", effort: "high", limit: 300).map { [$0.output, $0.reasoning] } == before)
    }

    @Test("each hour's ts range holds exactly the ts whose truncated division is that hour")
    func hourRanges() {
        for hour: Int64 in [-3, -1, 0, 1, 497_448] {
            let range = RecentHoursWalk.tsRange(hour: hour)
            #expect(range.lowerBound / 3_600_000 == hour && range.upperBound / 3_600_000 == hour)
            #expect((range.lowerBound - 1) / 3_600_000 != hour && (range.upperBound + 1) / 3_600_000 != hour)
        }
        let hour: Int64 = 3_600_000
        let expected: [ClosedRange<Int64>] = [(9 * hour)...(11 * hour - 1), (7 * hour)...(8 * hour - 1), (-2 * hour + 1)...(hour - 1)]
        #expect(RecentHoursWalk.runs([10, 9, 7, 0, -1]) == expected)
    }

    @Test("no hours of the pair: nothing is read; counts short of the filter: more hours are read")
    func walk() throws {
        var reads = 0
        let none: [Int] = try RecentHoursWalk.newest(limit: 5_000, nextHour: { nil }) { _, _ in reads += 1; return [] }
        #expect(none.isEmpty && reads == 0)
        // Three hours of 4 records each, but the filter keeps 2 of each hour (request_count > 1).
        var hours: [(hour: Int64, records: Int64)] = [(12, 4), (11, 4), (9, 4)]
        var asked: [[ClosedRange<Int64>]] = []
        let rows: [Int64] = try RecentHoursWalk.newest(limit: 5, nextHour: { hours.isEmpty ? nil : hours.removeFirst() }) { runs, count in
            asked.append(runs)
            return Array(runs.flatMap { [$0.upperBound, $0.upperBound - 1] }.prefix(count))
        }
        #expect(asked == [RecentHoursWalk.runs([12, 11]), RecentHoursWalk.runs([9])])
        #expect(rows.count == 4)
    }
}
