import Dispatch
import Foundation
import TokenLedgerImporters
import TokenLedgerLedger

/// The team ledger as the import pipeline's sink: `import`, `sync` and every importer write to
/// PostgreSQL as they write to SQLite. Each batch is one transaction (`TeamLedger.store`): records,
/// quarantined lines and checkpoints of this machine commit together, so a kill mid-import — or a
/// server restarted mid-import — leaves the ledger consistent and the next run continues from the
/// last committed checkpoint.
///
/// Batches are written on writer threads while the pipeline reads, parses and prices the next. Two
/// can be stored at once, on two connections, so the server works on both cores: a batch submitted
/// while one batch (written first, under the write lock) is being stored is copied on the second
/// connection at the same time, and commits only after the first committed (`TeamLedger.BatchOrder`);
/// the batch after that waits for both. A batch sharing a dedup key with the one being stored waits
/// for it to finish before copying (beside it, each could reach the key after the other and wait on
/// it: a deadlock, which PostgreSQL ends by failing one). The writers build the batches' COPY rows and
/// key-hash sets, so the pipeline's thread only hands batches over. The pipeline's thread and the writers
/// never use a connection at the same time: `checkpoints` is read before the first batch, and a
/// connection gets a new batch only once its last one is done.
package final class TeamImportSink: ImportSink, @unchecked Sendable {
    // `@unchecked`: `writing` is touched only by the pipeline's thread (the protocol's contract); each
    // connection only by one thread at a time, as said above.
    private let team: TeamLedger
    private var writing: [Pending] = []

    init(team: TeamLedger) {
        self.team = team
    }

    public func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        try team.checkpoints(forPaths: paths)
    }

    public var batchesInFlight: Int { 2 }

    public func submit(_ batch: ImportBatch) throws -> InsertCounts? {
        let team = self.team
        if writing.count == 1, let first = writing.first {
            let connection = try team.secondConnection()
            let pending = Pending(batch)
            Thread.detachNewThread {
                let hashes = batch.records.dedupHashes
                let distinct = Set(hashes).count == hashes.count
                // Beside the first batch only once it holds the lock, and only when no key is shared
                // (no dedup hash: two keys sharing one, about never, wait as if they were one).
                first.locked.wait()
                if hashes.contains(where: first.keys.contains) { first.done.wait() }
                pending.result = Result { () throws(TeamLedgerError) -> InsertCounts in
                    try team.store(batch, distinctKeys: distinct, now: Date(), on: connection, order: .next(previousCommitted: { () throws(TeamLedgerError) in
                        first.done.wait()
                        _ = try first.result!.get()
                    }))
                }
                pending.done.leave()
            }
            writing.append(pending)
            return nil
        }
        let finished = try finish()
        let pending = Pending(batch)
        Thread.detachNewThread {
            pending.keys = Set(batch.records.dedupHashes)
            let distinct = pending.keys.count == batch.records.count
            pending.result = Result { () throws(TeamLedgerError) -> InsertCounts in
                try team.store(batch, distinctKeys: distinct, now: Date(), on: team.connection, order: .first(holdsLock: { pending.locked.signal() }))
            }
            pending.locked.signal() // (again, harmlessly, unless it failed before taking the lock)
            pending.done.leave()
        }
        writing = [pending]
        return finished
    }

    public func finish() throws -> InsertCounts? {
        guard !writing.isEmpty else { return nil }
        let batches = writing
        writing = []
        var counts: InsertCounts?
        let team = self.team
        for pending in batches { pending.done.wait() }
        // In order: a batch that met another machine's writes (and the one after it, which then rolled
        // back too) is stored again, alone.
        for pending in batches {
            let finished = try TeamLedger.resolvingConflicts(pending.result!) { () throws(TeamLedgerError) in
                try team.store(pending.batch, now: Date(), on: team.connection, order: .first(holdsLock: nil))
            }
            counts = (counts ?? InsertCounts()) + finished
        }
        return counts
    }
}

/// One batch being written, and its counts or error once it is done: `locked` is signalled once a
/// first batch holds the write lock (or failed), `done` left once it committed or rolled back.
private final class Pending: @unchecked Sendable {
    // `@unchecked`: `keys` is written by a first batch's writer before it signals `locked` and read by
    // the next batch's writer after waiting on it; `result` is written once before `done` is left and
    // read only after waiting on `done`.
    var result: Result<InsertCounts, TeamLedgerError>?
    let locked = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    /// The dedup-key hashes of a first batch (a batch stored beside it must share none).
    var keys: Set<Int64> = []
    /// The batch, kept to store it again alone after a write conflict.
    let batch: ImportBatch

    init(_ batch: ImportBatch) {
        self.batch = batch
        done.enter()
    }
}

extension TeamLedger {
    /// Runs `body` — synchronous import work (an `ImportPipeline`, a `SyncRunner`) writing to the sink
    /// it is given — on the calling thread, with each batch stored on the sink's writer thread while
    /// the next is read. Returns what `body` returns, or throws its error.
    public func importing<T>(_ body: (any ImportSink) throws -> T) throws -> T {
        let sink = TeamImportSink(team: self)
        do {
            return try body(sink)
        } catch {
            _ = try? sink.finish() // never leave a write running on the connection
            throw error
        }
    }
}
