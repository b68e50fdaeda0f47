import Foundation
import TokenLedgerImporters
import TokenLedgerLedger

/// The team ledger as the import pipeline's sink: `import`, `sync` and every importer write to
/// PostgreSQL as they write to SQLite. Each batch is one transaction (`TeamLedger.store`): records,
/// quarantined lines and checkpoints of this machine commit together, so a kill mid-import — or a
/// server restarted mid-import — leaves the ledger consistent and the next run continues from the
/// last committed checkpoint.
///
/// Batches are written on writer threads while the pipeline reads, parses and prices the next, two
/// in flight, one a connection, in a chain (`BatchChain`): batch N+1 is copied while batch N updates
/// its tiers and commits, each committing only if the one before it did. A batch sharing a dedup key
/// with the batch before it waits for that batch to finish before copying (an import's batches can:
/// a streamed response's final line may come a batch after its first). The writers build the
/// batches' COPY rows and key-hash sets, so the pipeline's thread only hands batches over; it and the
/// writers never use a connection at the same time: `checkpoints` is read before the first batch.
package final class TeamImportSink: TierSummingSink, LargeBatchSink, @unchecked Sendable {
    // `@unchecked`: `chain` is used only by the pipeline's thread (the protocol's contract).
    private let team: TeamLedger
    private let chain: BatchChain

    init(team: TeamLedger) {
        self.team = team
        chain = BatchChain(team: team)
    }

    public func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        try team.checkpoints(forPaths: paths)
    }

    public var batchesInFlight: Int { 2 }

    /// 8,192 records a batch unless the import's options say otherwise: each batch is a server
    /// transaction with a dozen statements besides its COPY. Against 4,096, the server's CPU for an
    /// import of 300,000 chat lines fell by about 0.2 s (`tokenledger-bench team-import`, alternating
    /// runs, docs/performance.md).
    ///
    /// Memory notes: about three batches are alive at once (two stored, one read), each record some
    /// 0.9 KB of them: peak RSS of `tokenledger import --db postgres://…` of those lines was 67 MB
    /// with 4,096, 89 MB with 8,192 (88 MB since names are ids, migration v15) and 135 MB with 16,384
    /// records a batch, which saved no CPU over 8,192.
    package var preferredBatchSize: Int { 8_192 }

    public func submit(_ batch: ImportBatch) throws -> InsertCounts? {
        let team = self.team
        return try chain.submit({ link throws(TeamLedgerError) -> InsertCounts in
            let hashes = batch.records.dedupHashes
            let keys = Set(hashes)
            let (order, ticket) = link.follow(sharing: keys)
            return try team.store(batch, distinctKeys: keys.count == hashes.count, now: Date(), on: link.connection, order: order, ticket: ticket)
        }, alone: { () throws(TeamLedgerError) -> InsertCounts in
            try team.store(batch, now: Date(), on: team.connection, order: .first(holdsLock: nil))
        })
    }

    public func finish() throws -> InsertCounts? {
        try chain.finish()
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
