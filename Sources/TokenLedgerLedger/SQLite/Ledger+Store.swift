import Foundation
import GRDB

/// The SQLite engine of `LedgerStore`: the `Ledger` type, whose SQL lives in this folder and beside it
/// in `Sources/TokenLedgerLedger` (schema, insert, checkpoints, quarantine, alerts, reprice).
extension Ledger: LedgerStore {
    /// Stores one batch in one transaction: records, quarantined lines, checkpoints. (An import writes
    /// through `LedgerImportSink`, several batches per transaction, with `store(_:now:in:)`.)
    public func store(_ batch: ImportBatch, now: Date) throws -> InsertCounts {
        try write { db in try Ledger.store(batch, now: now, in: db) }
    }

    /// Writes one batch inside the caller's transaction.
    package static func store(_ batch: ImportBatch, now: Date = Date(), in db: Database) throws -> InsertCounts {
        let counts = try Ledger.insert(batch.records, in: db)
        try Ledger.quarantine(batch.quarantine, now: now, in: db)
        for checkpoint in batch.checkpoints { try Ledger.saveCheckpoint(checkpoint, now: now, in: db) }
        return counts
    }
}
