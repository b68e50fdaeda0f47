import Foundation
import TokenLedgerCore
import TokenLedgerLedger

// The team ledger's `usage_record` row, in one place (as `StoredUsage` is the SQLite ledger's): the
// columns written, the binary COPY row that writes them, and the reader that turns a selected row back
// into a `StoredRecord`. A new column is a migration in TeamLedgerSchema.swift (adding it to `usage_row`
// and creating the `usage_record` view again with it, as `TeamLedgerSchema.namedRows` writes the view)
// and three lines here. The name columns (`TeamLedgerSchema.nameColumns`) are written as ids.

extension TeamLedger {
    /// `usage_record`'s written columns, in COPY order (everything but `id`).
    static let recordColumns = [
        "dedup_key", "supersede_rank", "ts", "provider", "model", "model_id", "effort", "service_tier", "is_batch", "channel",
        "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
        "reasoning_tokens", "audio_input_tokens", "audio_output_tokens", "image_input_tokens", "image_output_tokens",
        "web_search_calls", "images_generated", "request_count", "is_aggregate",
        "cost_pusd", "unpriced_reason", "price_period", "price_layers", "reported_cost_pusd",
        "source", "source_file", "source_line", "project", "session_id", "request_id", "api_key_hash", "tags",
        "machine", "imported_at", "repository", "branch", "audio_seconds", "characters",
    ]

    /// The default of each of `recordColumns` a COPY may leave out (`ColumnOmission`), as the table
    /// declares it (a nullable column without one: NULL); nil for the columns always sent — those
    /// without a default, and `supersede_rank`, which `rowsThatMayChange` reads as a row's second field.
    static let recordDefaults: [ColumnOmission.Default?] = {
        let zero = ColumnOmission.Default.integer(0)
        let defaults: [String: ColumnOmission.Default] = [
            "model_id": .null, "service_tier": .null, "is_batch": .boolean(false),
            "channel": .null, "input_tokens": zero, "cache_read_tokens": zero, "cache_write_5m_tokens": zero,
            "cache_write_1h_tokens": zero, "output_tokens": zero, "reasoning_tokens": zero, "audio_input_tokens": zero,
            "audio_output_tokens": zero, "image_input_tokens": zero, "image_output_tokens": zero, "web_search_calls": zero,
            "images_generated": zero, "request_count": .integer(1), "is_aggregate": .boolean(false), "cost_pusd": .null,
            "unpriced_reason": .null, "price_period": .null, "price_layers": .null, "reported_cost_pusd": .null,
            "source_file": .null, "source_line": .null, "project": .null, "session_id": .null, "request_id": .null,
            "api_key_hash": .null, "tags": .null, "repository": .null, "branch": .null, "audio_seconds": zero, "characters": zero,
        ]
        return recordColumns.map { defaults[$0] }
    }()

    /// Every `usage_row` column `storedRecord(_:_:names:)` reads, in its order.
    static let storedColumns = ["id"] + recordColumns.filter { $0 != "machine" }

    /// Row `row` of `rows`, selected from `usage_row` as `storedColumns` lists them, each name id
    /// read back through `names` (`NameMissing` for an id it does not hold).
    static func storedRecord(_ rows: PostgresRows, _ row: Int, names: [Int64: String]) throws -> StoredRecord {
        var index = 0
        func nextColumn() -> Int {
            defer { index += 1 }
            return index
        }
        func name() throws -> String? {
            guard let id = try rows.int64(row, nextColumn()) else { return nil }
            guard let name = names[id] else { throw NameMissing(id: id) }
            return name
        }
        func requiredName() throws -> String {
            guard let name = try name() else { throw PostgresError.unexpectedValue("a NULL name in column \(index)") }
            return name
        }
        func number() throws -> Int64? { try rows.int64(row, nextColumn()) }
        func count64() throws -> Int64 { try rows.requiredInt64(row, nextColumn()) }
        func count() throws -> Int { Int(try count64()) }
        func text() -> String? { rows.text(row, nextColumn()) }
        func requiredText() throws -> String { try rows.requiredText(row, nextColumn()) }
        func flag() throws -> Bool { try rows.requiredBool(row, nextColumn()) }
        let id = try count64()
        let dedupKey = try requiredText()
        let rank = try count()
        let ts = try count64()
        let provider = try requiredName()
        let model = try requiredName()
        let modelID = try name()
        let effort = try requiredName()
        let serviceTier = try name()
        let isBatch = try flag()
        let channel = text()
        let tokens = TokenCounts(
            input: try count(), cacheRead: try count(), cacheWrite5m: try count(), cacheWrite1h: try count(), output: try count(),
            reasoning: try count(), audioInput: try count(), audioOutput: try count(), imageInput: try count(), imageOutput: try count())
        let webSearchCalls = try count()
        let imagesGenerated = try count()
        let requestCount = try count()
        let isAggregate = try flag()
        let cost = try number()
        let unpricedReason = text()
        let pricePeriod = try name()
        let layers = try name()
        let reported = try number()
        let source = try requiredName()
        let file = try name()
        let line = try number()
        let project = text()
        let sessionID = text()
        let requestID = text()
        let apiKeyHash = text()
        let tagsText = text()
        let importedAt = try count64()
        let repository = text()
        let branch = text()
        let units = UnitCounts(webSearchCalls: webSearchCalls, imagesGenerated: imagesGenerated,
                               audioSeconds: try count(), characters: try count())
        var tags: [String: String] = [:]
        if let tagsText, let object = (try? JSONParser.parse(tagsText))?.object {
            for (key, value) in object { tags[key] = value.string ?? value.serialized() }
        }
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: TimeInterval(ts) / 1000), provider: provider, model: model,
            effort: EffortTier(effort), serviceTier: serviceTier, isBatch: isBatch, tokens: tokens, units: units, source: source,
            channel: channel, project: project, tags: tags, reportedCost: reported.map { Money(picodollars: Int128($0)) },
            requestID: requestID, sessionID: sessionID, apiKeyHash: apiKeyHash, requestCount: requestCount, isAggregate: isAggregate,
            repository: repository, branch: branch)
        return StoredRecord(
            id: id,
            entry: LedgerEntry(record: record, dedupKey: dedupKey, location: file.map { SourceLocation(file: $0, line: Int(line ?? 0)) },
                               supersedeRank: rank),
            modelID: modelID, cost: cost.map { Money(picodollars: Int128($0)) }, unpricedReason: unpricedReason,
            pricePeriod: pricePeriod, priceLayers: layers.map { $0.split(separator: ",").map(String.init) } ?? [],
            importedAt: Date(timeIntervalSince1970: TimeInterval(importedAt) / 1000))
    }
}

/// A `usage_row` name id that the names read before do not hold (a name added since).
struct NameMissing: Error {
    let id: Int64
}

extension CopyRow {
    /// One record as a row of binary COPY into `TeamLedger.recordColumns`, each value in its column's
    /// type (`supersede_rank` is `integer`, the other numbers `bigint`, the flags `boolean`). The same
    /// values, in the same order, as the text row `append(_:machine:to:)` writes.
    static func append(_ stored: StoredRecord, machine: String, names: inout NameLookup, to copy: inout PostgresBinaryCopy) {
        let r = stored.record
        copy.appendRow(fields: TeamLedger.recordColumns.count) { copy in
            copy.text(stored.entry.dedupKey)
            copy.int32(Int32(clamping: stored.entry.supersedeRank))
            copy.int64(milliseconds(r.timestamp))
            copy.name(r.provider, .provider, &names)
            copy.name(r.model, .model, &names)
            copy.name(stored.modelID, .modelID, &names)
            copy.name(r.effort.rawValue, .effort, &names)
            copy.name(r.serviceTier, .serviceTier, &names)
            copy.bool(r.isBatch)
            copy.text(r.channel)
            appendCounts(RecordCounts(r), to: &copy)
            copy.int64(stored.cost.flatMap { Int64(exactly: $0.picodollars) })
            copy.text(stored.unpricedReason)
            copy.name(stored.pricePeriod, .pricePeriod, &names)
            copy.name(stored.priceLayers.isEmpty ? nil : stored.priceLayers.joined(separator: ","), .priceLayers, &names)
            copy.int64(r.reportedCost.flatMap { Int64(exactly: $0.picodollars) })
            copy.name(r.source, .source, &names)
            copy.name(stored.entry.location?.file, .sourceFile, &names)
            copy.int64(stored.entry.location.map { Int64($0.line) })
            copy.text(r.project)
            copy.text(r.sessionID)
            copy.text(r.requestID)
            copy.text(r.apiKeyHash)
            copy.text(tagsJSON(r.tags))
            copy.name(machine, .machine, &names)
            copy.int64(milliseconds(stored.importedAt))
            copy.text(r.repository)
            copy.text(r.branch)
            copy.int64(Int64(r.units.audioSeconds))
            copy.int64(Int64(r.units.characters))
        }
    }
}

extension CopyRow {
    /// One row of an import batch as a row of binary COPY into `TeamLedger.recordColumns`: the same
    /// values as `append(_:machine:to:)` writes for the batch's `storedRecords`, read from the columns
    /// the reading thread computed (texts as packed UTF-8), so no `StoredRecord`, joined layers or
    /// tags JSON is made again. `machine` is the machine's name as UTF-8.
    /// With `omitting`, the fields it names are left out (`ColumnOmission`). Returns the row's fields
    /// that are not at their column's default (`PostgresBinaryCopy.appendRow`).
    @discardableResult
    static func append(_ row: PricedRowColumns, machine: UnsafeRawBufferPointer, omitting: ColumnOmission? = nil,
                       names: inout NameLookup, to copy: inout PostgresBinaryCopy) -> UInt64 {
        row.withTexts { texts in
            copy.appendRow(fields: TeamLedger.recordColumns.count, omitting: omitting) { writer in
                write(row, texts: texts, machine: machine, names: &names, to: &writer)
            }
        }
    }

    /// The values of `row` (with its `texts`) in `TeamLedger.recordColumns` order.
    @inline(__always)
    private static func write(_ row: PricedRowColumns, texts: PricedTexts, machine: UnsafeRawBufferPointer,
                              names: inout NameLookup, to copy: inout PostgresBinaryCopy.RowWriter) {
        let counts = row.counts
        let location = row.location
        copy.text(utf8: texts[.dedupKey])
        copy.int32(Int32(clamping: row.supersedeRank))
        copy.int64(row.timestampMilliseconds)
        copy.name(utf8: texts[.provider], .provider, &names)
        copy.name(utf8: texts[.model], .model, &names)
        copy.name(utf8: texts[.modelID], .modelID, &names)
        copy.name(utf8: texts[.effort], .effort, &names)
        copy.name(utf8: texts[.serviceTier], .serviceTier, &names)
        copy.bool(counts.isBatch)
        copy.text(utf8: texts[.channel])
        appendCounts(counts, to: &copy)
        copy.int64(row.costPicodollars)
        copy.text(utf8: texts[.unpricedReason])
        copy.name(utf8: texts[.pricePeriod], .pricePeriod, &names)
        copy.name(utf8: texts[.priceLayers], .priceLayers, &names)
        copy.int64(row.reportedPicodollars)
        copy.name(utf8: texts[.source], .source, &names)
        copy.name(location?.file, .sourceFile, &names)
        copy.int64(location.map { Int64($0.line) })
        copy.text(utf8: texts[.project])
        copy.text(utf8: texts[.sessionID])
        copy.text(utf8: texts[.requestID])
        copy.text(utf8: texts[.apiKeyHash])
        copy.text(utf8: texts[.tags])
        copy.name(utf8: machine, .machine, &names)
        copy.int64(row.importedAt)
        copy.text(utf8: texts[.repository])
        copy.text(utf8: texts[.branch])
        copy.int64(Int64(counts.units.audioSeconds))
        copy.int64(Int64(counts.units.characters))
    }
}

extension CopyRow {
    /// The record's token counts, web searches, images, request count and aggregate flag, in
    /// `TeamLedger.recordColumns` order (input tokens … is_aggregate): the run both row encodings share.
    @inline(__always)
    static func appendCounts(_ c: RecordCounts, to copy: inout PostgresBinaryCopy.RowWriter) {
        let t = c.tokens
        copy.int64(Int64(t.input)); copy.int64(Int64(t.cacheRead)); copy.int64(Int64(t.cacheWrite5m))
        copy.int64(Int64(t.cacheWrite1h)); copy.int64(Int64(t.output)); copy.int64(Int64(t.reasoning))
        copy.int64(Int64(t.audioInput)); copy.int64(Int64(t.audioOutput)); copy.int64(Int64(t.imageInput))
        copy.int64(Int64(t.imageOutput))
        copy.int64(Int64(c.units.webSearchCalls))
        copy.int64(Int64(c.units.imagesGenerated))
        copy.int64(Int64(c.requestCount))
        copy.bool(c.isAggregate)
    }
}
