import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// How the team ledger stores records. A batch is sent as binary COPY rows (`RecordRows`); when none
/// of its keys can be stored yet it is copied straight into `usage_record`, otherwise it goes into a
/// per-connection staging table and moves into `usage_record` with one `INSERT … ON CONFLICT
/// (dedup_key)` upsert — the SQLite ledger's rule exactly: a new key is added, a stored key is replaced
/// only by a strictly higher supersede rank, anything else adds nothing.
///
/// Whether keys can clash is found out by trying: the straight COPY runs under a savepoint, and the
/// `dedup_key` UNIQUE index refuses the whole COPY at the first key already stored (nothing of it
/// stays; the server logs one "duplicate key" error), after which the batch is staged and upserted,
/// and so is every later batch on that connection (`TeamLedger.keysMayClash`). Batches known to
/// replace rows (push's re-sent rows) are checked by key first (`rowsThatMayChange`): only the rows
/// whose key is not stored or is stored with a lower rank are staged and upserted. Exactly once holds
/// either way: the UNIQUE index is the guard, and writers hold the write lock.
///
/// Performance notes: COPY sends each record with no per-row round trip or bind. Straight into the
/// table the server writes each row once (the heap's multi-row insert) instead of into staging, then
/// reading it back through an upsert that probes the key first: 3.7 s against 5.5 s of server CPU for
/// 300,000 rows in 4,096-row batches (psql, same run). Binary against text COPY: the same server CPU
/// within noise, 2-4 % less client CPU (see docs/performance.md).
extension TeamLedger {
    /// The upsert from staging into usage_record, returning one row per inserted or replaced record
    /// (inserted or not, and for an unpriced one its reason, model and requests).
    static var upsertSQL: String {
        let columns = recordColumns.joined(separator: ", ")
        let updates = recordColumns.filter { $0 != "dedup_key" }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        // Each staged row gets an id of one block claimed for them all, in key order (a row that
        // replaces a stored one keeps its id; its id of the block goes unused).
        return """
            WITH block AS (SELECT tokenledger_reserve_ids((SELECT count(*)::integer FROM tokenledger_staging)) AS first)
            INSERT INTO usage_row (id, \(columns))
            SELECT block.first + row_number() OVER (ORDER BY dedup_key) - 1, \(columns) FROM tokenledger_staging, block
            ORDER BY dedup_key
            ON CONFLICT (dedup_key) DO UPDATE SET \(updates)
            WHERE excluded.supersede_rank > usage_row.supersede_rank
            RETURNING (xmax = 0), unpriced_reason, (SELECT name FROM tokenledger_name WHERE id = coalesce(usage_row.model_id, usage_row.model)),
                request_count, (cost_pusd IS NULL)
            """
    }

    /// Stores `records` as written by `machine` inside the caller's transaction (which must hold
    /// `TeamLedgerSchema.writeLock`). Within the batch, per key only the first copy of the highest rank
    /// is sent; the others, with the copies the batch folded before (`superseded`, by key), are counted
    /// as one in-order pass of the SQLite ledger counts them (`SupersededCopies`: against the rank
    /// stored before the batch), so `import` prints the same summary on both engines. Cost: one COPY
    /// of the batch (and, when its keys clash, one upsert and, for folded keys, one read of their
    /// stored ranks).
    func upsert(_ records: [StoredRecord], superseded: [String: SupersededCopies] = [:], ids: [Int64]? = nil,
                on connection: PostgresConnection) throws -> InsertCounts {
        guard !records.isEmpty else { return InsertCounts() }
        var copies = superseded
        var position: [String: Int] = [:]  // dedup key → its place in `order`
        var order: [Int] = []              // the copy sent per key, in first-seen order
        for (index, record) in records.enumerated() {
            guard let at = position[record.entry.dedupKey] else {
                position[record.entry.dedupKey] = order.count
                order.append(index)
                continue
            }
            let previous = records[order[at]]
            if record.entry.supersedeRank > previous.entry.supersedeRank {
                copies[record.entry.dedupKey, default: SupersededCopies()]
                    .supersede(SupersededCopies.Copy(rank: previous.entry.supersedeRank))
                order[at] = index
            } else {
                copies[record.entry.dedupKey, default: SupersededCopies()].addDuplicate()
            }
        }
        var rows = RecordRows(capacity: order.count, reusing: copyBuffers.take(), names: names.lookup())
        for index in order {
            rows.append(records[index], machine: machine)
        }
        var storedRanks: [String: Int] = [:]
        var counts = try store(rows, replacing: false, rankingKeys: !copies.isEmpty, storedRanks: &storedRanks, ids: ids, on: connection)
        for (key, folded) in copies { folded.count(into: &counts, storedRank: storedRanks[key]) }
        return counts
    }

    /// `upsert(_:superseded:on:)` for an import batch: when its keys are all different (`distinctKeys`:
    /// its dedup hashes are, as the batch builder leaves them but for a hash shared by two keys), its
    /// rows go into the COPY straight from the columns the reading thread computed; otherwise through
    /// its `storedRecords`, folding copies of one key. Either way the same rows and counts. `ids`: ids
    /// reserved for the batch's rows (at least one a row), nil to reserve them if copied straight.
    func upsert(_ batch: PricedBatch, distinctKeys: Bool, ids: [Int64]? = nil, on connection: PostgresConnection) throws -> InsertCounts {
        let superseded = batch.supersededByKey
        guard distinctKeys else { return try upsert(batch.storedRecords, superseded: superseded, ids: ids, on: connection) }
        guard batch.count > 0 else { return InsertCounts() }
        var machine = self.machine
        func encode(omitting: ColumnOmission?) -> RecordRows {
            machine.withUTF8 { utf8 in
                var rows = RecordRows(capacity: batch.count, reusing: copyBuffers.take(), omitting: omitting, names: names.lookup())
                batch.forEachRow { rows.append($0, machine: UnsafeRawBufferPointer(utf8)) }
                return rows
            }
        }
        // A straight COPY leaves out the columns the batch before held no value in (`ColumnOmission`);
        // staging takes them all.
        let straight = !keysMayClash
        var rows = encode(omitting: straight ? ColumnOmission(defaults: TeamLedger.recordDefaults, differing: omittable.value) : nil)
        if rows.lostValues {
            copyBuffers.give(rows.copy.bytes)
            rows = encode(omitting: ColumnOmission(defaults: TeamLedger.recordDefaults, differing: rows.differing))
        }
        if straight { omittable.value = rows.differing }
        var storedRanks: [String: Int] = [:]
        var counts = try store(rows, replacing: false, rankingKeys: !superseded.isEmpty, storedRanks: &storedRanks, ids: ids,
                               tiers: batch.tierSums, whole: straight ? { encode(omitting: nil) } : nil, on: connection)
        for (key, folded) in superseded { folded.count(into: &counts, storedRank: storedRanks[key]) }
        return counts
    }

    /// `store(_:replacing:rankingKeys:storedRanks:on:)` without reading stored ranks.
    func store(_ rows: RecordRows, replacing: Bool, on connection: PostgresConnection) throws -> InsertCounts {
        var unused: [String: Int] = [:]
        return try store(rows, replacing: replacing, rankingKeys: false, storedRanks: &unused, on: connection)
    }

    /// Stores `rows` (distinct keys) inside the caller's transaction, which holds the write lock:
    /// straight into `usage_record` unless a key may already be stored (`replacing`, or an earlier
    /// clash on this connection), else through staging and the upsert.
    /// With `rankingKeys`, `storedRanks` gets the rank stored before the upsert for each of the batch's
    /// keys that was stored (a straight COPY means none was). A straight COPY gives the rows `ids` (the
    /// first of them, ascending), or ids reserved here when nil, and adds `tiers` (the rows' report-tier
    /// sums, when the reading thread made them) to the tiers instead of the rollup trigger. Rows that
    /// leave fields out go only straight into the table: if the COPY is refused, `whole` gives them
    /// again with every field, for staging.
    func store(_ rows: RecordRows, replacing: Bool, rankingKeys: Bool, storedRanks: inout [String: Int], ids: [Int64]? = nil,
               tiers: RollupAccumulator? = nil, whole: (() -> RecordRows)? = nil, on connection: PostgresConnection) throws -> InsertCounts {
        var counts = InsertCounts()
        guard rows.count > 0 else { return counts }
        var rows = rows
        try resolveNames(in: &rows, on: connection)
        var count = rows.count
        let unpriced = rows.unpriced
        var data = rows.copy.bytes // the rows, without the trailer (not copied)
        defer { copyBuffers.give(rows.copy.bytes) }
        if !replacing && !keysMayClash {
            let ids = try ids.map { Array($0.prefix(count)) } ?? Self.reserveIDs(count, on: connection)
            try connection.execute("SAVEPOINT tokenledger_copy")
            // Turned on inside the savepoint, so a refused COPY turns it off with its rows.
            let sentTiers = tiers.flatMap { tiers in TeamLedgerSchema.sentSumSources.map { (tiers, $0) } }
            if sentTiers != nil { try connection.execute("SELECT set_config('\(TeamLedgerSchema.tiersSentSetting)', 'on', true)") }
            var refused = false
            do {
                let columns = rows.columns
                try connection.copyIn("COPY usage_row (id, \(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)") {
                    RecordRows.sendKeyOrdered(data, ends: rows.rowEnds, ids: ids, fields: columns.count + 1, to: $0)
                }
            } catch {
                // 23505: a key of this batch is stored already. Nothing of the COPY stays; stage from now on.
                guard case .statement(let state, _) = error, state == "23505" else { throw error }
                try connection.execute("ROLLBACK TO SAVEPOINT tokenledger_copy")
                keysMayClash = true
                refused = true
            }
            if !refused {
                if let (tiers, sources) = sentTiers { try addSentTiers(tiers, sources: sources, on: connection) }
                counts.inserted = count
                for cause in unpriced { counts.countUnpriced(reason: cause.reason, model: cause.model, requests: cause.requests) }
                return counts
            }
        }
        // Staging takes every field: rows written for a straight COPY that leave some out (refused
        // above, or found too late that keys may clash) are written again whole.
        if (rows.omitting?.count ?? 0) > 0 {
            guard let whole else { throw PostgresError.unexpectedValue("rows without their default fields to stage") }
            return try store(whole(), replacing: replacing, rankingKeys: rankingKeys, storedRanks: &storedRanks, on: connection)
        }
        if replacing && !rankingKeys {
            // Only the rows that can change the ledger are staged and upserted (under the write lock,
            // so the answer holds until the upsert); the others add nothing, as the upsert would say.
            try connection.execute(TeamLedgerSchema.takeWriteLock)
            let changing = try rowsThatMayChange(rows, data: data, on: connection)
            if changing.count < count {
                counts.duplicates += count - changing.count
                guard !changing.isEmpty else { return counts }
                var subset = PostgresBinaryCopy(capacity: data.count)
                for index in changing { subset.raw(data[RecordRows.row(index, of: data, ends: rows.rowEnds)]) }
                data = subset.bytes
                count = changing.count
            }
        }
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS tokenledger_staging ON COMMIT DELETE ROWS AS
            SELECT \(Self.recordColumns.joined(separator: ", ")) FROM usage_row WITH NO DATA
            """)
        try connection.copyIn("COPY tokenledger_staging (\(Self.recordColumns.joined(separator: ", "))) FROM STDIN (FORMAT binary)") { send in
            data.withUnsafeBytes { send($0) }
            PostgresBinaryCopy.trailer.withUnsafeBytes { send($0) }
        }
        // A batch staged before its writer held the write lock (push's second connection, the import's
        // chained batches: after the batch before it) takes it here, before it reads stored ranks or
        // upserts; for a writer holding it already this is free.
        try connection.execute(TeamLedgerSchema.takeWriteLock)
        if rankingKeys {
            let stored = try connection.execute(
                "SELECT u.dedup_key, u.supersede_rank FROM tokenledger_staging s JOIN usage_row u USING (dedup_key)")
            for row in 0..<stored.count {
                storedRanks[try stored.requiredText(row, 0)] = Int(try stored.requiredInt64(row, 1))
            }
        }
        let result = try connection.execute(Self.upsertSQL)
        for row in 0..<result.count {
            // As on SQLite, only a new record counts as unpriced: a replaced one was counted when first stored.
            if try result.requiredBool(row, 0) {
                counts.inserted += 1
                if try result.requiredBool(row, 4) {
                    counts.countUnpriced(reason: result.text(row, 1), model: try result.requiredText(row, 2), requests: Int(try result.requiredInt64(row, 3)))
                }
            } else {
                counts.replaced += 1
            }
        }
        counts.duplicates += count - result.count
        try connection.execute("TRUNCATE tokenledger_staging")
        return counts
    }

    /// `count` new ids from `usage_record.id`'s sequence, ascending: the ids of a batch's rows in the
    /// batch's order (`RecordRows.keyOrdered`). Cost: one statement, which claims the block
    /// (`tokenledger_reserve_ids`, migration v13).
    static func reserveIDs(_ count: Int, on connection: PostgresConnection) throws -> [Int64] {
        guard count > 0 else { return [] }
        let first = try connection.execute("SELECT tokenledger_reserve_ids($1::integer)", [Int64(count)]).requiredInt64(0, 0)
        return Array(first..<(first + Int64(count)))
    }

    /// The indexes (in `rows`) of the rows whose key is not stored, or is stored with a lower supersede
    /// rank: the only ones the upsert would insert or replace. `data` is `rows`' COPY data. Cost: a
    /// COPY of each row's key and rank (its first two fields, as encoded) into a temporary table and
    /// one probe of the `dedup_key` index per row.
    ///
    /// Performance notes: an unchanged re-push (every row re-sent, none replacing) staged every row
    /// whole and ran the upsert, which locks each stored row it then leaves as it is (a heap write and
    /// a WAL record a row).
    private func rowsThatMayChange(_ rows: RecordRows, data: [UInt8], on connection: PostgresConnection) throws -> [Int] {
        var probe = PostgresBinaryCopy(capacity: rows.count * 80)
        data.withUnsafeBytes { base in
            for index in 0..<rows.count {
                // A row: field count (2 bytes), dedup_key (4-byte length, text), supersede_rank (4 + 4 bytes).
                let start = RecordRows.row(index, of: data, ends: rows.rowEnds).lowerBound + 2
                let keyLength = data[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
                probe.appendRow(fields: 3, guess: keyLength + 32) { row in
                    row.encoded(UnsafeRawBufferPointer(rebasing: base[start..<(start + 4 + keyLength + 8)]))
                    row.int32(Int32(index))
                }
            }
        }
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS tokenledger_probe (dedup_key TEXT NOT NULL, supersede_rank INTEGER NOT NULL, ord INTEGER NOT NULL)
            ON COMMIT DELETE ROWS
            """)
        try connection.copyIn("COPY tokenledger_probe (dedup_key, supersede_rank, ord) FROM STDIN (FORMAT binary)", data: probe.finish())
        let changing = try connection.execute("""
            SELECT p.ord FROM tokenledger_probe p
            WHERE NOT EXISTS (SELECT FROM usage_row u WHERE u.dedup_key = p.dedup_key AND u.supersede_rank >= p.supersede_rank)
            ORDER BY p.ord
            """)
        try connection.execute("TRUNCATE tokenledger_probe")
        return try (0..<changing.count).map { Int(try changing.requiredInt64($0, 0)) }
    }
}

/// A batch of `usage_record` rows as binary COPY data, with what counting them needs when they are
/// all new (the cause of each unpriced one), so the straight COPY needs nothing back from the server.
struct RecordRows {
    var copy: PostgresBinaryCopy
    private(set) var count = 0
    private(set) var unpriced: [(reason: String?, model: String, requests: Int)] = []
    /// Where each row ends in `copy` (its first begins after the 19-byte header).
    private(set) var rowEnds: [Int] = []
    /// The name ids known as the rows are written (`NameIDs.lookup()`).
    var names: NameLookup

    /// The fields the rows leave out (nil: none), so `columns` lists the rest.
    let omitting: ColumnOmission?
    /// With `omitting`: a bit per field some row holds a value other than its column's default in.
    private(set) var differing: UInt64 = 0
    /// Whether a row has a value in a field the rows leave out: they must be written again.
    var lostValues: Bool { omitting.map { differing & $0.mask != 0 } ?? false }

    /// Room for about `capacity` rows; `buffer`: memory to write them into (`CopyBufferPool`);
    /// `omitting`: the fields the import batch's rows leave out (`append(_:machine:)`).
    /// `names`: the name ids known (`NameIDs.lookup()`); rows hold placeholders for the others.
    init(capacity: Int, reusing buffer: [UInt8] = [], omitting: ColumnOmission? = nil, names: NameLookup = NameLookup()) {
        copy = PostgresBinaryCopy(capacity: capacity * 300, reusing: buffer)
        self.names = names
        rowEnds.reserveCapacity(capacity)
        self.omitting = omitting
    }

    /// The `usage_record` columns each row holds, in its order.
    var columns: [String] { omitting?.sent(TeamLedger.recordColumns) ?? TeamLedger.recordColumns }

    /// The bytes of row `index` in `data` (`copy`'s bytes), from its field count on.
    static func row(_ index: Int, of data: [UInt8], ends: [Int]) -> Range<Int> {
        (index == 0 ? 19 : ends[index - 1])..<ends[index]
    }

    /// Appends `stored` as written by `machine`.
    mutating func append(_ stored: StoredRecord, machine: String) {
        CopyRow.append(stored, machine: machine, names: &names, to: &copy)
        count += 1
        rowEnds.append(copy.bytes.count)
        if stored.cost == nil {
            unpriced.append((stored.unpricedReason, stored.modelID ?? stored.record.model, stored.record.requestCount))
        }
    }

    /// Appends an import batch's row (`PricedBatch.forEachRow`) as written by `machine` (UTF-8).
    mutating func append(_ row: PricedRowColumns, machine: UnsafeRawBufferPointer) {
        differing |= CopyRow.append(row, machine: machine, omitting: omitting, names: &names, to: &copy)
        count += 1
        rowEnds.append(copy.bytes.count)
        if row.costPicodollars == nil {
            unpriced.append((row.unpricedReason, row.resolvedModel ?? row.entry.record.model, row.entry.record.requestCount))
        }
    }

    /// Counts one row appended to `copy` directly; `unpricedCause` when it has no cost.
    mutating func appended(unpricedCause: (reason: String?, model: String, requests: Int)?) {
        count += 1
        rowEnds.append(copy.bytes.count)
        if let unpricedCause { unpriced.append(unpricedCause) }
    }
}

/// The conversions a record's COPY row shares with the rest of the team ledger; the row itself is
/// written as binary COPY (`TeamLedger+Row.swift`).
enum CopyRow {
    /// Unix milliseconds, rounded as the SQLite ledger stores them.
    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The stored `tags` text: a JSON object with sorted keys (as the SQLite ledger writes it), or nil.
    static func tagsJSON(_ tags: [String: String]) -> String? {
        if tags.isEmpty { return nil }
        return JSONValue.object(JSONObject(tags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })).serialized()
    }
}
