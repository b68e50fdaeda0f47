import Foundation
import PostgresNIO
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// `reprice --db postgres://`: the whole team's records priced again with this machine's price book,
/// with the same `RepriceReport` as the SQLite ledger's reprice (both feed a `RepriceTally`).
extension TeamLedger {
    /// Every `usage_record` column `storedRecord(_:)` reads, in its order.
    static let storedColumns = ["id"] + recordColumns.filter { $0 != "machine" }

    /// Recomputes every stored cost with `pricing`; writes the changes when `apply` is true.
    ///
    /// Applied, it holds `TeamLedgerSchema.repriceLock` for the whole run (a second reprice from another
    /// machine waits, then finds what is left to change) and works in pages of `pageSize` records by
    /// id, each page one transaction under the write lock: the page is read, priced here, and the
    /// changed rows are updated with one COPY and one `UPDATE … FROM` (the rollup trigger moves their
    /// sums once). A page commits whole or not at all, so a reprice stopped midway leaves every record
    /// counted once, and a rerun finishes the rest. Imports and pushes wait at most one page.
    /// Cost: one indexed range read per page, plus the COPY and update of the changed rows.
    public func reprice(with pricing: PriceBook, apply: Bool, pageSize: Int = 5_000) async throws(TeamLedgerError) -> RepriceReport {
        if apply {
            try await run { try await connection.query("SELECT pg_advisory_lock(\(TeamLedgerSchema.repriceLock))", logger: logger) }
        }
        do {
            let report = try await repricePages(pricing, apply: apply, pageSize: pageSize)
            if apply { try await unlockReprice() }
            return report
        } catch {
            if apply { try? await unlockReprice() }
            throw error
        }
    }

    private func unlockReprice() async throws(TeamLedgerError) {
        try await run { try await connection.query("SELECT pg_advisory_unlock(\(TeamLedgerSchema.repriceLock))", logger: logger) }
    }

    private func repricePages(_ pricing: PriceBook, apply: Bool, pageSize: Int) async throws(TeamLedgerError) -> RepriceReport {
        var tally = RepriceTally(pricing: pricing)
        var lastID: Int64 = 0
        while true {
            let from = lastID
            let page: (last: Int64?, count: Int)
            if apply {
                page = try await transaction { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(\(TeamLedgerSchema.writeLock))", logger: self.logger)
                    let records = try await TeamLedger.storedRecords(afterID: from, limit: pageSize, on: connection, logger: self.logger)
                    tally.startPage()
                    var changed: [(id: Int64, columns: RepriceTally.Columns)] = []
                    for stored in records {
                        if let columns = tally.add(stored) { changed.append((stored.id, columns)) }
                    }
                    try await TeamLedger.update(changed, on: connection, logger: self.logger)
                    return (records.last?.id, records.count)
                }
            } else {
                page = try await run {
                    let records = try await TeamLedger.storedRecords(afterID: from, limit: pageSize, on: connection, logger: logger)
                    tally.startPage()
                    for stored in records { _ = tally.add(stored) }
                    return (records.last?.id, records.count)
                }
            }
            guard let last = page.last, page.count == pageSize else { break }
            lastID = last
        }
        return tally.report(applied: apply)
    }

    /// Writes repriced columns: a COPY into a per-connection staging table, then one UPDATE.
    private static func update(_ rows: [(id: Int64, columns: RepriceTally.Columns)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        try await connection.query("""
            CREATE TEMP TABLE IF NOT EXISTS tokenledger_reprice (
                id BIGINT, model_id TEXT, cost_pusd BIGINT, unpriced_reason TEXT, price_period TEXT, price_layers TEXT
            ) ON COMMIT DELETE ROWS
            """, logger: logger)
        try await connection.copyFrom(table: "tokenledger_reprice", columns: ["id", "model_id", "cost_pusd", "unpriced_reason", "price_period", "price_layers"],
                                      logger: logger) { writer in
            var buffer = ByteBuffer()
            for row in rows {
                let c = row.columns
                CopyRow.appendNumber(row.id, first: true, to: &buffer)
                CopyRow.appendField(c.modelID, first: false, to: &buffer)
                CopyRow.appendNumber(c.picodollars, first: false, to: &buffer)
                CopyRow.appendField(c.unpricedReason, first: false, to: &buffer)
                CopyRow.appendField(c.pricePeriod, first: false, to: &buffer)
                CopyRow.appendField(c.priceLayers, first: false, to: &buffer)
                buffer.writeInteger(UInt8(ascii: "\n"))
            }
            try await writer.write(buffer)
        }
        try await connection.query("""
            UPDATE usage_record SET model_id = r.model_id, cost_pusd = r.cost_pusd, unpriced_reason = r.unpriced_reason,
                price_period = r.price_period, price_layers = r.price_layers
            FROM tokenledger_reprice r WHERE usage_record.id = r.id
            """, logger: logger)
        try await connection.query("TRUNCATE tokenledger_reprice", logger: logger)
    }

    /// One page of records with `id > afterID`, in id order, as the SQLite ledger reads them back.
    static func storedRecords(afterID: Int64, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [StoredRecord] {
        let sql = "SELECT \(storedColumns.joined(separator: ", ")) FROM usage_record WHERE id > $1 ORDER BY id LIMIT $2"
        var binds = PostgresBindings()
        binds.append(afterID)
        binds.append(Int64(limit))
        var records: [StoredRecord] = []
        records.reserveCapacity(limit)
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            records.append(try storedRecord(PostgresRandomAccessRow(row)))
        }
        return records
    }

    /// A `usage_record` row selected as `storedColumns` lists them.
    private static func storedRecord(_ row: PostgresRandomAccessRow) throws -> StoredRecord {
        var index = 0
        func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
            defer { index += 1 }
            return try row[index].decode(T.self)
        }
        func count() throws -> Int { Int(try next(Int64.self)) }
        let id = try next(Int64.self)
        let dedupKey = try next(String.self)
        let rank = Int(try next(Int32.self))
        let ts = try next(Int64.self)
        let provider = try next(String.self)
        let model = try next(String.self)
        let modelID = try next(String?.self)
        let effort = try next(String.self)
        let serviceTier = try next(String?.self)
        let isBatch = try next(Bool.self)
        let channel = try next(String?.self)
        let tokens = TokenCounts(
            input: try count(), cacheRead: try count(), cacheWrite5m: try count(), cacheWrite1h: try count(), output: try count(),
            reasoning: try count(), audioInput: try count(), audioOutput: try count(), imageInput: try count(), imageOutput: try count())
        let units = UnitCounts(webSearchCalls: try count(), imagesGenerated: try count())
        let requestCount = try count()
        let isAggregate = try next(Bool.self)
        let cost = try next(Int64?.self)
        let unpricedReason = try next(String?.self)
        let pricePeriod = try next(String?.self)
        let layers = try next(String?.self)
        let reported = try next(Int64?.self)
        let source = try next(String.self)
        let file = try next(String?.self)
        let line = try next(Int64?.self)
        let project = try next(String?.self)
        let sessionID = try next(String?.self)
        let requestID = try next(String?.self)
        let apiKeyHash = try next(String?.self)
        let tagsText = try next(String?.self)
        let importedAt = try next(Int64.self)
        var tags: [String: String] = [:]
        if let tagsText, let object = (try? JSONParser.parse(tagsText))?.object {
            for (key, value) in object { tags[key] = value.string ?? value.serialized() }
        }
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: TimeInterval(ts) / 1000), provider: provider, model: model,
            effort: EffortTier(effort), serviceTier: serviceTier, isBatch: isBatch, tokens: tokens, units: units, source: source,
            channel: channel, project: project, tags: tags, reportedCost: reported.map { Money(picodollars: Int128($0)) },
            requestID: requestID, sessionID: sessionID, apiKeyHash: apiKeyHash, requestCount: requestCount, isAggregate: isAggregate)
        return StoredRecord(
            id: id,
            entry: LedgerEntry(record: record, dedupKey: dedupKey, location: file.map { SourceLocation(file: $0, line: Int(line ?? 0)) },
                               supersedeRank: rank),
            modelID: modelID, cost: cost.map { Money(picodollars: Int128($0)) }, unpricedReason: unpricedReason,
            pricePeriod: pricePeriod, priceLayers: layers.map { $0.split(separator: ",").map(String.init) } ?? [],
            importedAt: Date(timeIntervalSince1970: TimeInterval(importedAt) / 1000))
    }
}
