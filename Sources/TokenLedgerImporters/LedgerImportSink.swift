import GRDB
import TokenLedgerLedger

/// The SQLite ledger as an import sink: batches go to a `BatchCommitter`, which writes them on its
/// background thread, several batches per transaction (each batch whole, with its checkpoints).
final class LedgerImportSink: TierSummingSink {
    private let ledger: Ledger
    private let committer: BatchCommitter

    init(ledger: Ledger) {
        self.ledger = ledger
        committer = BatchCommitter(ledger: ledger)
    }

    func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        try ledger.checkpoints(forPaths: paths)
    }

    var batchesInFlight: Int { committer.batchesInFlight }

    func submit(_ batch: ImportBatch) throws -> InsertCounts? {
        try committer.submit(rows: batch.rows) { db in try Ledger.store(batch, in: db) }
    }

    /// Ends the import and leaves every write merged into the ledger file (no `-wal` left behind, even
    /// where the process exits before the ledger is closed).
    func finish() throws -> InsertCounts? {
        let counts = try committer.finish()
        ledger.mergeWriteAheadLog()
        return counts
    }
}
