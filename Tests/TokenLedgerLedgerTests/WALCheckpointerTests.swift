import Foundation
import GRDB
import Testing
@testable import TokenLedgerLedger

@Suite("Checkpoints during a bulk write: merged on a thread of their own, not in the writer's commits")
struct WALCheckpointerTests {
    /// Bytes of the file at `path` (0 when it is missing).
    func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("the writer's commits run no checkpoint; the checkpointer merges a 1,200-page commit while the writer waits; afterwards commits checkpoint again")
    func mergedInTheBackground() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).sqlite")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) } }
        let ledger = try Ledger.open(at: url)
        let pages = 1_200  // more than SQLite's 1,000-page checkpoint threshold
        let before = size(url.path)
        let merged = try ledger.bulkWrite(cacheMiB: 8) { db -> Bool in
            // Commits on the writer's connection run no checkpoint of their own…
            #expect(try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") == 0)
            try db.execute(sql: "CREATE TABLE filler (page BLOB)")
            try db.inTransaction {
                for _ in 0..<pages { try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(8000))") }
                return .commit
            }
            // …and the ledger file grows only when a checkpoint copies the log into it: here, with this
            // thread inside the bulk write, only the checkpointer can.
            for _ in 0..<500 where size(url.path) < before + pages * Ledger.pageSize {
                Thread.sleep(forTimeInterval: 0.01)
            }
            return size(url.path) >= before + pages * Ledger.pageSize
        }
        #expect(merged)
        #expect(try ledger.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == 1_000)
        #expect(try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") } == pages)
    }

    @Test("six commits of 1,200 pages in a row: the log starts again every other transaction, so it never holds more than two")
    func logStaysBounded() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).sqlite")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) } }
        let ledger = try Ledger.open(at: url)
        let pages = 1_200
        var largest = 0
        try ledger.bulkWrite(cacheMiB: 8) { db in
            try db.execute(sql: "CREATE TABLE filler (page BLOB)")
            for _ in 0..<6 {
                // Each transaction begins right after the previous commit, while a checkpoint in the
                // background may still be copying it: then it appends to the log.
                try db.inTransaction {
                    for _ in 0..<pages { try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(8000))") }
                    return .commit
                }
                largest = max(largest, size(url.path + "-wal"))
            }
        }
        // Two transactions of 1,200 pages (and their frame headers) at most; six would be 58 MB.
        #expect(largest > 0 && largest < 3 * pages * (Ledger.pageSize + 24))
        ledger.mergeWriteAheadLog()
        #expect(size(url.path + "-wal") == 0)
        #expect(try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") } == 6 * pages)
    }

    @Test("an in-memory ledger has no log: a bulk write commits as before")
    func inMemory() throws {
        let ledger = try Ledger.inMemory()
        try ledger.bulkWrite(cacheMiB: 8) { db in
            try db.inTransaction {
                try db.execute(sql: "CREATE TABLE filler (page BLOB)")
                try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(10))")
                return .commit
            }
        }
        #expect(try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") } == 1)
    }
}
