import TokenLedgerCore
import TokenLedgerLedger

/// What the ledger keeps of a stream of entries: the first entry per dedup key, replaced only by a
/// later one of strictly higher `supersedeRank` (the contract in `LedgerEntry`). Lets adapter tests
/// assert totals after deduplication without opening a database.
enum LedgerSimulation {
    static func kept(_ entries: [LedgerEntry]) -> [LedgerEntry] {
        var order: [String] = []
        var byKey: [String: LedgerEntry] = [:]
        for e in entries {
            if let old = byKey[e.dedupKey] {
                if e.supersedeRank > old.supersedeRank { byKey[e.dedupKey] = e }
            } else {
                order.append(e.dedupKey)
                byKey[e.dedupKey] = e
            }
        }
        return order.compactMap { byKey[$0] }
    }

    static func totals(_ entries: [LedgerEntry]) -> TokenCounts {
        kept(entries).map(\.record.tokens).reduce(TokenCounts(), +)
    }
}
