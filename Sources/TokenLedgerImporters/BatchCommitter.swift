import Foundation
import GRDB
import TokenLedgerLedger

/// Writes import batches on a background thread while the pipeline reads, parses and prices the next
/// one, so on a machine with two or more cores parsing and SQLite's insert overlap.
///
/// Consecutive batches share one IMMEDIATE transaction until it holds `rowsPerTransaction` rows (or the
/// import ends), on a write connection with a `cacheMiB` page cache (32 MiB: the same speed as 64 MiB
/// on a million chat records, 35 MB less peak RSS). With random dedup keys (real OpenAI and Anthropic
/// ids), every batch touches pages all over the dedup index; committing each 4,096-record batch wrote
/// most of that index to the WAL again each time, and SQLite's default 2 MiB cache spilled it
/// mid-transaction anyway (≈ 5 s for 300k records, half of it in the kernel). One transaction per
/// 65,536 rows with a cache that holds its pages writes each page once per commit.
/// A transaction still always contains whole batches with their file checkpoints, so a crash leaves
/// the ledger consistent. While one is open, another process's writer waits (busy timeout) at most
/// about as long as it takes to read that many records.
///
/// At most one batch is in flight: `submit` first waits for the previous one. Each batch's counts, or
/// the error that stopped the writer, come back on the caller's thread from the next `submit` or from
/// `finish`, which also commits. The work closures own what they touch (value copies of the batch, the
/// `Sendable` ledger); nothing is shared with the reading thread.
final class BatchCommitter: @unchecked Sendable {
    // `@unchecked`: the mailbox (`nextWork`, `nextRows`, `ending`) and the outcome (`finishedCounts`,
    // `finishedError`) are handed between the two threads only through the `ready` and `idle`
    // semaphores, which order every write before the other side's read.
    typealias Work = @Sendable (Database) throws -> InsertCounts

    private let ledger: Ledger
    private let rowsPerTransaction: Int
    private let cacheMiB: Int
    private let ready = DispatchSemaphore(value: 0)  // a job is in the mailbox
    private let idle = DispatchSemaphore(value: 0)   // the job is done; its outcome is set
    // The mailbox: the next batch and its size, or `ending` set to commit and stop.
    private var nextWork: Work?
    private var nextRows = 0
    private var ending = false
    // The outcome of the last job.
    private var finishedCounts: InsertCounts?
    private var finishedError: (any Error)?
    // The caller's thread only:
    private var running = false
    private var inFlight = false

    init(ledger: Ledger, rowsPerTransaction: Int = 65_536, cacheMiB: Int = 32) {
        self.ledger = ledger
        self.rowsPerTransaction = rowsPerTransaction
        self.cacheMiB = cacheMiB
    }

    /// Waits for the batch in flight (if any), then starts writing `work` (a batch of `rows` records)
    /// in the background. Returns the finished batch's counts (nil when none was in flight); throws
    /// the writer's error instead, without starting `work`.
    func submit(rows: Int, _ work: @escaping Work) throws -> InsertCounts? {
        let finished = try collect()
        if !running {
            running = true
            let thread = Thread { [self] in serve() }
            thread.name = "tokenledger import writer"
            thread.start()
        }
        nextWork = work
        nextRows = rows
        inFlight = true
        ready.signal()
        return finished
    }

    /// Waits for the batch in flight, commits the open transaction and stops the writer thread.
    /// Returns the last batch's counts (nil when none was in flight), or throws the writer's error.
    func finish() throws -> InsertCounts? {
        let finished = try collect()
        if running {
            running = false
            ending = true
            ready.signal()
            idle.wait()
            ending = false  // a later submit starts a new writer thread
            finishedCounts = nil
            if let error = finishedError {
                finishedError = nil
                throw error
            }
        }
        return finished
    }

    private func collect() throws -> InsertCounts? {
        guard inFlight else { return nil }
        idle.wait()
        inFlight = false
        let counts = finishedCounts
        finishedCounts = nil
        if let error = finishedError {
            finishedError = nil
            running = false  // the writer thread has ended
            throw error
        }
        return counts
    }

    /// The writer thread: one long write access, batches grouped into transactions. Signals `idle`
    /// once per batch; after `.end` or an error, leaves the access (rolling back anything
    /// uncommitted) and signals once more with the outcome.
    private func serve() {
        #if os(Linux)
        // Named for profilers and `tokenledger-bench import`, which reports this thread's CPU time
        // (Foundation's `Thread.name` does not reach the kernel on Linux, and `pthread_setname_np`
        // is not visible to Swift there).
        try? "import-writer".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        #endif
        let result = Result<Void, any Error> {
            try ledger.bulkWrite(cacheMiB: cacheMiB) { db in
                defer { if db.isInsideTransaction { try? db.rollback() } }
                var rowsSinceCommit = 0
                while true {
                    ready.wait()
                    if ending || nextWork == nil {
                        if db.isInsideTransaction { try db.commit() }
                        return
                    }
                    if !db.isInsideTransaction { try db.beginTransaction(.immediate) }
                    let counts = try nextWork!(db)
                    // Drop this thread's hold on the batch before signalling: the caller keeps the
                    // last reference and frees the batch's records on its own thread.
                    nextWork = nil
                    rowsSinceCommit += nextRows
                    if rowsSinceCommit >= rowsPerTransaction {
                        try db.commit()
                        rowsSinceCommit = 0
                    }
                    finishedCounts = counts
                    idle.signal()
                }
            }
        }
        if case .failure(let error) = result { finishedError = error }
        idle.signal()
    }
}
