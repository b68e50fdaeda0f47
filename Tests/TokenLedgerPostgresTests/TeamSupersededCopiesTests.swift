import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerPostgres

/// Copies of a key folded within a batch (a streamed response's placeholder and final line) are
/// counted on the team ledger exactly as the SQLite ledger counts writing each copy in order.
@Suite("folded copies of a key on the team ledger", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamSupersededCopiesTests {
    func entry(_ key: String, rank: Int, model: String = "claude-sonnet-4-5-20250929") -> LedgerEntry {
        LedgerEntry(record: UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "anthropic", model: model,
            tokens: TokenCounts(input: 10, cacheRead: 900, output: rank * 7 + 1), source: "claude-code"),
                    dedupKey: key, location: TokenLedgerCore.SourceLocation(file: "/logs/a.jsonl", line: rank + 1), supersedeRank: rank)
    }

    @Test("stored first one copy per batch, then a batch whole: the same counts and ranks as SQLite writing each copy in order")
    func sameCountsAsSQLite() throws {
        let prices = try PriceBook.bundled()
        // Key a's copies are one response of a model no table prices (a key's copies share their model).
        let unknown = "no-such-model"
        let a1 = entry("a", rank: 1, model: unknown), a3 = entry("a", rank: 3, model: unknown)
        let a4 = entry("a", rank: 4, model: unknown), a9 = entry("a", rank: 9, model: unknown)
        let b1 = entry("b", rank: 1), b4 = entry("b", rank: 4)
        let scenarios: [(stored: [LedgerEntry], batch: [LedgerEntry])] = [
            ([], [a1, b1, a9, a3]),                 // a first import: straight COPY
            ([a3, b4], [a1, a3, a4, a9, b1, b4]),   // against stored rows: staged
            ([a1, a9, b1, b4], [a1, a9, b1, b4]),   // a re-read: only duplicates
        ]
        for (stored, batch) in scenarios {
            let db = try TestServer.freshDatabase()
            defer { db.drop() }
            let team = try db.connect()
            let ledger = try Ledger.inMemory()
            for e in stored {
                try ledger.insert([e], pricing: prices)
                _ = try team.store(ImportBatch(records: PricedBatch([e], pricing: prices), quarantine: [], checkpoints: []))
            }
            var inOrder = InsertCounts()
            for e in batch { inOrder = inOrder + (try ledger.insert([e], pricing: prices)) }
            let folded = try team.store(ImportBatch(records: PricedBatch(batch, pricing: prices), quarantine: [], checkpoints: []))
            #expect(folded == inOrder)
            #expect(try db.texts("SELECT dedup_key || ':' || supersede_rank FROM usage_record ORDER BY dedup_key")
                == ledger.storedRecords().map { "\($0.entry.dedupKey):\($0.entry.supersedeRank)" }.sorted())
        }
    }
}
