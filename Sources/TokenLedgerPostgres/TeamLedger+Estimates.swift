import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerEstimator

/// The estimator's history from the team ledger: the whole team's past requests of a model shape
/// the output forecast, as the local ledger's do for one machine.
extension TeamLedger {
    /// Cost: one query for all the pair's hours in the rollup (PostgreSQL scans the rollup for it,
    /// so it is asked once, not a page at a time), then one query per group of hours reading their
    /// records through the `ts` index as ranges (`RecentHoursWalk`).
    public func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)] {
        try run {
            let found = try connection.execute("""
                SELECT hour, sum(records)::bigint FROM report_rollup
                WHERE model_key = $1 AND resolved AND effort = $2 AND NOT is_aggregate
                GROUP BY hour HAVING sum(records) > 0 ORDER BY hour DESC
                """, [modelID, effort.rawValue])
            var next = 0
            func nextHour() throws -> (hour: Int64, records: Int64)? {
                guard next < found.count else { return nil }
                next += 1
                return (hour: try found.requiredInt64(next - 1, 0), records: try found.requiredInt64(next - 1, 1))
            }
            return try RecentHoursWalk.newest(limit: limit, nextHour: nextHour) { runs, count in
                let values = runs.map { "(\($0.lowerBound)::bigint, \($0.upperBound)::bigint)" }.joined(separator: ", ")
                let rows = try connection.execute("""
                    SELECT u.output_tokens, u.reasoning_tokens
                    FROM (VALUES \(values)) AS r(lo, hi) CROSS JOIN LATERAL (
                        SELECT id, ts, output_tokens, reasoning_tokens FROM usage_record
                        WHERE ts >= r.lo AND ts <= r.hi AND model_id = $1 AND effort = $2 AND NOT is_aggregate AND request_count = 1
                        OFFSET 0
                    ) AS u
                    ORDER BY u.ts DESC, u.id DESC LIMIT $3
                    """, [modelID, effort.rawValue, Int64(count)])
                return try (0..<rows.count).map { row in
                    (output: Int(try rows.requiredInt64(row, 0)), reasoning: Int(try rows.requiredInt64(row, 1)))
                }
            }
        }
    }
}
