import Foundation
import GRDB
import TokenLedgerCore

/// A usage record read back from the ledger with what the ledger added: its row id, the cost it was
/// priced at, and how. The read model for tests, `reprice`, and anything that needs whole records.
package struct StoredRecord: Sendable, Hashable {
    /// The `usage_record` row id (insertion order).
    public var id: Int64
    /// The record, its dedup key, its source location and its supersede rank, as stored.
    public var entry: LedgerEntry
    /// The canonical model id the price book resolved, nil when unresolved.
    public var modelID: String?
    /// The computed cost; nil when unpriced (never zero for unknown).
    public var cost: Money?
    /// Why `cost` is nil, in words.
    public var unpricedReason: String?
    /// Start date of the price period used, and the layers that set the prices.
    public var pricePeriod: String?
    public var priceLayers: [String]
    /// When the row was written.
    public var importedAt: Date

    public var record: UsageRecord { entry.record }

    public init(id: Int64, entry: LedgerEntry, modelID: String?, cost: Money?, unpricedReason: String?, pricePeriod: String?,
                priceLayers: [String], importedAt: Date) {
        self.id = id
        self.entry = entry
        self.modelID = modelID
        self.cost = cost
        self.unpricedReason = unpricedReason
        self.pricePeriod = pricePeriod
        self.priceLayers = priceLayers
        self.importedAt = importedAt
    }
}

extension Ledger {
    /// Every stored record in insertion order. Cost: reads the whole table into memory — for tests
    /// and small ledgers; large scans use `storedRecords(afterID:limit:in:)` page by page.
    package func storedRecords() throws -> [StoredRecord] {
        try reader.read { db in try Row.fetchAll(db, sql: "\(StoredRecord.selectSQL) ORDER BY usage_record.id").map(StoredRecord.init(row:)) }
    }

    /// The stored record with this dedup key, if any. Cost: one index lookup (`DedupSlot`).
    package func storedRecord(dedupKey: String) throws -> StoredRecord? {
        try reader.read { db in
            let (slot, rank) = try DedupSlot.find(dedupKey, hash: DedupSlot.hash(dedupKey), in: db)
            guard rank != nil else { return nil }
            return try Row.fetchOne(db, sql: "\(StoredRecord.selectSQL) WHERE dedup_hash = ?", arguments: [slot]).map(StoredRecord.init(row:))
        }
    }

    /// One page of records with `id > afterID`, in id order, inside the caller's transaction.
    package static func storedRecords(afterID: Int64, limit: Int, in db: Database) throws -> [StoredRecord] {
        try Row.fetchAll(db, sql: "\(StoredRecord.selectSQL) WHERE usage_record.id > ? ORDER BY usage_record.id LIMIT ?", arguments: [afterID, limit])
            .map(StoredRecord.init(row:))
    }

    /// One page of the records with `afterID < id <= throughID` written at or after `importedSince`
    /// (Unix milliseconds), in id order, inside the caller's transaction: rows replaced in place since
    /// then (they keep their id and get a new `imported_at`). Cost: SQLite walks the id range without
    /// an `imported_at` index, but only matching rows are read into records (about 0.1 µs a row
    /// skipped, against several µs for each record built).
    package static func storedRecords(afterID: Int64, throughID: Int64, importedSince: Int64, limit: Int, in db: Database) throws -> [StoredRecord] {
        try Row.fetchAll(db, sql: """
            \(StoredRecord.selectSQL) WHERE usage_record.id > ? AND usage_record.id <= ? AND usage_record.imported_at >= ?
            ORDER BY usage_record.id LIMIT ?
            """, arguments: [afterID, throughID, importedSince, limit])
            .map(StoredRecord.init(row:))
    }

    /// The number of stored usage records.
    public func recordCount() throws -> Int {
        try reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") ?? 0 }
    }

    /// Runs `body` in one IMMEDIATE write transaction (GRDB's default for writes): the write lock is
    /// taken up front, so a concurrent writer waits on the busy timeout instead of failing with
    /// "database is locked" halfway. Everything `body` writes commits together or not at all.
    package func write<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.write(body)
    }

    /// Runs `body` on the write connection with no implicit transaction (`body` begins and commits
    /// its own, e.g. one per many batches) and a page cache of `cacheMiB` MiB instead of SQLite's
    /// 2 MiB, and `secure_delete` off, both restored afterwards. The cache holds a long transaction's
    /// dirty pages, which SQLite would otherwise spill to the WAL and write again at commit
    /// (`fitImportCache` sizes it to the ledger for each transaction, at most this). Memory: up to
    /// `cacheMiB` MiB while `body` runs. Other writers in this process wait until `body` returns.
    ///
    /// Trigger execution is off while `body` runs: it is for imports, which write `usage_record` only
    /// through `Ledger.insert(_:in:)`, which keeps the report rollup itself (and switches the
    /// triggers on for the rows that replace others). Switching them per batch expired every
    /// prepared statement each time. Anything else `body` writes to `usage_record` must do the same.
    ///
    /// Every other checkpoint SQLite would run in `body`'s commits runs on a thread and connection of
    /// its own (`WALCheckpointer`), so those commits do not wait on the disk; the log's last pages may
    /// still be unmerged when this returns (`mergeWriteAheadLog` merges them).
    package func bulkWrite<T>(cacheMiB: Int, _ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = \(-cacheMiB * 1024)")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(previous)") }
            // The ledger never deletes rows: zeroing the space B-tree splits free (Debian builds SQLite
            // with SECURE_DELETE on) only costs the writer (~1 % of its instructions).
            let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 1
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(secureDelete)") }
            // Half of the log's checkpoints on a thread of their own while `body` writes on (an in-memory ledger has no log).
            let checkpointer = (writer as? DatabasePool).flatMap { WALCheckpointer(path: $0.path) }
            return try Ledger.withTriggers(enabled: false, in: db) {
                guard let checkpointer else { return try body(db) }
                return try checkpointer.checkpointing(db) { try body(db) }
            }
        }
    }

    /// The page cache (KiB) an import transaction needs when the ledger will hold `records` records at
    /// its end: 8 MiB and 32 bytes a record, at most `maximumMiB`. What pays for itself in the cache is
    /// the dedup index, whose pages a batch of random keys touches all over (about 18 bytes a record
    /// with 8 KiB pages), then the interior pages, the tails the table and its time-ordered indexes grow
    /// at, and the report tiers; past that the cache holds pages the import does not read again. A
    /// flat 16 MiB cost a million chat records' writer 9 % more CPU (its dedup index is 17.5 MB) and
    /// nothing on 300,000; this size reaches 32 MiB at about 790,000 records.
    package static func importCacheKiB(records: Int64, maximumMiB: Int) -> Int {
        let maximum = Int64(max(1, maximumMiB)) << 20
        let wanted = (8 << 20) + 32 * min(max(0, records), maximum)
        return Int(min(wanted, maximum) / 1024)
    }

    /// Sizes the write connection's page cache (`importCacheKiB`) for an import transaction about to
    /// begin that adds up to `adding` records to those stored now (their count is the largest row id:
    /// rows are never deleted). Shrinking frees the pages past the new size. Cost: one index lookup and
    /// one pragma.
    package static func fitImportCache(adding: Int, maximumMiB: Int, in db: Database) throws {
        let largestID = try Int64.fetchOne(db, sql: "SELECT max(id) FROM usage_record") ?? 0
        let records = largestID > Int64.max / 2 ? largestID : largestID + Int64(max(0, adding))
        try db.execute(sql: "PRAGMA cache_size = \(-importCacheKiB(records: records, maximumMiB: maximumMiB))")
    }
}
