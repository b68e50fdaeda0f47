import Foundation
import GRDB
import TokenLedgerLedger

/// Writes import batches on a background thread while the pipeline reads, parses and prices the next
/// one, so on a machine with two or more cores parsing and SQLite's insert overlap.
///
/// Consecutive batches share one IMMEDIATE transaction until it holds `rowsPerTransaction` rows (or the
/// import ends), on a write connection whose page cache each transaction sizes to the ledger it ends
/// with (`Ledger.importCacheKiB`: 8 MiB and 32 bytes a record, at most `cacheMiB`; 32 MiB is the same
/// speed as 64 MiB on a million chat records, 35 MB less peak RSS; a smaller ledger's dedup index
/// needs less, and a cache kept full of pages the import does not read again was the largest part of
/// a Claude Code tree's peak RSS). With random dedup keys (real OpenAI and Anthropic
/// ids), every batch touches pages all over the dedup index; committing each 4,096-record batch wrote
/// most of that index to the WAL again each time, and SQLite's default 2 MiB cache spilled it
/// mid-transaction anyway (≈ 5 s for 300k records, half of it in the kernel). One transaction per
/// 65,536 rows with a cache that holds its pages writes each page once per commit.
/// A transaction still always contains whole batches with their file checkpoints, so a crash leaves
/// the ledger consistent. While one is open, another process's writer waits (busy timeout) at most
/// about as long as it takes to read that many records.
///
/// Up to `batchesInFlight` batches are queued or being written (default 2: the reader can price the
/// next batch while the writer commits, instead of waiting for each batch's transaction to end);
/// `submit` waits only when that many are. The counts of batches finished since the last call, or the
/// error that stopped the writer, come back on the caller's thread from the next `submit` or from
/// `finish`, which also commits. The work closures own what they touch (value copies of the batch,
/// the `Sendable` ledger); nothing is shared with the reading thread.
final class BatchCommitter: @unchecked Sendable {
    // `@unchecked`: the queue and the outcome (`finishedCounts`, `failure`, `writerEnded`) are only
    // touched under `lock`; `jobs` is replaced only while no writer thread runs (before `Thread.start`,
    // which orders it before the thread's reads).
    typealias Work = @Sendable (Database) throws -> InsertCounts

    private enum Job {
        case write(Work, rows: Int)
        case end
    }

    /// How many batches may be queued or being written at once.
    let batchesInFlight: Int
    private let ledger: Ledger
    private let rowsPerTransaction: Int
    private let cacheMiB: Int
    private let lock = NSLock()
    private var jobs = DispatchSemaphore(value: 0)  // one signal per queued job
    private let slots: DispatchSemaphore            // one per batch that may still be submitted
    private let ended = DispatchSemaphore(value: 0) // the writer thread has left its loop
    // Under `lock`:
    private var queue: [Job] = []
    private var finishedCounts: InsertCounts?
    private var failure: (any Error)?
    // The caller's thread only:
    private var running = false

    init(ledger: Ledger, rowsPerTransaction: Int = 65_536, cacheMiB: Int = 32, batchesInFlight: Int = 2) {
        self.ledger = ledger
        self.rowsPerTransaction = rowsPerTransaction
        self.cacheMiB = cacheMiB
        self.batchesInFlight = max(1, batchesInFlight)
        slots = DispatchSemaphore(value: self.batchesInFlight)
    }

    /// Waits until fewer than `batchesInFlight` batches are in flight, then queues `work` (a batch of
    /// `rows` records) for the writer. Returns the summed counts of the batches finished since the
    /// last call (nil when none); throws the writer's error instead, without queueing `work`.
    func submit(rows: Int, _ work: @escaping Work) throws -> InsertCounts? {
        if !running {
            running = true
            jobs = DispatchSemaphore(value: 0)
            // `ended` is signalled only once the thread holds no reference to the committer (and so to the
            // ledger): a process that exits right after `finish` then finds its ledger closed (the WAL merged)
            // instead of racing the thread's release of it.
            let ended = self.ended
            let thread = Thread { [weak self] in
                self?.serve()
                ended.signal()
            }
            thread.name = "tokenledger import writer"
            thread.start()
        }
        slots.wait()
        let (failed, finished): (Bool, InsertCounts?) = lock.withLock {
            if failure != nil { return (true, nil) }
            queue.append(.write(work, rows: rows))
            return (false, takeCounts())
        }
        if failed {
            slots.signal()
            try stop()  // throws the writer's error
            return nil
        }
        jobs.signal()
        return finished
    }

    /// Waits for every batch in flight, commits the open transaction and stops the writer thread.
    /// Returns the summed counts of the batches finished since the last call (nil when none), or
    /// throws the writer's error.
    func finish() throws -> InsertCounts? {
        if running {
            lock.withLock { queue.append(.end) }
            jobs.signal()
        }
        try stop()
        return lock.withLock { takeCounts() }
    }

    /// Waits for the writer thread (if any) to end; throws its error, if it had one.
    private func stop() throws {
        guard running else { return }
        ended.wait()
        running = false
        let error: (any Error)? = lock.withLock {
            queue.removeAll()
            defer { failure = nil }
            return failure
        }
        if let error {
            lock.withLock { finishedCounts = nil }
            throw error
        }
    }

    private func takeCounts() -> InsertCounts? {
        defer { finishedCounts = nil }
        return finishedCounts
    }

    /// The writer thread: one long write access, batches grouped into transactions. After `.end` or
    /// an error, leaves the access (rolling back anything uncommitted), frees the slots of the
    /// batches it will not write, and returns (the thread then signals `ended`).
    private func serve() {
        #if os(Linux)
        // Named for profilers and `tokenledger-bench import`, which reports this thread's CPU time
        // (Foundation's `Thread.name` does not reach the kernel on Linux, and `pthread_setname_np`
        // is not visible to Swift there).
        try? "import-writer".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        #endif
        var writing = false  // a batch was taken from the queue and has not finished
        let result = Result<Void, any Error> {
            try ledger.bulkWrite(cacheMiB: cacheMiB) { db in
                defer { if db.isInsideTransaction { try? db.rollback() } }
                var rowsSinceCommit = 0
                while true {
                    jobs.wait()
                    var job: Job? = lock.withLock { queue.removeFirst() }
                    guard case .write(let work, let rows)? = job else {
                        if db.isInsideTransaction { try db.commit() }
                        return
                    }
                    writing = true
                    if !db.isInsideTransaction {
                        try Ledger.fitImportCache(adding: rowsPerTransaction, maximumMiB: cacheMiB, in: db)
                        try db.beginTransaction(.immediate)
                    }
                    let counts = try work(db)
                    rowsSinceCommit += rows
                    if rowsSinceCommit >= rowsPerTransaction {
                        try db.commit()
                        rowsSinceCommit = 0
                    }
                    // Drop this thread's hold on the batch before freeing its slot: the caller keeps the
                    // last reference and frees the batch's records on its own thread.
                    job = nil
                    lock.withLock {
                        finishedCounts = (finishedCounts ?? InsertCounts()) + counts
                    }
                    writing = false
                    slots.signal()
                }
            }
        }
        if case .failure(let error) = result {
            let dropped: Int = lock.withLock {
                failure = error
                let writes = queue.filter { if case .write = $0 { return true } else { return false } }.count
                queue.removeAll()
                return writes
            }
            for _ in 0..<(dropped + (writing ? 1 : 0)) { slots.signal() }
        }
    }
}
