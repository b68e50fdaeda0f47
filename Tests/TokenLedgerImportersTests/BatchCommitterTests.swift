import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

@Suite("The background writer: batches grouped into transactions, errors returned, nothing hangs")
struct BatchCommitterTests {
    struct Boom: Error {}

    func batch(_ keys: [String]) -> PricedBatch {
        let entries = keys.map { key in
            LedgerEntry(record: UsageRecord(timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "openai",
                                            model: "no-such-model", tokens: TokenCounts(input: 1, output: 1), source: "openai-chat"),
                        dedupKey: key)
        }
        return PricedBatch(entries, pricing: PriceBook())
    }

    @Test("each batch's counts come back from the next call; finish commits the open transaction")
    func countsAndCommit() throws {
        let ledger = try Ledger.inMemory()
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 1_000)
        let one = batch(["a", "b"]), two = batch(["b", "c", "d"])
        #expect(try committer.submit(rows: 2) { db in try Ledger.insert(one, in: db) } == nil)
        let first = try committer.submit(rows: 3) { db in try Ledger.insert(two, in: db) }
        #expect(first?.inserted == 2)
        let second = try committer.finish()
        #expect(second?.inserted == 2 && second?.duplicates == 1)
        #expect(try ledger.recordCount() == 4)
        #expect(try committer.finish() == nil)
        // Usable again after finishing: a new writer thread takes the next batch.
        let three = batch(["e"])
        _ = try committer.submit(rows: 1) { db in try Ledger.insert(three, in: db) }
        #expect(try committer.finish()?.inserted == 1)
        #expect(try ledger.recordCount() == 5)
    }

    @Test("a failing batch: its error comes back, its writes roll back, committed batches stay")
    func errorStopsTheWriter() throws {
        let ledger = try Ledger.inMemory()
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 1)  // commit after every batch
        let one = batch(["a"]), two = batch(["b"])
        _ = try committer.submit(rows: 1) { db in try Ledger.insert(one, in: db) }
        _ = try committer.submit(rows: 1) { db in
            _ = try Ledger.insert(two, in: db)
            throw Boom()
        }
        #expect(throws: Boom.self) { try committer.submit(rows: 1) { _ in InsertCounts() } }
        #expect(try committer.finish() == nil)
        #expect(try ledger.storedRecords().map(\.entry.dedupKey) == ["a"])
    }
}
