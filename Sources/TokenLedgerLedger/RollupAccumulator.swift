import GRDB
import TokenLedgerCore

/// The report rollup contribution of one batch of newly inserted rows, summed in memory and written
/// with one upsert per (hour, provider, model key, resolved, effort, kind) and one per day-tier key
/// (`LedgerSchema+DayRollup`) at the end of the batch: the whole of the rollup upkeep on the bulk
/// write path (`Ledger.insert` calls `write(to:)` once per batch).
/// Cost per row: a scan of the batch's keys so far while there are at most `scannedKeys` (a batch
/// of log lines spans a few hours and models, and a key comparison usually stops at the hour), else
/// one dictionary lookup; hashing the key's three strings for every row was 8 % of the import
/// writer's instructions. Memory: one entry per distinct rollup key in the batch.
package struct RollupAccumulator: Sendable {
    /// The primary key of a `report_rollup` row.
    package struct Key: Hashable, Sendable {
        package var hour: Int64
        package var provider: String
        package var modelKey: String
        package var resolved: Bool
        package var effort: String
        package var isAggregate: Bool
    }

    /// The primary key of a `report_rollup_day` row (`LedgerSchema.dayRollupKeys`): the day, the
    /// hourly key's other fields, and the keys only the day tier holds.
    package struct DayKey: Hashable, Sendable {
        package var day: Int64
        /// The hourly key's provider, model, effort and kind; its `hour` is 0, so each day's row
        /// sums every hour of the day.
        package var hourKey: Key
        package var project: String?
        package var source: String
        package var unpricedReason: String
    }

    /// The summed columns' names, in the order of each row's totals (`LedgerSchema.rollupSums`: money
    /// as `*_micro` and `*_rest`, the whole microdollars and the picodollars left over).
    package static var sumColumns: [String] { LedgerSchema.rollupSums.map(\.column) }

    /// Each hourly-tier key summed, with its totals (`sumColumns` order), in the order first seen.
    package var hourRows: Zip2Sequence<[Key], [[Int64]]> { zip(hours.keys, hours.totals) }

    /// Each day-tier key summed, with its totals (`sumColumns` order), in the order first seen.
    package var dayRows: Zip2Sequence<[DayKey], [[Int64]]> { zip(days.keys, days.totals) }

    private var hours = TierSums<Key>()
    private var days = TierSums<DayKey>()

    /// Adds one stored row's contribution to both tiers, exactly as their insert triggers would
    /// (`LedgerSchema.rollupKeys`, `dayRollupKeys` and `rollupSums`).
    mutating func add(_ row: StoredUsage) throws {
        let r = row.entry.record
        let t = r.tokens
        let modelID = row.cost.resolvedModel
        let key = Key(hour: row.timestampMilliseconds / 3_600_000, provider: r.provider, modelKey: modelID ?? r.model,
                      resolved: modelID != nil, effort: r.effort.rawValue, isAggregate: r.isAggregate)
        let values = RollupRowValues(
            requestCount: Int64(r.requestCount), input: Int64(t.input), cacheRead: Int64(t.cacheRead),
            cacheWrite5m: Int64(t.cacheWrite5m), cacheWrite1h: Int64(t.cacheWrite1h), output: Int64(t.output),
            reasoning: Int64(t.reasoning), cost: row.costPicodollars, reported: row.reportedPicodollars)
        let reason = row.costPicodollars == nil ? StoredUsage.unpricedReason(row.cost.status, picodollars: nil) ?? "" : ""
        var dayKey = DayKey(day: row.timestampMilliseconds / 86_400_000, hourKey: key, project: r.project, source: r.source,
                            unpricedReason: reason)
        dayKey.hourKey.hour = 0
        // The row's contribution to each summed column, worked out once for both tiers.
        let columns = LedgerSchema.rollupSums
        let (hoursFit, daysFit) = withUnsafeTemporaryAllocation(of: Int64.self, capacity: columns.count) { contribution in
            for i in 0..<columns.count { contribution[i] = columns[i].swift(values) }
            let sums = UnsafeBufferPointer(contribution)
            return (hours.add(sums, at: key), days.add(sums, at: dayKey))
        }
        // SQLite's SUM() fails the same way on an integer overflow.
        if !hoursFit || !daysFit {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "integer overflow")
        }
    }

    /// Upserts every accumulated rollup row of both tiers (nothing when no row was added).
    func write(to db: Database) throws {
        if hours.keys.isEmpty { return }
        let statement = try db.cachedStatement(sql: LedgerSchema.rollupAddSQL)
        for (key, totals) in zip(hours.keys, hours.totals) {
            var arguments: StatementArguments = [key.hour, key.provider, key.modelKey, key.resolved ? 1 : 0,
                                                 key.effort, key.isAggregate ? 1 : 0]
            arguments += StatementArguments(totals)
            try statement.execute(arguments: arguments)
        }
        let dayStatement = try db.cachedStatement(sql: LedgerSchema.dayRollupAddSQL)
        for (key, totals) in zip(days.keys, days.totals) {
            let k = key.hourKey
            var arguments: StatementArguments = [key.day, k.provider, k.modelKey, k.resolved ? 1 : 0, k.effort, k.isAggregate ? 1 : 0,
                                                 key.project ?? "", key.project == nil ? 1 : 0, key.source, key.unpricedReason]
            arguments += StatementArguments(totals)
            try dayStatement.execute(arguments: arguments)
        }
    }
}

/// One tier's sums for a batch: the distinct keys in the order first seen and their sums
/// (`LedgerSchema.rollupSums` order). Cost per row: a scan of the batch's keys so far while there are
/// at most `scannedKeys` (consecutive rows tend to share a key, and a comparison usually stops at the
/// hour or day), else one dictionary lookup.
private struct TierSums<K: Hashable & Sendable>: Sendable {
    private(set) var keys: [K] = []
    private(set) var totals: [[Int64]] = []
    /// Where each key is in `keys`, built once there are more than `scannedKeys`.
    private var positions: [K: Int] = [:]
    private static var scannedKeys: Int { 16 }
    private let columns = LedgerSchema.rollupSums

    /// The position of `key` in `keys`, adding it with zero sums when new: the newest `scannedKeys`
    /// keys are compared first (a log's rows come in time order, so a row's key is nearly always one
    /// of the last few: the current hour's models), then the dictionary of all of them is asked.
    ///
    /// Performance notes: a 16,384-row batch of the benchmark's chat log spans some 45
    /// hourly keys, and every row was looked up in the dictionary (hashing the key's strings) once a
    /// batch had more than 16: `tokenledger import --db postgres://…` of 300,000 chat lines, five
    /// alternating pairs, user and system CPU median 1.18 → 1.15 s.
    private mutating func position(of key: K) -> Int {
        let newest = max(0, keys.count - Self.scannedKeys)
        for i in (newest..<keys.count).reversed() where keys[i] == key { return i }
        if newest > 0, let known = positions[key] { return known }
        keys.append(key)
        totals.append([Int64](repeating: 0, count: columns.count))
        if keys.count > Self.scannedKeys {
            if positions.isEmpty {
                for (i, k) in keys.enumerated() { positions[k] = i }
            } else {
                positions[key] = keys.count - 1
            }
        }
        return keys.count - 1
    }

    /// Adds one row's values at `key`; false when a sum overflowed.
    /// Adds one row's `contribution` (a value per `LedgerSchema.rollupSums` column) to `key`'s totals;
    /// false when a sum overflowed.
    mutating func add(_ contribution: UnsafeBufferPointer<Int64>, at key: K) -> Bool {
        var overflow = false
        let at = position(of: key)
        totals[at].withUnsafeMutableBufferPointer { totals in
            for i in 0..<min(totals.count, contribution.count) {
                let (sum, over) = totals[i].addingReportingOverflow(contribution[i])
                totals[i] = sum
                overflow = overflow || over
            }
        }
        return !overflow
    }
}
