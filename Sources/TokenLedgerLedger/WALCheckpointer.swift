import Foundation
import GRDB
import GRDBSQLite

/// Runs every other checkpoint of a bulk write (`Ledger.bulkWrite`) on a thread and connection of its
/// own, so the writer's commit does not wait for it.
///
/// SQLite checkpoints at the commit that leaves 1,000 pages or more in the write-ahead log
/// (`wal_autocheckpoint`): it syncs the log, copies its pages into the ledger file and syncs that, all
/// on the committing thread. On a chat import that was five commits of 75–100 ms each, most of it
/// waiting on the disk, while the reading thread, its two batches queued, waited too (figures in
/// docs/performance.md, "Import"). Here a commit's checkpoint (`wal_checkpoint(PASSIVE)`: the committed
/// pages, never waiting for a lock) runs on this thread while the writer goes on with its next
/// transaction. But SQLite writes the log from its beginning again only when a transaction begins with
/// every page of it merged: a transaction begun while a checkpoint still runs appends to the log. So
/// the next commit after a checkpoint in the background merges on the writer's thread, as SQLite would
/// (after the background one ends), and the transaction after it starts the log again: the log holds
/// at most two transactions, and half of the checkpoints no longer hold the writer up.
///
/// Crash safety is SQLite's, as before: a checkpoint syncs the log before copying any of its pages and
/// the ledger file before the log is reused, whichever connection runs it. Cost: one more connection
/// (opened once per bulk write) and one thread; its copy of the pages takes CPU time as it did on the
/// writer.
final class WALCheckpointer: @unchecked Sendable {
    // `@unchecked`: `requested`, `running` and `stopping` are only touched under `condition`;
    // `backgroundNext` only on the writer's thread (in its commits' WAL hook); the connection only
    // on the checkpointer's thread.
    private let connection: DatabaseQueue
    private let condition = NSCondition()
    private let ended = DispatchSemaphore(value: 0)
    private var requested = false
    private var running = false
    private var stopping = false
    private var backgroundNext = true

    /// SQLite's own threshold (`SQLITE_DEFAULT_WAL_AUTOCHECKPOINT`): a commit that leaves this many
    /// pages or more in the log checkpoints.
    static let pagesPerCheckpoint: Int32 = 1_000

    /// A checkpointer with its own connection to the ledger file at `path` (syncing as the ledger's
    /// own, `synchronous = NORMAL`); nil when the connection cannot be opened (then SQLite's checkpoints
    /// at commit stay as they are).
    init?(path: String) {
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        guard let connection = try? DatabaseQueue(path: path, configuration: config) else { return nil }
        self.connection = connection
    }

    /// Runs `body` on the write connection `db`, its commits' checkpoints taken over as described
    /// above; afterwards waits for a checkpoint in progress (one asked for and not begun is left out:
    /// the caller merges the log), ends the thread and gives the connection back SQLite's checkpoints
    /// at commit. Call once.
    func checkpointing<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard let handle = db.sqliteConnection else { return try body() }
        let previous = try Int32.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? WALCheckpointer.pagesPerCheckpoint
        let thread = Thread { [self] in serve() }
        thread.name = "tokenledger checkpointer"
        thread.start()
        // The WAL hook replaces SQLite's own (`wal_autocheckpoint`'s); it runs after every commit.
        sqlite3_wal_hook(handle, { context, connection, _, pages in
            if pages >= WALCheckpointer.pagesPerCheckpoint, let context, let connection {
                Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(on: connection)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
        defer {
            sqlite3_wal_autocheckpoint(handle, previous)
            stop()
        }
        return try body()
    }

    /// After a commit that left enough pages in the log (on the writer's thread): a checkpoint in the
    /// background, or, after one, one here once that one has ended.
    private func committed(on connection: OpaquePointer) {
        if backgroundNext {
            condition.withLock {
                requested = true
                condition.broadcast()
            }
        } else {
            condition.withLock {
                while requested || running { condition.wait() }
            }
            // Best effort, as SQLite's own checkpoint at commit: a log another reader holds is merged later.
            _ = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
        backgroundNext.toggle()
    }

    private func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        ended.wait()
    }

    private func serve() {
        #if os(Linux)
        // Named for profilers and `tokenledger-bench import`, which counts it with the writer.
        try? "import-ckpt".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        #endif
        condition.lock()
        while true {
            while !requested && !stopping { condition.wait() }
            if stopping { break }
            requested = false
            running = true
            condition.unlock()
            // Best effort, as SQLite's own checkpoint at commit.
            _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            condition.lock()
            running = false
            condition.broadcast()
        }
        condition.unlock()
        ended.signal()
    }
}
