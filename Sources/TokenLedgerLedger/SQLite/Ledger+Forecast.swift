import GRDB
import TokenLedgerCore

extension Ledger {
    public func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)] {
        try reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT output_tokens, reasoning_tokens FROM usage_record
                WHERE model_id = ? AND effort = ? AND is_aggregate = 0 AND request_count = 1
                ORDER BY ts DESC LIMIT ?
                """, arguments: [modelID, effort.rawValue, limit]).map { (output: $0[0] ?? 0, reasoning: $0[1] ?? 0) }
        }
    }
}
