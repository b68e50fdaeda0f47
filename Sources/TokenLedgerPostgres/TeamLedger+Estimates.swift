import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerEstimator

/// The estimator's history from the team ledger: the whole team's past requests of a model shape
/// the output forecast, as the local ledger's do for one machine.
extension TeamLedger {
    /// Hours of the rollup read per query, newest first.
    static let recentHoursPage = 512

    /// Cost: the rollup's hours of the pair, newest first, a page at a time (its primary key starts
    /// with the hour), then one query per group of hours reading their records through the `ts`
    /// index as ranges (`RecentHoursWalk`).
    public func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)] {
        try run {
            var page: [(hour: Int64, records: Int64)] = []
            var next = 0
            var before = Int64.max
            var exhausted = false
            func nextHour() throws -> (hour: Int64, records: Int64)? {
                if next == page.count, !exhausted {
                    let rows = try connection.execute("""
                        SELECT hour, sum(records)::bigint FROM report_rollup
                        WHERE model_key = $1 AND resolved AND effort = $2 AND NOT is_aggregate AND hour < $3
                        GROUP BY hour HAVING sum(records) > 0 ORDER BY hour DESC LIMIT $4
                        """, [modelID, effort.rawValue, before, Int64(Self.recentHoursPage)])
                    page = try (0..<rows.count).map { (hour: try rows.requiredInt64($0, 0), records: try rows.requiredInt64($0, 1)) }
                    next = 0
                    exhausted = page.count < Self.recentHoursPage
                    before = page.last?.hour ?? before
                }
                guard next < page.count else { return nil }
                next += 1
                return page[next - 1]
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
