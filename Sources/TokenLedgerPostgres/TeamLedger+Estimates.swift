import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerEstimator

/// The estimator's history from the team ledger: the whole team's past requests of a model shape
/// the output forecast, as the local ledger's do for one machine.
extension TeamLedger {
    /// Cost: one query through the (model_id, ts) index over at most `limit` rows.
    public func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)] {
        try run {
            let rows = try connection.execute("""
                SELECT output_tokens, reasoning_tokens FROM usage_record
                WHERE model_id = $1 AND effort = $2 AND NOT is_aggregate AND request_count = 1
                ORDER BY ts DESC LIMIT $3
                """, [modelID, effort.rawValue, Int64(limit)])
            return try (0..<rows.count).map { row in
                (output: Int(try rows.requiredInt64(row, 0)), reasoning: Int(try rows.requiredInt64(row, 1)))
            }
        }
    }
}
