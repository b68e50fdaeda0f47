import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// `reprice --db postgres://`: the whole team's records priced again with this machine's price book,
/// with the same `RepriceReport` as the SQLite ledger's reprice (both feed a `RepriceTally`).
extension TeamLedger {

    /// Gives every stored record the cost `costs` computes for it (one call per page, in id order);
    /// writes the changes when `apply` is true.
    ///
    /// Applied, it holds `TeamLedgerSchema.repriceLock` for the whole run (a second reprice from another
    /// machine waits, then finds what is left to change) and works in pages of `pageSize` records by
    /// id, each page one transaction under the write lock: the page is read, priced here, and the
    /// changed rows are updated with one COPY and one `UPDATE … FROM` (the rollup trigger moves their
    /// sums once). A page commits whole or not at all, so a reprice stopped midway leaves every record
    /// counted once, and a rerun finishes the rest. Imports and pushes wait at most one page.
    /// Cost: one indexed range read per page, plus the COPY and update of the changed rows.
    public func reprice(apply: Bool, pageSize: Int = 5_000, costs: ([UsageRecord]) -> [CostBreakdown]) throws(TeamLedgerError) -> RepriceReport {
        if apply {
            try run { try connection.execute("SELECT pg_advisory_lock($1)", [TeamLedgerSchema.repriceLock]) }
        }
        do {
            let report = try repricePages(costs, apply: apply, pageSize: pageSize)
            if apply { try unlockReprice() }
            return report
        } catch {
            if apply { try? unlockReprice() }
            throw error
        }
    }

    private func unlockReprice() throws(TeamLedgerError) {
        try run { try connection.execute("SELECT pg_advisory_unlock($1)", [TeamLedgerSchema.repriceLock]) }
    }

    private func repricePages(_ costs: ([UsageRecord]) -> [CostBreakdown], apply: Bool, pageSize: Int) throws(TeamLedgerError) -> RepriceReport {
        var tally = RepriceTally()
        var last: (ts: Int64, id: Int64)?
        var names = try run { try Self.allNames(on: connection) }
        while true {
            let from = last
            let page: (last: (ts: Int64, id: Int64)?, count: Int)
            if apply {
                page = try transaction { connection in
                    try connection.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock])
                    let records = try TeamLedger.storedRecords(after: from, limit: pageSize, names: &names, on: connection)
                    var changed: [(key: String, columns: RepriceTally.Columns)] = []
                    for (stored, cost) in zip(records, costs(records.map(\.record))) {
                        if let columns = tally.add(stored, cost: cost) { changed.append((stored.entry.dedupKey, columns)) }
                    }
                    try update(changed, on: connection)
                    return (records.last.map(Self.place), records.count)
                }
            } else {
                page = try run {
                    let records = try TeamLedger.storedRecords(after: from, limit: pageSize, names: &names, on: connection)
                    for (stored, cost) in zip(records, costs(records.map(\.record))) { _ = tally.add(stored, cost: cost) }
                    return (records.last.map(Self.place), records.count)
                }
            }
            guard let end = page.last, page.count == pageSize else { break }
            last = end
        }
        return tally.report(applied: apply)
    }

    /// Writes repriced columns: a COPY into a per-connection staging table, then one UPDATE, each row
    /// found by its dedup key (`id` has no index since v11). The names are sent as their ids
    /// (`nameIDs(for:on:)`, migration v15).
    private func update(_ rows: [(key: String, columns: RepriceTally.Columns)], on connection: PostgresConnection) throws {
        guard !rows.isEmpty else { return }
        var texts = Set<[UInt8]>()
        for row in rows {
            for name in [row.columns.modelID, row.columns.pricePeriod, row.columns.priceLayers] {
                if let name { texts.insert(Array(name.utf8)) }
            }
        }
        let ids = try nameIDs(for: texts, on: connection)
        func id(_ name: String?) -> Int32? { name.flatMap { ids[Array($0.utf8)] } }
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS tokenledger_reprice (
                dedup_key TEXT, model_id INTEGER, cost_pusd BIGINT, unpriced_reason TEXT, price_period INTEGER, price_layers INTEGER
            ) ON COMMIT DELETE ROWS
            """)
        var copy = PostgresBinaryCopy(capacity: rows.count * 120)
        for row in rows {
            let c = row.columns
            copy.appendRow(fields: 6) { copy in
                copy.text(row.key)
                copy.int32(id(c.modelID))
                copy.int64(c.picodollars)
                copy.text(c.unpricedReason)
                copy.int32(id(c.pricePeriod))
                copy.int32(id(c.priceLayers))
            }
        }
        try connection.copyIn(
            "COPY tokenledger_reprice (dedup_key, model_id, cost_pusd, unpriced_reason, price_period, price_layers) FROM STDIN (FORMAT binary)",
            data: copy.finish())
        try connection.execute("""
            UPDATE usage_row SET model_id = r.model_id, cost_pusd = r.cost_pusd, unpriced_reason = r.unpriced_reason,
                price_period = r.price_period, price_layers = r.price_layers
            FROM tokenledger_reprice r WHERE usage_row.dedup_key = r.dedup_key
            """)
        try connection.execute("TRUNCATE tokenledger_reprice")
    }

    /// Where `stored` is in the order reprice pages in: its time, then its id.
    private static func place(_ stored: StoredRecord) -> (ts: Int64, id: Int64) {
        (CopyRow.milliseconds(stored.record.timestamp), stored.id)
    }

    /// One page of records after `after` (its time and id; nil: from the first) in time then id order,
    /// as the SQLite ledger reads them back. Pages go through the `ts` index (`id` has none since v11).
    /// The rows are read from `usage_row` and their name ids turned into names through `names` (every
    /// name of the ledger, read again when a row holds one added since).
    ///
    /// Performance notes: read through the `usage_record` view, the server joined every row with the
    /// name table ten times: a dry run over 5M records took 60 s against 35 s before names were ids.
    static func storedRecords(after: (ts: Int64, id: Int64)?, limit: Int, names: inout [Int64: String],
                              on connection: PostgresConnection) throws -> [StoredRecord] {
        let columns = storedColumns.joined(separator: ", ")
        let rows = try after.map { after in
            try connection.execute("SELECT \(columns) FROM usage_row WHERE (ts, id) > ($1, $2) ORDER BY ts, id LIMIT $3",
                                   [after.ts, after.id, Int64(limit)])
        } ?? connection.execute("SELECT \(columns) FROM usage_row ORDER BY ts, id LIMIT $1", [Int64(limit)])
        var records: [StoredRecord] = []
        records.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            do {
                records.append(try storedRecord(rows, row, names: names))
            } catch is NameMissing {
                names = try allNames(on: connection)
                records.append(try storedRecord(rows, row, names: names))
            }
        }
        return records
    }

    /// Every name of the ledger by its id. Cost: one read of `tokenledger_name`.
    static func allNames(on connection: PostgresConnection) throws -> [Int64: String] {
        let rows = try connection.execute("SELECT id, name FROM tokenledger_name")
        var names: [Int64: String] = [:]
        names.reserveCapacity(rows.count)
        for row in 0..<rows.count { names[try rows.requiredInt64(row, 0)] = try rows.requiredText(row, 1) }
        return names
    }
}
