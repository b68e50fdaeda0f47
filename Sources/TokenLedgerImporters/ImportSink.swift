import TokenLedgerLedger

/// Where the import pipeline writes what it read: the SQLite ledger (`LedgerImportSink`, the
/// default) or a team ledger on a server. The pipeline reads, parses and prices; a sink only stores,
/// so every importer works unchanged on every engine.
///
/// A sink must store each `ImportBatch` atomically (its records, quarantined lines and file
/// checkpoints all or none), apply batches in the order submitted, and keep the ledger's
/// exactly-once rule: a record whose dedup key is stored adds nothing unless its supersede rank is
/// strictly higher. Its methods are called from one thread, the pipeline's, which they may block.
public protocol ImportSink: AnyObject {
    /// The saved checkpoints of `paths` (absent paths left out), read before any batch is submitted.
    func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint]

    /// How many submitted batches may still be unwritten when `submit` returns (the pipeline keeps
    /// that many alive, so their records are freed on its own thread).
    var batchesInFlight: Int { get }

    /// Queues (or writes) one batch. Returns the summed counts of the batches finished since the last
    /// call, nil when none; throws the error that stopped an earlier batch instead.
    func submit(_ batch: ImportBatch) throws -> InsertCounts?

    /// Waits until every submitted batch is stored. Returns the counts not returned yet (nil when
    /// none), or throws the error of a batch that failed. After an error, stops without writing more.
    func finish() throws -> InsertCounts?
}

/// A sink whose writer adds whole batches of new rows to the report tiers from sums the pipeline's
/// reading thread makes (`PricedBatch.tierSums`), so the writer — or the server — need not sum the
/// rows again: the SQLite ledger's writer thread, which sets an import's pace, and the team ledger's
/// straight COPY, where the server's rollup trigger grouping each batch was a tenth of its work.
package protocol TierSummingSink: ImportSink {}

/// A sink whose batches are better larger than `ImportOptions`' default, used when the options leave
/// the batch size at its default: the team ledger, where each batch is a server transaction with a
/// dozen statements of its own and one COPY.
package protocol LargeBatchSink: ImportSink {
    /// Records per batch when the import's options leave `batchSize` at its default.
    var preferredBatchSize: Int { get }
}
