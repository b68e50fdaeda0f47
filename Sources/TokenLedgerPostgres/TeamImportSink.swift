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
/// One batch is written on a writer thread while the pipeline reads, parses and prices the next
/// (`batchesInFlight` 1); the writer calls the synchronous connection directly. The pipeline's
/// thread and the writer never use the connection at the same time: `checkpoints` is read before the
/// first batch, and each `submit` waits for the previous write before starting the next.
package final class TeamImportSink: ImportSink, @unchecked Sendable {
    // `@unchecked`: `writing` is touched only by the pipeline's thread (the protocol's contract);
    // the team ledger's connection only by one thread at a time, as said above.
    private let team: TeamLedger
    private let writer = DispatchQueue(label: "tokenledger team import writer")
    private var writing: Pending?

    init(team: TeamLedger) {
        self.team = team
    }

    public func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        try team.checkpoints(forPaths: paths)
    }

    public var batchesInFlight: Int { 1 }

    public func submit(_ batch: ImportBatch) throws -> InsertCounts? {
        let finished = try finish()
        let pending = Pending()
        let team = self.team
        writer.async {
            pending.result = Result { () throws(TeamLedgerError) -> InsertCounts in try team.store(batch) }
            pending.done.signal()
        }
        writing = pending
        return finished
    }

    public func finish() throws -> InsertCounts? {
        guard let pending = writing else { return nil }
        writing = nil
        pending.done.wait()
        return try pending.result?.get()
    }
}

/// One batch being written, and its counts or error once it is done.
private final class Pending: @unchecked Sendable {
    // `@unchecked`: `result` is written once by the writer before `done` is signalled, and read only
    // after waiting on `done`.
    var result: Result<InsertCounts, TeamLedgerError>?
    let done = DispatchSemaphore(value: 0)
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
