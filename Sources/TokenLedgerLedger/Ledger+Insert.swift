import Foundation
import GRDB
import GRDBSQLite
import CSQLiteConfig
import TokenLedgerCore
import TokenLedgerPricing

extension Ledger {
    /// `INSERT INTO usage_record (41 columns) VALUES (41 ?)`, bound by `StoredUsage.bind(to:slot:fileID:)`.
    static let insertColumnsSQL = insertSQL(rows: 1)

    /// The number of `usage_record` columns an insert binds per row.
    static let columnsPerRow: Int32 = 43

    /// Rows per statement in the bulk insert of new keys (`insertRows`, pass 1).
    static let rowsPerStatement = 16

    /// `INSERT INTO usage_record (41 columns) VALUES (41 ?), … ` with `rows` rows of placeholders.
    static func insertSQL(rows: Int, orIgnore: Bool = false) -> String {
        let placeholders = "(" + [String](repeating: "?", count: Int(columnsPerRow)).joined(separator: ",") + ")"
        return """
            INSERT \(orIgnore ? "OR IGNORE " : "")INTO usage_record (
                dedup_key, dedup_hash, supersede_rank, ts, provider, model, model_id, effort, service_tier, is_batch, channel,
                input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
                reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens,
                web_search_calls, images_generated, request_count, is_aggregate,
                cost_pusd, unpriced_reason, price_period, price_layers, reported_cost_pusd,
                source, source_file_id, source_line, project, session_id, request_id, api_key_hash, tags, imported_at,
                audio_seconds, characters, repository, branch
            ) VALUES \([String](repeating: placeholders, count: rows).joined(separator: ", "))
            """
    }

    /// Prices and stores `entries` in one transaction. Re-inserting an entry adds nothing.
    /// Cost: one cached prepared statement per row; price lookups are in memory.
    @discardableResult
    public func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) throws -> InsertCounts {
        let batch = PricedBatch(entries, pricing: pricing, now: now)
        return try writer.write { db in try Ledger.insert(batch, in: db) }
    }

    /// Prices and stores `entries` inside the caller's transaction (see `insert(_:in:)`).
    public static func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date(), in db: Database) throws -> InsertCounts {
        try insert(PricedBatch(entries, pricing: pricing, now: now), in: db)
    }

    /// Stores a priced batch inside the caller's transaction, so the import pipeline can commit
    /// records and the file checkpoint together (a crash leaves neither or both).
    ///
    /// Performance notes (profiled on 300k OpenAI chat lines): building GRDB `StatementArguments`
    /// (38 boxed existentials per row) took more than half of the insert time; binding the values with
    /// the SQLite C API on the same cached statements removed that, for about 2× on the whole insert.
    /// Pricing and flattening happen before, in `PricedBatch`, off the database connection.
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
    public static func insert(_ batch: PricedBatch, in db: Database) throws -> InsertCounts {
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
    /// is that of one in-order pass: per key, the first entry of the highest rank.
    ///
    /// Pass 1 inserts `rowsPerStatement` rows per statement: SQLite's per-statement work (opening and
    /// closing a cursor on the table and each index, halting the program) was a fifth of a row's cost.
    /// A statement reports only how many of its rows it stored; when that is all of them (a first
    /// import) or none (a re-import), nothing more is needed. Otherwise each row's home slot is read
    /// back: a row was stored by this statement when the slot holds its key under a row id the
    /// statement assigned (new ids are the largest id + 1, in row order) and no earlier row of the
    /// statement claimed that slot. Integer and NULL parameters equal to the row's 16 rows earlier
    /// (`BoundValues`: the source file, the import time, the zero counts) are not bound again.
    private static func insertRows(_ batch: PricedBatch, rollup: inout RollupAccumulator, in db: Database) throws -> InsertCounts {
        var counts = InsertCounts()
        var contested: [(row: StoredUsage, fileID: Int64?)] = []
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
                        try rollup.add(rows[start])
                        counts.inserted += 1
                        if rows[start].costPicodollars == nil { counts.countUnpriced(rows[start]) }
                    } else {
                        contested.append((rows[start], fileID))
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
                        try rollup.add(rows[i])
                        counts.inserted += 1
                        if rows[i].costPicodollars == nil { counts.countUnpriced(rows[i]) }
                    } else {
                        contested.append((rows[i], fileIDs[i - start]))
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
                try storeContested(contested, fresh: fresh, counts: &counts, rollup: &rollup, in: db)
            } catch {
                try? db.cachedStatement(sql: "UPDATE report_rollup_control SET deferred = 0").execute()
                throw error
            }
            try db.cachedStatement(sql: "UPDATE report_rollup_control SET deferred = 0").execute()
        }
        return counts
    }

    /// Pass 2 of `insertRows`: the rows whose home slot pass 1 found taken.
    private static func storeContested(_ contested: [(row: StoredUsage, fileID: Int64?)], fresh: OpaquePointer,
                                       counts: inout InsertCounts, rollup: inout RollupAccumulator, in db: Database) throws {

        // Upsert: a same-key row is replaced only by a strictly higher supersede_rank.
        let statement = try db.cachedStatement(sql: Ledger.insertColumnsSQL + """
            ON CONFLICT(dedup_hash) DO UPDATE SET
                supersede_rank = excluded.supersede_rank, ts = excluded.ts, provider = excluded.provider,
                model = excluded.model, model_id = excluded.model_id, effort = excluded.effort,
                service_tier = excluded.service_tier, is_batch = excluded.is_batch, channel = excluded.channel,
                input_tokens = excluded.input_tokens, cache_read_tokens = excluded.cache_read_tokens,
                cache_write_5m_tokens = excluded.cache_write_5m_tokens, cache_write_1h_tokens = excluded.cache_write_1h_tokens,
                output_tokens = excluded.output_tokens, reasoning_tokens = excluded.reasoning_tokens,
                audio_input_tokens = excluded.audio_input_tokens, audio_output_tokens = excluded.audio_output_tokens,
                image_input_tokens = excluded.image_input_tokens, image_output_tokens = excluded.image_output_tokens,
                web_search_calls = excluded.web_search_calls, images_generated = excluded.images_generated,
                request_count = excluded.request_count, is_aggregate = excluded.is_aggregate,
                cost_pusd = excluded.cost_pusd, unpriced_reason = excluded.unpriced_reason,
                price_period = excluded.price_period, price_layers = excluded.price_layers,
                reported_cost_pusd = excluded.reported_cost_pusd, source = excluded.source,
                source_file_id = excluded.source_file_id, source_line = excluded.source_line, project = excluded.project,
                session_id = excluded.session_id, request_id = excluded.request_id,
                api_key_hash = excluded.api_key_hash, tags = excluded.tags, imported_at = excluded.imported_at,
                audio_seconds = excluded.audio_seconds, characters = excluded.characters,
                repository = excluded.repository, branch = excluded.branch
            WHERE excluded.supersede_rank > usage_record.supersede_rank
            """)
        let insertStatement = statement.sqliteStatement
        for (row, fileID) in contested {
            let (slot, previousRank) = try DedupSlot.find(row.entry.dedupKey, hash: row.dedupHash, in: db)
            if let previousRank, previousRank >= row.entry.supersedeRank {
                counts.duplicates += 1
                continue
            }
            if previousRank == nil {
                // A new key whose home slot another key holds (a hash collision): stored in the free slot.
                try row.write(with: fresh, slot: slot, fileID: fileID, in: db)
                try rollup.add(row)
                counts.inserted += 1
            } else {
                try row.write(with: insertStatement, slot: slot, fileID: fileID, in: db)
                counts.replaced += 1
            }
            if row.costPicodollars == nil { counts.countUnpriced(row) }
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

/// Entries priced and flattened to `usage_record` rows, ready for `Ledger.insert(_:in:)`. Pricing and
/// flattening need no database, so the import pipeline builds the next batch on its reading thread
/// while the previous one is being written. Cost: one `PriceBook.cost(of:memo:)` per entry (memoized
/// per batch) and the row's derived text columns.
public struct PricedBatch: Sendable {
    let rows: [StoredUsage]

    /// Prices `entries` with `pricing`; `now` becomes each row's `imported_at`.
    public init(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) {
        var builder = Builder(pricing: pricing, capacity: entries.count, now: now)
        for entry in entries { builder.append(entry) }
        self = builder.build()
    }

    init(rows: [StoredUsage]) { self.rows = rows }

    /// The number of entries.
    public var count: Int { rows.count }

    /// Builds a batch one entry at a time, pricing and flattening each as it arrives (the import
    /// pipeline's reading thread). Each entry moves into its row: collecting the entries in an array
    /// and pricing them at the end copied every record once more and released the copies (~8 % of
    /// that thread). `imported_at` is the time the batch was started.
    public struct Builder: Sendable {
        private let pricing: PriceBook
        private let capacity: Int
        private var memo = PricingMemo()
        private var rows: [StoredUsage] = []
        private var importedAt: Int64

        /// An empty batch started at `now`, with room for `capacity` entries.
        public init(pricing: PriceBook, capacity: Int = 0, now: Date = Date()) {
            self.pricing = pricing
            self.capacity = capacity
            importedAt = Builder.milliseconds(now)
            rows.reserveCapacity(capacity)
        }

        /// The number of entries appended since the batch was started.
        public var count: Int { rows.count }

        /// Prices `entry` (memoized per batch) and adds it as a row.
        public mutating func append(_ entry: consuming LedgerEntry) {
            let cost = pricing.cost(of: entry.record, memo: &memo, itemized: false)
            rows.append(StoredUsage(entry: entry, cost: cost, importedAt: importedAt))
        }

        /// The batch so far; the builder starts the next one at `now`, with a fresh memo.
        public mutating func build(now: Date = Date()) -> PricedBatch {
            let batch = PricedBatch(rows: rows)
            rows = []
            rows.reserveCapacity(capacity)
            memo = PricingMemo()
            importedAt = Builder.milliseconds(now)
            return batch
        }

        private static func milliseconds(_ date: Date) -> Int64 {
            Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
    }
}

/// A usage record flattened to the `usage_record` columns, with its computed cost. The derived
/// columns are computed once, when the row is built. A class, though immutable: the writer passes
/// rows around (binding, rollup, contested rows), and copying a struct of this many strings and
/// arrays retained and released each of them, a fifth of the writer's instructions.
final class StoredUsage: Sendable {
    let entry: LedgerEntry
    let cost: CostBreakdown
    let importedAt: Int64
    /// The dedup key's home slot (`DedupSlot.hash`).
    let dedupHash: Int64
    /// The stored `cost_pusd` (`StoredCostColumns.picodollars`).
    let costPicodollars: Int64?
    /// The stored `ts` column: Unix milliseconds.
    let timestampMilliseconds: Int64
    /// The stored `reported_cost_pusd` column.
    let reportedPicodollars: Int64?
    /// The 16 text columns (dedup key, names, unpriced reason, price layers, tags JSON, …), packed
    /// for binding without copies (`PackedText`).
    let texts: PackedText

    init(entry: LedgerEntry, cost: CostBreakdown, importedAt: Int64) {
        let columns = StoredCostColumns(cost)
        self.entry = entry
        self.cost = cost
        self.importedAt = importedAt
        dedupHash = DedupSlot.hash(entry.dedupKey)
        costPicodollars = columns.picodollars
        timestampMilliseconds = Int64((entry.record.timestamp.timeIntervalSince1970 * 1000).rounded())
        reportedPicodollars = StoredUsage.storable(entry.record.reportedCost)
        texts = StoredUsage.packTexts(entry: entry, cost: cost, columns: columns)
    }

    /// Money as stored picodollars; nil when absent or beyond Int64.
    static func storable(_ money: Money?) -> Int64? {
        guard let money else { return nil }
        return Int64(exactly: money.picodollars)
    }

    /// The stored `price_layers` text, or nil for none.
    static func joined(_ layers: [String]) -> String? {
        layers.isEmpty ? nil : layers.joined(separator: ",")
    }

    /// The stored `tags` text: a JSON object with sorted keys, or nil for no tags.
    private static func tagsJSON(_ tags: [String: String]) -> String? {
        if tags.isEmpty { return nil }
        return JSONValue.object(JSONObject(tags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })).serialized()
    }

    /// The reason stored with an unpriced row. (These helpers are separate functions: Swift 6.3's
    /// optimizer crashes on the same code inside the initializer.)
    static func unpricedReason(_ status: CostBreakdown.Status, picodollars: Int64?) -> String? {
        if case .unpriced(let reason) = status { return reason }
        return picodollars == nil ? "cost too large to store" : nil
    }

    /// Binds this row to `statement` (an insert over `insertColumnsSQL`), with `slot` as its
    /// dedup_hash and `fileID` as its source_file_id, and runs it once.
    func write(with statement: OpaquePointer, slot: Int64, fileID: Int64?, in db: Database) throws {
        sqlite3_reset(statement)
        let code = texts.withBinder { texts in
            bind(to: statement, slot: slot, fileID: fileID, texts: texts)
            return sqlite3_step(statement)
        }
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw SQLiteBinder.error(code, db) }
    }

    /// Binds `rows` to `statement` (an insert over `insertSQL(rows: rows.count)`), each with its home
    /// slot and its `fileIDs` entry, and runs it once. Every row's texts stay bound (`SQLITE_STATIC`)
    /// only inside its `withBinder`, so the rows are bound by nested calls and the step runs innermost.
    /// `bound` holds what the statement's parameters were last bound to; unchanged ones are skipped.
    static func write(_ rows: UnsafeBufferPointer<StoredUsage>, with statement: OpaquePointer, fileIDs: [Int64?],
                      bound: BoundValues, in db: Database) throws {
        sqlite3_reset(statement)
        func bindAndStep(_ i: Int) -> Int32 {
            if i == rows.count { return sqlite3_step(statement) }
            return rows[i].texts.withBinder { texts in
                rows[i].bind(to: statement, firstParameter: Int32(i) * Ledger.columnsPerRow + 1, slot: rows[i].dedupHash,
                             fileID: fileIDs[i], texts: texts, bound: bound)
                return bindAndStep(i + 1)
            }
        }
        let code = bindAndStep(0)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw SQLiteBinder.error(code, db) }
    }

    /// The text columns in `texts`, in bind order.
    static func packTexts(entry: LedgerEntry, cost: CostBreakdown, columns: StoredCostColumns) -> PackedText {
        let r = entry.record
        var texts = PackedText(capacity: entry.dedupKey.utf8.count + r.model.utf8.count * 2 + 96)
        // One append per column rather than a loop over an array literal: the array of 16 optional
        // strings cost an allocation and 32 reference-count operations a row.
        texts.append(entry.dedupKey); texts.append(r.provider); texts.append(r.model); texts.append(cost.resolvedModel)
        texts.append(r.effort.rawValue); texts.append(r.serviceTier); texts.append(r.channel)
        texts.append(columns.unpricedReason); texts.append(cost.periodStart); texts.append(columns.priceLayers)
        texts.append(r.source); texts.append(r.project); texts.append(r.sessionID); texts.append(r.requestID)
        texts.append(r.apiKeyHash); texts.append(r.tags.isEmpty ? nil : tagsJSON(r.tags))
        texts.append(r.repository); texts.append(r.branch)
        return texts
    }

    /// Binds the 41 `usage_record` columns of `insertColumnsSQL`, in order, from parameter
    /// `firstParameter` on (a later row of a several-row insert starts 41 further); every one, so no
    /// earlier binding survives (the texts point into `texts` only while it is alive) — except, with
    /// `bound`, an integer or NULL the parameter already holds.
    func bind(to statement: OpaquePointer, firstParameter: Int32 = 1, slot: Int64, fileID: Int64?, texts: PackedText.Binder,
              bound: BoundValues? = nil) {
        let r = entry.record
        let t = r.tokens
        var b = SQLiteBinder(statement: statement, index: firstParameter, bound: bound)
        var text = 0
        func bindText() {
            texts.bind(text, to: b.index, of: statement, bound: bound)
            text += 1
            b.index += 1
        }
        bindText(); b.bind(slot); b.bind(entry.supersedeRank); b.bind(timestampMilliseconds)
        bindText(); bindText(); bindText(); bindText(); bindText()   // provider, model, model_id, effort, service_tier
        b.bind(r.isBatch ? 1 : 0); bindText()                        // channel
        b.bind(t.input); b.bind(t.cacheRead); b.bind(t.cacheWrite5m); b.bind(t.cacheWrite1h); b.bind(t.output)
        b.bind(t.reasoning); b.bind(t.audioInput); b.bind(t.audioOutput); b.bind(t.imageInput); b.bind(t.imageOutput)
        b.bind(r.units.webSearchCalls); b.bind(r.units.imagesGenerated); b.bind(r.requestCount); b.bind(r.isAggregate ? 1 : 0)
        b.bind(costPicodollars); bindText(); bindText(); bindText()   // unpriced_reason, price_period, price_layers
        b.bind(reportedPicodollars)
        bindText(); b.bind(fileID); b.bind(entry.location.map { Int64($0.line) })   // source
        bindText(); bindText(); bindText(); bindText(); bindText()   // project, session_id, request_id, api_key_hash, tags
        b.bind(importedAt)
        b.bind(r.units.audioSeconds); b.bind(r.units.characters)
        bindText(); bindText()                                       // repository, branch
    }
}

/// A computed cost as the ledger stores it: `cost_pusd`, `unpriced_reason` and `price_layers`, the
/// same for a new row (`StoredUsage`) and for `reprice`, which compares and rewrites them.
struct StoredCostColumns {
    /// Picodollars when priced. A cost beyond Int64 (≈ $9.2M for one record) is stored as unpriced
    /// rather than wrapped, and says so.
    let picodollars: Int64?
    /// Why the record has no stored cost, or nil when it has one.
    let unpricedReason: String?
    /// The layers that set the prices, joined by commas; nil for none.
    let priceLayers: String?

    init(_ cost: CostBreakdown) {
        let picodollars = StoredUsage.storable(cost.total)
        self.picodollars = picodollars
        unpricedReason = StoredUsage.unpricedReason(cost.status, picodollars: picodollars)
        priceLayers = StoredUsage.joined(cost.layers)
    }
}

/// Binds values to a raw SQLite statement by position, without boxing them (the insert hot path).
struct SQLiteBinder {
    let statement: OpaquePointer
    var index: Int32 = 1
    /// What the parameters hold already, to skip rebinding an equal integer or NULL; nil binds every value.
    var bound: BoundValues?

    static func error(_ code: Int32, _ db: Database) -> DatabaseError {
        let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }

    mutating func bind(_ value: Int64?) {
        if bound?.holds(value, at: index) != true {
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
            bound?.record(value, at: index)
        }
        index += 1
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }
}


/// The integer or NULL each parameter of one prepared statement was last bound to, so that binding the
/// next rows can skip a parameter that already holds the same value (SQLite keeps bindings across
/// `sqlite3_reset`). In a 16-row insert, row k's columns are compared with row k's of the statement
/// before: about half of a chat record's 39 columns (the source file, the import time, NULLs, zero
/// counts) repeat, and each `sqlite3_bind_*` call costs ~100 instructions. Texts are always bound
/// again (they point into the row's own buffer), but a NULL text is recorded as NULL. Valid for one
/// statement while nothing else binds or clears it: made afresh for each batch.
final class BoundValues {
    // Raw buffers, not arrays: arrays in a class cost an exclusivity check and a uniqueness check
    // per access, which made skipping a bind dearer than binding.
    private static let unknown: UInt8 = 0, null: UInt8 = 1, integer: UInt8 = 2
    private let held: UnsafeMutablePointer<UInt8>
    private let integers: UnsafeMutablePointer<Int64>
    private let count: Int

    init(parameters: Int) {
        count = parameters + 1
        held = .allocate(capacity: count)
        held.initialize(repeating: BoundValues.unknown, count: count)
        integers = .allocate(capacity: count)
        integers.initialize(repeating: 0, count: count)
    }

    deinit {
        held.deallocate()
        integers.deallocate()
    }

    /// Parameter `index` (1-based) holds `value` already.
    @inline(__always)
    func holds(_ value: Int64?, at index: Int32) -> Bool {
        let i = Int(index)
        guard i < count else { return false }
        guard let value else { return held[i] == BoundValues.null }
        return held[i] == BoundValues.integer && integers[i] == value
    }

    /// Parameter `index` was just bound to `value`.
    @inline(__always)
    func record(_ value: Int64?, at index: Int32) {
        let i = Int(index)
        guard i < count else { return }
        if let value {
            held[i] = BoundValues.integer
            integers[i] = value
        } else {
            held[i] = BoundValues.null
        }
    }

    /// Parameter `index` was just bound to a text (or a NULL text, `isNull`).
    @inline(__always)
    func recordText(isNull: Bool, at index: Int32) {
        let i = Int(index)
        guard i < count else { return }
        held[i] = isNull ? BoundValues.null : BoundValues.unknown
    }
}

extension InsertCounts {
    /// Counts a stored row that has no price, by the reason stored with it and its model.
    mutating func countUnpriced(_ row: StoredUsage) {
        countUnpriced(reason: StoredUsage.unpricedReason(row.cost.status, picodollars: row.costPicodollars),
                      model: row.cost.resolvedModel ?? row.entry.record.model, requests: row.entry.record.requestCount)
    }
}
