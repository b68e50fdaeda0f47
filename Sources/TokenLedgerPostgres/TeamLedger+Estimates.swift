import Foundation
import PostgresNIO
import TokenLedgerCore
import TokenLedgerEstimator

/// The estimator's history from the team ledger: the whole team's past requests of a model shape
/// the output forecast, as the local ledger's do for one machine. Waits on PostgresNIO's futures (see
/// `TeamLedger+Budgets`).
extension TeamLedger: OutputHistorySource {
    /// Cost: one query through the (model_id, ts) index over at most `limit` rows.
    public func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)] {
        do {
            let rows = try connection.query("""
                SELECT output_tokens, reasoning_tokens FROM usage_record
                WHERE model_id = $1 AND effort = $2 AND NOT is_aggregate AND request_count = 1
                ORDER BY ts DESC LIMIT $3
                """, [PostgresData(string: modelID), PostgresData(string: effort.rawValue), PostgresData(int64: Int64(limit))]).wait()
            return try rows.map { row in
                let (output, reasoning) = try row.decode((Int64, Int64).self)
                return (output: Int(output), reasoning: Int(reasoning))
            }
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
    }
}
