import Foundation
import GRDB
import GRDBSQLite
import CSQLiteConfig
import TokenLedgerCore
import TokenLedgerPricing

extension Ledger {
    /// Stores a priced batch (`PricedBatch`) in one transaction. Re-inserting an entry adds nothing.
    @discardableResult
    package func insert(_ batch: PricedBatch) throws -> InsertCounts {
        try writer.write { db in try Ledger.insert(batch, in: db) }
    }

    /// Stores a priced batch inside the caller's transaction, so the import pipeline can commit
    /// records and the file checkpoint together (a crash leaves neither or both).
    ///
    /// Performance notes (profiled on 300k OpenAI chat lines): building GRDB `StatementArguments`
    /// (38 boxed existentials per row) took more than half of the insert time; binding the values with
    /// the SQLite C API on the same cached statements removed that, for about 2× on the whole insert.
    /// Pricing (in the importers) and flattening happen before, in `PricedBatch`, off the database connection.
    ///
    /// The report rollup (migration v2) is not kept by the per-row insert trigger (~4.5 µs a record)
    /// nor by a grouped SQL upsert over the batch (~2 µs a record): each newly inserted row's
    /// contribution is summed in Swift (`RollupAccumulator`, from the same `LedgerSchema.rollupSums`
    /// list as the triggers) and written with one upsert per rollup row at the end of the batch.
    /// Replacements still go through the update trigger.
    ///
    /// Inside `bulkWrite` (an import), trigger execution is already off, so a batch whose keys are all
    /// new switches nothing: each switch expires the connection's prepared statements, and re-preparing
    /// the 16-row insert and the rollup upsert after every batch was ~5 % of the writer thread.
    package static func insert(_ batch: PricedBatch, in db: Database) throws -> InsertCounts {
        var rollup = RollupAccumulator()
        let counts = try insertRows(batch, rollup: &rollup, in: db)
        try rollup.write(to: db)
        return counts
    }

    /// The row loop of `insert`, in two passes. Pass 1 stores every entry whose key is new with a plain
    /// insert that does nothing on conflict, with the connection's triggers switched off (the deferred
    /// rollup insert trigger otherwise still runs its `WHEN` sub-program for every row: ~2.5 µs a
    /// record, a fifth of a whole chat import). Pass 2, with triggers back on so the update trigger
    /// moves replaced rows in the rollup, finds each key whose home slot pass 1 found taken
    /// (`DedupSlot.find`) and replaces its row only when the new rank is strictly higher — or, when a
    /// different key holds the slot (a hash collision), stores it in the next free one. The end state
    /// is that of one in-order pass: per key, the first entry of the highest rank. The copies of a key
    /// the batch folded into its row before writing (`PricedBatch.superseded`) are counted with it,
    /// as that pass would have counted them.
    ///
    /// Pass 1 inserts `rowsPerStatement` rows per statement: SQLite's per-statement work (opening and
    /// closing a cursor on the table and each index, halting the program) was a fifth of a row's cost.
    /// A statement reports only how many of its rows it stored; when that is all of them (a first
    /// import) or none (a re-import), nothing more is needed. Otherwise each row's home slot is read
    /// back: a row was stored by this statement when the slot holds its key under a row id the
    /// statement assigned (new ids are the largest id + 1, in row order) and no earlier row of the
    /// statement claimed that slot. Integer and NULL parameters equal to the row's 16 rows earlier
    /// (`BoundValues`: the source file, the import time, the zero counts) are not bound again.
    ///
    /// The tier sums the reading thread made for the whole batch (`PricedBatch.tierSums`) are taken as
    /// they are while every row is stored; from the first row that is not, the rows stored before it
    /// and every later stored row are summed here instead.
    private static func insertRows(_ batch: PricedBatch, rollup: inout RollupAccumulator, in db: Database) throws -> InsertCounts {
        var counts = InsertCounts()
        var premade = batch.tierSums != nil
        // Row `index` was stored: summed now, unless the premade sums still hold it.
        func rowStored(_ index: Int) throws {
            if !premade { try rollup.add(batch.rows[index]) }
        }
        // Row `index` was not stored (yet): the premade sums no longer hold; the rows before it were all stored.
        func rowNotStored(_ index: Int) throws {
            guard premade else { return }
            premade = false
            for earlier in 0..<index { try rollup.add(batch.rows[earlier]) }
        }
        defer { if premade, let sums = batch.tierSums { rollup = sums } }
        var contested: [(row: StoredUsage, fileID: Int64?, index: Int)] = []
        let folded = !batch.superseded.isEmpty
        var files = LogFileIDs()
        let fresh = try db.cachedStatement(sql: Ledger.insertColumnsSQL + "\nON CONFLICT(dedup_hash) DO NOTHING").sqliteStatement
        let chunk = Ledger.rowsPerStatement
        try batch.rows.withUnsafeBufferPointer { rows in try withTriggers(enabled: false, in: db) {
            // OR IGNORE rather than ON CONFLICT DO NOTHING: a statement of several rows that may abort
            // (a NOT NULL column) keeps a statement journal, which cost more than the rows saved.
            // Every NOT NULL column is always bound; a row this skips for any reason other than its
            // slot is retried alone in pass 2, which reports the error.
            let many = try db.cachedStatement(sql: Ledger.insertSQL(rows: chunk, orIgnore: true)).sqliteStatement
            var largestID = try Int64.fetchOne(db, sql: "SELECT max(id) FROM usage_record") ?? 0
            // Ids near the top of the range are chosen at random by SQLite: then one row per statement.
            let consecutiveIDs = largestID < Int64.max - Int64(rows.count) - 1
            var fileIDs = [Int64?](repeating: nil, count: chunk)
            let bound = BoundValues(parameters: Int(Ledger.columnsPerRow) * chunk)
            var start = 0
            while start < rows.count {
                guard consecutiveIDs, rows.count - start >= chunk else {
                    let fileID = try files.id(for: rows[start].entry.location?.file, in: db)
                    try rows[start].write(with: fresh, slot: rows[start].dedupHash, fileID: fileID, in: db)
                    if db.changesCount == 1 {
                        try rowStored(start)
                        counts.inserted += 1
                        if rows[start].costPicodollars == nil { counts.countUnpriced(rows[start]) }
                        batch.superseded[start]?.count(into: &counts, storedRank: nil)
                    } else {
                        try rowNotStored(start)
                        contested.append((rows[start], fileID, start))
                    }
                    start += 1
                    continue
                }
                for i in 0..<chunk { fileIDs[i] = try files.id(for: rows[start + i].entry.location?.file, in: db) }
                try StoredUsage.write(UnsafeBufferPointer(rebasing: rows[start..<(start + chunk)]), with: many, fileIDs: fileIDs,
                                      bound: bound, in: db)
                let stored = db.changesCount
                var claimed: Set<Int64> = []
                for i in start..<(start + chunk) {
                    let isStored: Bool
                    if stored == chunk {
                        isStored = true
                    } else if stored == 0 {
                        isStored = false
                    } else if let (id, key) = try DedupSlot.occupant(of: rows[i].dedupHash, in: db) {
                        isStored = id > largestID && id <= largestID + Int64(stored) && key == rows[i].entry.dedupKey
                            && claimed.insert(rows[i].dedupHash).inserted
                    } else {
                        isStored = false
                    }
                    if isStored {
                        try rowStored(i)
                        counts.inserted += 1
                        if rows[i].costPicodollars == nil { counts.countUnpriced(rows[i]) }
                        if folded { batch.superseded[i]?.count(into: &counts, storedRank: nil) }
                    } else {
                        try rowNotStored(i)
                        contested.append((rows[i], fileIDs[i - start], i))
                    }
                }
                largestID += Int64(stored)
                start += chunk
            }
        } }
        guard !contested.isEmpty else { return counts }
        // Triggers on, so the update trigger moves replaced rows in the rollup; the insert trigger
        // stays out of it (`deferred`), since new rows are summed in `rollup`.
        try withTriggers(enabled: true, in: db) {
            try db.cachedStatement(sql: "UPDATE report_rollup_control SET deferred = 1").execute()
            do {
                try storeContested(contested, superseded: batch.superseded, fresh: fresh, counts: &counts, rollup: &rollup, in: db)
            } catch {
                try? db.cachedStatement(sql: "UPDATE report_rollup_control SET deferred = 0").execute()
                throw error
            }
            try db.cachedStatement(sql: "UPDATE report_rollup_control SET deferred = 0").execute()
        }
        return counts
    }

    /// Pass 2 of `insertRows`: the rows whose home slot pass 1 found taken.
    private static func storeContested(_ contested: [(row: StoredUsage, fileID: Int64?, index: Int)],
                                       superseded: [Int: SupersededCopies], fresh: OpaquePointer,
                                       counts: inout InsertCounts, rollup: inout RollupAccumulator, in db: Database) throws {

        // Upsert: a same-key row is replaced only by a strictly higher supersede_rank.
        let statement = try db.cachedStatement(sql: Ledger.insertColumnsSQL + """
            ON CONFLICT(dedup_hash) DO UPDATE SET \(Ledger.replacedColumnsSQL)
            WHERE excluded.supersede_rank > usage_record.supersede_rank
            """)
        let insertStatement = statement.sqliteStatement
        for (row, fileID, index) in contested {
            let (slot, previousRank) = try DedupSlot.find(row.entry.dedupKey, hash: row.dedupHash, in: db)
            superseded[index]?.count(into: &counts, storedRank: previousRank)
            if let previousRank, previousRank >= row.entry.supersedeRank {
                counts.duplicates += 1
                continue
            }
            if previousRank == nil {
                // A new key whose home slot another key holds (a hash collision): stored in the free slot.
                try row.write(with: fresh, slot: slot, fileID: fileID, in: db)
                try rollup.add(row)
                counts.inserted += 1
                if row.costPicodollars == nil { counts.countUnpriced(row) }
            } else {
                // A replaced key's record was counted (priced or not) when it was first stored.
                try row.write(with: insertStatement, slot: slot, fileID: fileID, in: db)
                counts.replaced += 1
            }
        }
    }

    /// Runs `body` with trigger execution on or off on this connection, as asked, and then sets it back
    /// as it was. Cost: when that changes the setting, SQLite re-prepares the connection's statements
    /// on their next step (twice per call); nothing when it is already as asked.
    static func withTriggers<T>(enabled: Bool, in db: Database, _ body: () throws -> T) throws -> T {
        guard let connection = db.sqliteConnection else { return try body() }
        let handle = UnsafeMutableRawPointer(connection)
        let wasEnabled = tokenledger_sqlite_triggers_enabled(handle)
        guard wasEnabled >= 0 else { throw SQLiteBinder.error(SQLITE_ERROR, db) }
        if (wasEnabled == 1) == enabled { return try body() }
        let code = tokenledger_sqlite_enable_triggers(handle, enabled ? 1 : 0)
        guard code == SQLITE_OK else { throw SQLiteBinder.error(code, db) }
        defer { _ = tokenledger_sqlite_enable_triggers(handle, wasEnabled) }
        return try body()
    }
}

extension InsertCounts {
    /// Counts a stored row that has no price, by the reason stored with it and its model.
    mutating func countUnpriced(_ row: StoredUsage) {
        countUnpriced(reason: StoredUsage.unpricedReason(row.cost.status, picodollars: row.costPicodollars),
                      model: row.cost.resolvedModel ?? row.entry.record.model, requests: row.entry.record.requestCount)
    }
}
