import Dispatch
import Foundation
import TokenLedgerImporters
import TokenLedgerLedger

/// The team ledger as the import pipeline's sink: `import`, `sync` and every importer write to
/// PostgreSQL as they write to SQLite. Each batch is one transaction (`TeamLedger.store`): records,
/// quarantined lines and checkpoints of this machine commit together, so a kill mid-import leaves the
/// ledger consistent and the next run continues from the last committed checkpoint.
///
/// One batch is written while the pipeline reads, parses and prices the next (`batchesInFlight` 1).
/// The pipeline is synchronous and this sink blocks its thread while waiting for PostgresNIO, so it
/// must run on a thread of its own, never on Swift concurrency's pool: use `TeamLedger.importing`.
public final class TeamImportSink: ImportSink, @unchecked Sendable {
    // `@unchecked`: `writing` is touched only by the pipeline's thread (the protocol's contract).
    private let team: TeamLedger
    private var writing: Pending<InsertCounts>?

    init(team: TeamLedger) {
        self.team = team
    }

    public func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        let team = self.team
        return try Pending { try await team.checkpoints(forPaths: paths) }.wait()
    }

    public var batchesInFlight: Int { 1 }

    public func submit(_ batch: ImportBatch) throws -> InsertCounts? {
        let finished = try finish()
        let team = self.team
        writing = Pending { try await team.store(batch) }
        return finished
    }

    public func finish() throws -> InsertCounts? {
        guard let pending = writing else { return nil }
        writing = nil
        return try pending.wait()
    }
}

/// An async call started from a synchronous thread, and its result once it is done.
private final class Pending<Value: Sendable>: @unchecked Sendable {
    // `@unchecked`: `result` is written once by the task before `done` is signalled, and read only
    // after waiting on `done`.
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () async throws -> Value) {
        Task {
            do { self.result = .success(try await body()) } catch { self.result = .failure(error) }
            self.done.signal()
        }
    }

    /// Blocks the calling thread until the call is done; returns its value or throws its error.
    func wait() throws -> Value {
        done.wait()
        guard let result else { throw TeamLedgerError.localLedger(reason: "an import write ended without a result.") }
        return try result.get()
    }
}

extension TeamLedger {
    /// Runs `body` — synchronous import work (an `ImportPipeline`, a `SyncRunner`) writing to the sink
    /// it is given — on a thread of its own, so the sink can wait for PostgreSQL without holding one
    /// of Swift concurrency's few threads. Returns what `body` returns, or throws its error.
    public func importing<T: Sendable>(_ body: @escaping (any ImportSink) throws -> T) async throws -> T {
        let work = ThreadWork(body: body, sink: TeamImportSink(team: self))
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work.body(work.sink) })
            }
            thread.name = "tokenledger team import"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// `importing`'s work, handed to its thread. `@unchecked Sendable`: the closure and the sink are used
/// only on that thread while the caller awaits its end.
private struct ThreadWork<T>: @unchecked Sendable {
    let body: (any ImportSink) throws -> T
    let sink: TeamImportSink
}
