import Foundation
import GRDB
import GRDBSQLite
import TokenLedgerCore
import TokenLedgerPricing

extension Ledger {
    /// `INSERT INTO usage_record (38 columns) VALUES (38 ?)`, bound by `StoredUsage.bind(to:)`.
    static let insertColumnsSQL = """
            INSERT INTO usage_record (
                dedup_key, supersede_rank, ts, provider, model, model_id, effort, service_tier, is_batch, channel,
                input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
                reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens,
                web_search_calls, images_generated, request_count, is_aggregate,
                cost_pusd, unpriced_reason, price_period, price_layers, reported_cost_pusd,
                source, source_file, source_line, project, session_id, request_id, api_key_hash, tags, imported_at
            ) VALUES (?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?, ?,?,?,?,?, ?,?,?,?, ?,?,?,?,?, ?,?,?,?,?,?,?,?,?)
            """

    /// Prices and stores `entries` in one transaction. Re-inserting an entry adds nothing.
    /// Cost: one cached prepared statement per row; price lookups are in memory.
    @discardableResult
    public func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) throws -> InsertCounts {
        try writer.write { db in try Ledger.insert(entries, pricing: pricing, now: now, in: db) }
    }

    /// Prices and stores `entries` inside the caller's transaction, so the import pipeline can commit
    /// records and the file checkpoint together (a crash leaves neither or both).
    ///
    /// Performance notes (profiled on 200k OpenAI chat lines): building GRDB `StatementArguments`
    /// (38 boxed existentials per row) took more than half of the insert time; binding the values with
    /// the SQLite C API on the same cached statements removed that, for about 2× on the whole insert.
    ///
    /// The report rollup (migration v2) is not kept by the per-row insert trigger (~4.5 µs a record)
    /// nor by a grouped SQL upsert over the batch (~2 µs a record): each newly inserted row's
    /// contribution is summed in Swift (`RollupAccumulator`, from the same `LedgerSchema.rollupSums`
    /// list as the triggers) and written with one upsert per rollup row at the end of the batch.
    /// Replacements still go through the update trigger.
    public static func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date(), in db: Database) throws -> InsertCounts {
        try db.execute(sql: "UPDATE report_rollup_control SET deferred = 1")
        do {
            var rollup = RollupAccumulator()
            let counts = try insertRows(entries, pricing: pricing, now: now, rollup: &rollup, in: db)
            try rollup.write(to: db)
            try db.execute(sql: "UPDATE report_rollup_control SET deferred = 0")
            return counts
        } catch {
            try? db.execute(sql: "UPDATE report_rollup_control SET deferred = 0")
            throw error
        }
    }

    /// The row loop of `insert`: prices each entry and stores it (new keys by a plain insert, known
    /// keys only when their rank is higher).
    private static func insertRows(_ entries: [LedgerEntry], pricing: PriceBook, now: Date,
                                   rollup: inout RollupAccumulator, in db: Database) throws -> InsertCounts {
        var counts = InsertCounts()
        let importedAt = Int64((now.timeIntervalSince1970 * 1000).rounded())
        // Upsert: a same-key row is replaced only by a strictly higher supersede_rank.
        let statement = try db.cachedStatement(sql: Ledger.insertColumnsSQL + """
            ON CONFLICT(dedup_key) DO UPDATE SET
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
                source_file = excluded.source_file, source_line = excluded.source_line, project = excluded.project,
                session_id = excluded.session_id, request_id = excluded.request_id,
                api_key_hash = excluded.api_key_hash, tags = excluded.tags, imported_at = excluded.imported_at
            WHERE excluded.supersede_rank > usage_record.supersede_rank
            """)
        let existing = try db.cachedStatement(sql: "SELECT supersede_rank FROM usage_record WHERE dedup_key = ?")
        let insertStatement = statement.sqliteStatement
        let existingStatement = existing.sqliteStatement
        // A new key (the common case on a first import) is stored by a plain insert that does nothing
        // on conflict; only a key already present pays for the rank lookup and the upsert.
        let fresh = try db.cachedStatement(sql: Ledger.insertColumnsSQL + "\nON CONFLICT(dedup_key) DO NOTHING").sqliteStatement
        var memo = PricingMemo()
        for entry in entries {
            let row = StoredUsage(entry: entry, cost: pricing.cost(of: entry.record, memo: &memo), importedAt: importedAt)
            try row.write(with: fresh, in: db)
            if db.changesCount == 1 {
                try rollup.add(row)
                counts.inserted += 1
                if row.costPicodollars == nil { counts.unpriced += 1 }
                continue
            }
            sqlite3_reset(existingStatement)
            SQLiteBinder.bind(entry.dedupKey, at: 1, of: existingStatement)
            let previousRank: Int?
            switch sqlite3_step(existingStatement) {
            case SQLITE_ROW: previousRank = Int(sqlite3_column_int64(existingStatement, 0))
            case SQLITE_DONE: previousRank = nil
            case let code: throw SQLiteBinder.error(code, db)
            }
            sqlite3_reset(existingStatement)
            if let previousRank, previousRank >= entry.supersedeRank {
                counts.duplicates += 1
                continue
            }
            try row.write(with: insertStatement, in: db)
            if previousRank == nil {
                // A new row (the insert trigger is deferred): counted in the rollup here.
                try rollup.add(row)
                counts.inserted += 1
            } else {
                counts.replaced += 1
            }
            if row.costPicodollars == nil { counts.unpriced += 1 }
        }
        return counts
    }
}

/// A usage record flattened to the `usage_record` columns, with its computed cost.
struct StoredUsage {
    var entry: LedgerEntry
    var cost: CostBreakdown
    var importedAt: Int64

    init(entry: LedgerEntry, cost: CostBreakdown, importedAt: Int64) {
        self.entry = entry
        self.cost = cost
        self.importedAt = importedAt
    }

    /// Picodollars when priced. A cost beyond Int64 (≈ $9.2M for one record) is stored as unpriced
    /// rather than wrapped, and says so.
    var costPicodollars: Int64? {
        guard let total = cost.total else { return nil }
        return Int64(exactly: total.picodollars)
    }

    /// Why the record has no stored cost, or nil when it has one.
    var unpricedReason: String? {
        if case .unpriced(let reason) = cost.status { return reason }
        return costPicodollars == nil ? "cost too large to store" : nil
    }

    /// The stored `ts` column: Unix milliseconds.
    var timestampMilliseconds: Int64 { Int64((entry.record.timestamp.timeIntervalSince1970 * 1000).rounded()) }

    /// The stored `reported_cost_pusd` column.
    var reportedPicodollars: Int64? { entry.record.reportedCost.flatMap { Int64(exactly: $0.picodollars) } }

    /// Binds the 38 `usage_record` columns of the upsert in `Ledger.insert`, in order.
    /// Binds this row to `statement` (an insert over `insertColumnsSQL`) and runs it once.
    func write(with statement: OpaquePointer, in db: Database) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        bind(to: statement)
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw SQLiteBinder.error(code, db) }
    }

    func bind(to statement: OpaquePointer) {
        let r = entry.record
        let t = r.tokens
        var b = SQLiteBinder(statement: statement)
        b.bind(entry.dedupKey); b.bind(entry.supersedeRank); b.bind(timestampMilliseconds)
        b.bind(r.provider); b.bind(r.model); b.bind(cost.resolvedModel); b.bind(r.effort.rawValue); b.bind(r.serviceTier)
        b.bind(r.isBatch ? 1 : 0); b.bind(r.channel)
        b.bind(t.input); b.bind(t.cacheRead); b.bind(t.cacheWrite5m); b.bind(t.cacheWrite1h); b.bind(t.output)
        b.bind(t.reasoning); b.bind(t.audioInput); b.bind(t.audioOutput); b.bind(t.imageInput); b.bind(t.imageOutput)
        b.bind(r.units.webSearchCalls); b.bind(r.units.imagesGenerated); b.bind(r.requestCount); b.bind(r.isAggregate ? 1 : 0)
        b.bind(costPicodollars); b.bind(unpricedReason); b.bind(cost.periodStart)
        b.bind(cost.layers.isEmpty ? nil : cost.layers.joined(separator: ","))
        b.bind(reportedPicodollars)
        b.bind(r.source); b.bind(entry.location?.file); b.bind(entry.location.map { Int64($0.line) })
        b.bind(r.project); b.bind(r.sessionID); b.bind(r.requestID); b.bind(r.apiKeyHash)
        b.bind(r.tags.isEmpty ? nil
            : JSONValue.object(JSONObject(r.tags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })).serialized())
        b.bind(importedAt)
    }
}

/// Binds values to a raw SQLite statement by position, without boxing them (the insert hot path).
struct SQLiteBinder {
    let statement: OpaquePointer
    var index: Int32 = 1

    /// SQLite copies the bytes (SQLITE_TRANSIENT), so the Swift string may go away after the call.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func bind(_ text: String, at index: Int32, of statement: OpaquePointer) {
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                _ = sqlite3_bind_text(statement, index, "", 0, transient)
                return
            }
            _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                  Int32(utf8.count), transient)
        }
    }

    static func error(_ code: Int32, _ db: Database) -> DatabaseError {
        let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }

    mutating func bind(_ value: String?) {
        if let value { SQLiteBinder.bind(value, at: index, of: statement) } else { sqlite3_bind_null(statement, index) }
        index += 1
    }

    mutating func bind(_ value: Int64?) {
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        index += 1
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }
}
