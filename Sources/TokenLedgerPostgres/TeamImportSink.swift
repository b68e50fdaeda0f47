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
/// are kept in flight, one a connection, in a chain, so the server works on both cores: batch N+1 is
/// copied while batch N updates its tiers and commits, and batch N+2 starts on N's connection as soon
/// as N is done. The order holds on the server: each batch holds a lock of its own (its ticket) while
/// open and takes the write lock — in its rollup trigger or before its quarantine and checkpoints —
/// only after the batch before it ended (migration v9); it commits only if that batch committed, else
/// it rolls back (`TeamLedger.BatchOrder.next`). A batch sharing a dedup key with the batch before it
/// waits for that batch to finish before copying (beside it, each could reach a key after the other
/// and wait on it: a deadlock, which PostgreSQL ends by failing one). The writers build the batches'
/// COPY rows and key-hash sets, so the pipeline's thread only hands batches over. The pipeline's thread
/// and the writers never use a connection at the same time: `checkpoints` is read before the first
/// batch, and a connection gets a new batch only once its last one is done.
package final class TeamImportSink: ImportSink, @unchecked Sendable {
    // `@unchecked`: `writing` and `tickets` are touched only by the pipeline's thread (the protocol's
    // contract); each connection only by one thread at a time, as said above.
    private let team: TeamLedger
    /// The batches in flight, oldest first (at most two).
    private var writing: [Pending] = []
    /// The next batch's ticket (an advisory lock key): a random start, so that two machines' chains
    /// are about never given the same keys (which would only make one wait for the other).
    private var tickets = Int64.random(in: 1...(Int64.max / 2))

    init(team: TeamLedger) {
        self.team = team
    }

    public func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        try team.checkpoints(forPaths: paths)
    }

    public var batchesInFlight: Int { 2 }

    public func submit(_ batch: ImportBatch) throws -> InsertCounts? {
        var finished: InsertCounts?
        if writing.count == 2 {
            // The oldest batch's connection is the one the new batch goes to.
            let oldest = writing[0]
            oldest.done.wait()
            if case .success(let counts) = oldest.result! {
                writing.removeFirst()
                finished = counts
            } else {
                finished = try finish() // the chain broke: what is left is stored again, in order, alone
            }
        }
        let team = self.team
        let previous = writing.last
        let connection = try previous?.connection === team.connection ? team.secondConnection() : team.connection
        let pending = Pending(batch, on: connection, ticket: tickets)
        tickets &+= 1
        Thread.detachNewThread {
            let hashes = batch.records.dedupHashes
            pending.keys = Set(hashes)
            let distinct = pending.keys.count == hashes.count
            var order = TeamLedger.BatchOrder.next(previousCommitted: {})
            if let previous {
                // The batch before holds its ticket before this one starts, so it can be waited for;
                // and it is waited for whole when it shares a key with this one (no dedup hash: two
                // keys sharing one, about never, wait as if they were one).
                previous.ticketed.wait()
                if hashes.contains(where: previous.keys.contains) { previous.done.wait() }
                order = .next(previousCommitted: { () throws(TeamLedgerError) in
                    previous.done.wait()
                    _ = try previous.result!.get()
                })
            }
            let ticket = TeamLedger.BatchTicket(own: pending.ticket, after: previous?.ticket) { pending.ticketed.signal() }
            pending.result = Result { () throws(TeamLedgerError) -> InsertCounts in
                try team.store(batch, distinctKeys: distinct, now: Date(), on: connection, order: order, ticket: ticket)
            }
            pending.ticketed.signal() // (again, harmlessly, unless it failed before taking its ticket)
            pending.done.leave()
        }
        writing.append(pending)
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

/// One batch being written, and its counts or error once it is done: `ticketed` is signalled once it
/// holds its ticket (or failed), `done` left once it committed or rolled back.
private final class Pending: @unchecked Sendable {
    // `@unchecked`: `keys` is written by the batch's writer before it signals `ticketed` and read by
    // the next batch's writer after waiting on it; `result` is written once before `done` is left and
    // read only after waiting on `done`.
    var result: Result<InsertCounts, TeamLedgerError>?
    let ticketed = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    /// The dedup-key hashes of the batch (the batch after it must share none to be copied beside it).
    var keys: Set<Int64> = []
    /// The batch, kept to store it again alone after a write conflict.
    let batch: ImportBatch
    /// The connection it is stored on.
    let connection: PostgresConnection
    /// Its ticket: the advisory lock key it holds while open.
    let ticket: Int64

    init(_ batch: ImportBatch, on connection: PostgresConnection, ticket: Int64) {
        self.batch = batch
        self.connection = connection
        self.ticket = ticket
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
