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
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 1_000, batchesInFlight: 1)
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
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 1, batchesInFlight: 1)  // commit after every batch
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

    @Test("with two batches in flight every batch is written once, in order, and the counts add up")
    func twoInFlight() throws {
        let ledger = try Ledger.inMemory()
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 7, batchesInFlight: 2)
        var total = InsertCounts()
        func add(_ counts: InsertCounts?) {
            guard let counts else { return }
            total.inserted += counts.inserted
            total.duplicates += counts.duplicates
        }
        // 40 batches of 3 keys, each repeating one key of the batch before: 81 new keys, 39 duplicates.
        for b in 0..<40 {
            let keys = (b == 0 ? [] : ["k\(b * 2 - 1)"]) + ["k\(b * 2)", "k\(b * 2 + 1)"] + (b == 0 ? ["x"] : [])
            let next = batch(keys)
            add(try committer.submit(rows: next.count) { db in try Ledger.insert(next, in: db) })
        }
        add(try committer.finish())
        #expect(total.inserted == 81 && total.duplicates == 39)
        #expect(try ledger.recordCount() == 81)
        #expect(try ledger.storedRecords().prefix(4).map(\.entry.dedupKey) == ["k0", "k1", "x", "k2"])
    }

    @Test("with two batches in flight a failure still comes back, and the writer can start again")
    func failureWithTwoInFlight() throws {
        let ledger = try Ledger.inMemory()
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 1, batchesInFlight: 2)
        let one = batch(["a"])
        _ = try committer.submit(rows: 1) { db in try Ledger.insert(one, in: db) }
        _ = try committer.submit(rows: 1) { _ in throw Boom() }
        #expect(throws: Boom.self) {
            // The error surfaces from a later submit or, at the latest, from finish.
            for _ in 0..<10 { _ = try committer.submit(rows: 1) { _ in InsertCounts() } }
            _ = try committer.finish()
        }
        #expect(try committer.finish() == nil)
        let two = batch(["b"])
        _ = try committer.submit(rows: 1) { db in try Ledger.insert(two, in: db) }
        _ = try committer.finish()
        #expect(try ledger.storedRecords().map(\.entry.dedupKey) == ["a", "b"])
    }

    /// What the writer's work closures saw (written on the writer thread, read after `finish`).
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int] = []
        func add(_ value: Int) { lock.withLock { values.append(value) } }
        var all: [Int] { lock.withLock { values } }
    }

    @Test("each transaction's page cache fits the ledger it ends with: 8 MiB and 32 bytes a record, at most the maximum")
    func cacheFitsTheLedger() throws {
        #expect(Ledger.importCacheKiB(records: 0, maximumMiB: 32) == 8_192)
        #expect(Ledger.importCacheKiB(records: 300_000, maximumMiB: 32) == 8_192 + 9_375)
        #expect(Ledger.importCacheKiB(records: 1_000_000, maximumMiB: 32) == 32_768)
        #expect(Ledger.importCacheKiB(records: .max, maximumMiB: 32) == 32_768)
        let ledger = try Ledger.inMemory()
        // Each batch claims 40,000 rows, so each is a transaction of its own: the first is sized for
        // 40,000 records, the second for the 64 stored and 40,000 more (32 bytes a record past 8 MiB).
        let committer = BatchCommitter(ledger: ledger, rowsPerTransaction: 40_000, cacheMiB: 64, batchesInFlight: 1)
        let seen = Seen()
        let one = batch((0..<64).map { "k\($0)" }), two = batch(["last"])
        for next in [one, two] {
            _ = try committer.submit(rows: 40_000) { db in
                seen.add(try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0)
                return try Ledger.insert(next, in: db)
            }
        }
        _ = try committer.finish()
        #expect(seen.all == [-9_442, -9_444])
        #expect(try ledger.recordCount() == 65)
        // Afterwards the connection has its own cache size back.
        #expect(try ledger.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -2_000)
    }
}
