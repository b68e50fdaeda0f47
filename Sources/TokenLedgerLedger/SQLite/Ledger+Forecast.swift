import GRDB
import TokenLedgerCore

extension Ledger {
    /// Cost: the rollup's rows from the newest hour back to the oldest hour read (its primary key
    /// starts with the hour), then those hours' records through the `ts` index (`RecentHoursWalk`).
    public func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)] {
        try reader.read { db in
            let hours = try Row.fetchCursor(db, sql: """
                SELECT hour, records FROM report_rollup
                WHERE model_key = ? AND resolved = 1 AND effort = ? AND is_aggregate = 0 AND records > 0
                ORDER BY hour DESC
                """, arguments: [modelID, effort.rawValue])
            let read = try db.cachedStatement(sql: """
                SELECT output_tokens, reasoning_tokens FROM usage_record
                WHERE ts BETWEEN ? AND ? AND model_id = ? AND effort = ? AND is_aggregate = 0 AND request_count = 1
                ORDER BY ts DESC, id DESC LIMIT ?
                """)
            return try RecentHoursWalk.newest(
                limit: limit,
                nextHour: { try hours.next().map { (hour: $0[0], records: $0[1]) } },
                read: { runs, count in
                    var rows: [(output: Int, reasoning: Int)] = []
                    for run in runs where rows.count < count {
                        rows += try Row.fetchAll(read, arguments: [run.lowerBound, run.upperBound, modelID, effort.rawValue, count - rows.count])
                            .map { (output: $0[0] ?? 0, reasoning: $0[1] ?? 0) }
                    }
                    return rows
                })
        }
    }
}
