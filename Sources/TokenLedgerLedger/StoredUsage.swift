import Foundation
import GRDB
import GRDBSQLite
import CSQLiteConfig
import TokenLedgerCore
import TokenLedgerPricing

/// The SQLite ledger's record row: the `usage_record` columns an insert writes, in bind order, and (at the
/// end of this file) how a stored row is read back. A new column is added here, with its migration in
/// `LedgerSchema.swift`.
extension Ledger {
    /// The `usage_record` columns an insert writes, in bind order (`StoredUsage.bind(to:slot:fileID:)`).
    /// The insert, the bulk insert and the replacing upsert are all built from this list.
    static let insertColumns: [String] = [
        "dedup_key", "dedup_hash", "supersede_rank", "ts", "provider", "model", "model_id", "effort", "service_tier", "is_batch", "channel",
        "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
        "reasoning_tokens", "audio_input_tokens", "audio_output_tokens", "image_input_tokens", "image_output_tokens",
        "web_search_calls", "images_generated", "request_count", "is_aggregate",
        "cost_pusd", "unpriced_reason", "price_period", "price_layers", "reported_cost_pusd",
        "source", "source_file_id", "source_line", "project", "session_id", "request_id", "api_key_hash", "tags", "imported_at",
        "audio_seconds", "characters", "repository", "branch",
    ]

    /// `INSERT INTO usage_record (43 columns) VALUES (43 ?)`, bound by `StoredUsage.bind(to:slot:fileID:)`.
    static let insertColumnsSQL = insertSQL(rows: 1)

    /// The number of `usage_record` columns an insert binds per row.
    static let columnsPerRow = Int32(insertColumns.count)

    /// Rows per statement in the bulk insert of new keys (`insertRows`, pass 1).
    static let rowsPerStatement = 16

    /// `INSERT INTO usage_record (43 columns) VALUES (43 ?), … ` with `rows` rows of placeholders.
    static func insertSQL(rows: Int, orIgnore: Bool = false) -> String {
        let placeholders = "(" + [String](repeating: "?", count: Int(columnsPerRow)).joined(separator: ",") + ")"
        return "INSERT \(orIgnore ? "OR IGNORE " : "")INTO usage_record (\(insertColumns.joined(separator: ", "))) VALUES "
            + [String](repeating: placeholders, count: rows).joined(separator: ", ")
    }

    /// `col = excluded.col` for every inserted column but the key: what a replacing upsert sets.
    static let replacedColumnsSQL = insertColumns.filter { $0 != "dedup_key" && $0 != "dedup_hash" }
        .map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
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

    /// The row of `entry`, which moves into it (stored last, after everything read from it: storing
    /// it first copied it, a dozen strings retained and later released).
    init(entry: consuming LedgerEntry, cost: consuming CostBreakdown, importedAt: Int64) {
        let columns = StoredCostColumns(cost)
        self.importedAt = importedAt
        dedupHash = DedupSlot.hash(entry.dedupKey)
        costPicodollars = columns.picodollars
        timestampMilliseconds = Int64((entry.record.timestamp.timeIntervalSince1970 * 1000).rounded())
        reportedPicodollars = StoredUsage.storable(entry.record.reportedCost)
        texts = StoredUsage.packTexts(entry: entry, cost: cost, columns: columns)
        self.cost = cost
        self.entry = entry
    }

    /// Money as stored picodollars; nil when absent or beyond Int64.
    static func storable(_ money: Money?) -> Int64? {
        guard let money else { return nil }
        return Int64(exactly: money.picodollars)
    }

    /// The stored `price_layers` text, or nil for none.
    static func joined(_ layers: [String]) -> String? {
        // One layer (a record priced from a bundled table) is that string itself: no new one per row.
        layers.count < 2 ? layers.first : layers.joined(separator: ",")
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
        let tags = r.tags.isEmpty ? nil : tagsJSON(r.tags)
        // One call per column rather than a loop over an array literal: the array of 18 optional
        // strings cost an allocation and 36 reference-count operations a row.
        return PackedText { text in
            text(entry.dedupKey); text(r.provider); text(r.model); text(cost.resolvedModel)
            text(r.effort.rawValue); text(r.serviceTier); text(r.channel)
            text(columns.unpricedReason); text(cost.periodStart); text(columns.priceLayers)
            text(r.source); text(r.project); text(r.sessionID); text(r.requestID)
            text(r.apiKeyHash); text(tags)
            text(r.repository); text(r.branch)
        }
    }

    /// Binds the 43 `usage_record` columns of `insertColumnsSQL`, in order, from parameter
    /// `firstParameter` on (a later row of a several-row insert starts 43 further); every one, so no
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

    init(_ cost: borrowing CostBreakdown) {
        let picodollars = StoredUsage.storable(cost.total)
        self.picodollars = picodollars
        unpricedReason = StoredUsage.unpricedReason(cost.status, picodollars: picodollars)
        priceLayers = StoredUsage.joined(cost.layers)
    }
}

/// A stored row read back (`storedRecords`, `push`, `reprice`): the same columns, by position.
extension StoredRecord {
    /// The columns `init(row:)` reads, by position: every usage_record column but the internal
    /// dedup_hash and source_file_id, with the source file's path from `log_file` in its place.
    static let selectedColumns = [
        "id", "dedup_key", "supersede_rank", "ts", "provider", "model", "model_id", "effort", "service_tier", "is_batch",
        "channel", "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
        "reasoning_tokens", "audio_input_tokens", "audio_output_tokens", "image_input_tokens", "image_output_tokens",
        "web_search_calls", "images_generated", "request_count", "is_aggregate", "cost_pusd", "unpriced_reason",
        "price_period", "price_layers", "reported_cost_pusd", "source", "source_file", "source_line", "project",
        "session_id", "request_id", "api_key_hash", "tags", "imported_at", "audio_seconds", "characters",
        "repository", "branch",
    ]

    /// `SELECT` of `selectedColumns` (then WHERE / ORDER BY on `usage_record.…`).
    package static let selectSQL = "SELECT " + selectedColumns.map { $0 == "source_file" ? "log_file.path" : "usage_record.\($0)" }.joined(separator: ", ")
        + " FROM usage_record LEFT JOIN log_file ON log_file.id = usage_record.source_file_id"

    /// A row of `selectSQL`. Reads by position: looking each of 43 columns up by name (GRDB compares
    /// names case-insensitively, lower-casing each) was 80 % of building a record, and half of a push's CPU.
    init(row: Row) {
        let tokens = TokenCounts(
            input: row[11], cacheRead: row[12], cacheWrite5m: row[13], cacheWrite1h: row[14], output: row[15],
            reasoning: row[16], audioInput: row[17], audioOutput: row[18], imageInput: row[19], imageOutput: row[20])
        var tags: [String: String] = [:]
        if let text: String = row[37], let object = (try? JSONParser.parse(text))?.object {
            for (key, value) in object { tags[key] = value.string ?? value.serialized() }
        }
        let ts: Int64 = row[3]
        let reported: Int64? = row[29]
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: TimeInterval(ts) / 1000), provider: row[4],
            model: row[5], effort: EffortTier(row[7] as String?), serviceTier: row[8],
            isBatch: row[9], tokens: tokens,
            units: UnitCounts(webSearchCalls: row[21], imagesGenerated: row[22], audioSeconds: row[39], characters: row[40]),
            source: row[30], channel: row[10], project: row[33], tags: tags,
            reportedCost: reported.map { Money(picodollars: Int128($0)) }, requestID: row[35],
            sessionID: row[34], apiKeyHash: row[36], requestCount: row[23],
            isAggregate: row[24], repository: row[41], branch: row[42])
        let file: String? = row[31]
        let line: Int? = row[32]
        let cost: Int64? = row[25]
        let layers: String? = row[28]
        let importedAt: Int64 = row[38]
        self.id = row[0]
        self.entry = LedgerEntry(
            record: record, dedupKey: row[1],
            location: file.map { SourceLocation(file: $0, line: line ?? 0) }, supersedeRank: row[2])
        self.modelID = row[6]
        self.cost = cost.map { Money(picodollars: Int128($0)) }
        self.unpricedReason = row[26]
        self.pricePeriod = row[27]
        self.priceLayers = layers.map { $0.split(separator: ",").map(String.init) } ?? []
        self.importedAt = Date(timeIntervalSince1970: TimeInterval(importedAt) / 1000)
    }
}
