import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Copies of a key folded within a batch: the same rows and counts as writing each in order")
struct SupersededCopiesTests {
    func entry(_ key: String, rank: Int, model: String = "claude-sonnet-4-5-20250929") -> LedgerEntry {
        LedgerEntry(record: UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "anthropic", model: model,
            tokens: TokenCounts(input: 10, cacheRead: 900, output: rank * 7 + 1), source: "claude-code"),
                    dedupKey: key, location: TokenLedgerCore.SourceLocation(file: "/logs/a.jsonl", line: rank + 1), supersedeRank: rank)
    }

    func rows(_ ledger: Ledger) throws -> [[DatabaseValue]] {
        try ledger.reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, dedup_key, supersede_rank, output_tokens, cost_pusd, unpriced_reason, source_line
                FROM usage_record ORDER BY id
                """).map { Array($0.databaseValues) }
        }
    }

    /// Inserts `stored` one entry per batch, then `batch` once whole (folded) into one ledger and once
    /// one entry per batch (nothing folded) into another; both must end with the same rows, rollup
    /// and counts.
    func expectSameAsInOrder(stored: [LedgerEntry], batch: [LedgerEntry], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
        -> InsertCounts {
        let prices = try PriceBook.bundled()
        let folded = try Ledger.inMemory(), inOrder = try Ledger.inMemory()
        for e in stored {
            try folded.insert([e], pricing: prices)
            try inOrder.insert([e], pricing: prices)
        }
        let whole = try folded.insert(batch, pricing: prices)
        var each = InsertCounts()
        for e in batch { each = each + (try inOrder.insert([e], pricing: prices)) }
        #expect(whole == each, sourceLocation: sourceLocation)
        #expect(try rows(folded) == rows(inOrder), sourceLocation: sourceLocation)
        #expect(try RollupConsistencyTests.rollupSnapshot(folded, fromRecords: false)
            == RollupConsistencyTests.rollupSnapshot(inOrder, fromRecords: false), sourceLocation: sourceLocation)
        #expect(try RollupConsistencyTests.rollupSnapshot(folded, fromRecords: false)
            == RollupConsistencyTests.rollupSnapshot(folded, fromRecords: true), sourceLocation: sourceLocation)
        return whole
    }

    @Test("a placeholder and its final line in one batch: one row written, counted as one imported and one replaced")
    func placeholderAndFinal() throws {
        let batch = [entry("a", rank: 1), entry("b", rank: 0), entry("a", rank: 9)]
        let counts = try expectSameAsInOrder(stored: [], batch: batch)
        #expect(counts.inserted == 2 && counts.replaced == 1 && counts.duplicates == 0)
        let priced = PricedBatch(batch, pricing: try PriceBook.bundled())
        #expect(priced.count == 2 && priced.supersededByKey["a"]?.ascending.map(\.rank) == [1])
    }

    @Test("copies after the highest rank, equal ranks and lower ones are duplicates; an unpriced key is one unpriced record")
    func chains() throws {
        let unknown = "no-such-model"
        let batch = [entry("a", rank: 1, model: unknown), entry("a", rank: 1, model: unknown), entry("a", rank: 5, model: unknown),
                     entry("a", rank: 3, model: unknown), entry("a", rank: 5, model: unknown), entry("a", rank: 8, model: unknown),
                     entry("c", rank: 2)]
        let counts = try expectSameAsInOrder(stored: [], batch: batch)
        #expect(counts.inserted == 2 && counts.replaced == 2 && counts.duplicates == 3)
        // The records a report counts: key a once, though three of its copies were written in order.
        #expect(counts.unpriced == 1 && counts.unpricedCauses.map(\.records) == [1])
    }

    @Test("an unpriced placeholder replaced by its unpriced final line in a later batch is still one unpriced record")
    func unpricedAcrossBatches() throws {
        let prices = try PriceBook.bundled()
        let ledger = try Ledger.inMemory()
        let first = try ledger.insert([entry("a", rank: 1, model: "no-such-model")], pricing: prices)
        let second = try ledger.insert([entry("a", rank: 4, model: "no-such-model")], pricing: prices)
        #expect(first.unpriced == 1 && second.replaced == 1 && second.unpriced == 0)
    }

    @Test("against a stored row: folded copies at or below its rank are duplicates, those above replacements")
    func againstStored() throws {
        let stored = [entry("a", rank: 3), entry("b", rank: 9)]
        let counts = try expectSameAsInOrder(stored: stored, batch: [entry("a", rank: 1), entry("a", rank: 3), entry("a", rank: 4),
                                                                     entry("a", rank: 6), entry("b", rank: 1), entry("b", rank: 9)])
        #expect(counts.inserted == 0 && counts.replaced == 2 && counts.duplicates == 4)
    }

    @Test("a re-read of stored placeholders and final lines adds and replaces nothing")
    func rereadIsDuplicates() throws {
        let lines = [entry("a", rank: 1), entry("a", rank: 9), entry("b", rank: 1), entry("b", rank: 4)]
        let counts = try expectSameAsInOrder(stored: lines, batch: lines)
        #expect(counts.inserted == 0 && counts.replaced == 0 && counts.duplicates == 4)
    }

    @Test("a placeholder whose final line comes in a later batch is replaced then")
    func finalInLaterBatch() throws {
        let prices = try PriceBook.bundled()
        let ledger = try Ledger.inMemory()
        let first = try ledger.insert([entry("a", rank: 1), entry("b", rank: 1)], pricing: prices)
        let second = try ledger.insert([entry("b", rank: 6), entry("a", rank: 4), entry("b", rank: 6)], pricing: prices)
        #expect(first.inserted == 2 && second.replaced == 2 && second.duplicates == 1)
        #expect(try rows(ledger).map { $0[2] } == [4.databaseValue, 6.databaseValue])
    }
}
