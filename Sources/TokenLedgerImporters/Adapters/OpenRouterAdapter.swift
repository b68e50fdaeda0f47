import Foundation
import TokenLedgerCore
import TokenLedgerLedger

public struct OpenRouterAdapter {
    static func looksLikeOpenRouter(_ h: FileHead) -> Bool {
        h.containsPair("id", "gen-*") || h.contains("\"provider\"") || h.contains("openrouter")
    }
}
