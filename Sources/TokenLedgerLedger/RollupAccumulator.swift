import GRDB
import TokenLedgerCore

/// The report rollup contribution of one batch of newly inserted rows, summed in memory and written
/// with one upsert per (hour, provider, model key, resolved, effort, kind) at the end of the batch.
/// Cost per row: a scan of the batch's keys so far while there are at most `scannedKeys` (a batch
/// of log lines spans a few hours and models, and a key comparison usually stops at the hour), else
/// one dictionary lookup; hashing the key's three strings for every row was 8 % of the import
/// writer's instructions. Memory: one entry per distinct rollup key in the batch.
struct RollupAccumulator {
    /// The primary key of a `report_rollup` row.
    struct Key: Hashable {
        var hour: Int64
        var provider: String
        var modelKey: String
        var resolved: Bool
        var effort: String
        var isAggregate: Bool
    }

    /// The distinct keys in the order first seen, and their sums (`LedgerSchema.rollupSums` order).
    private var keys: [Key] = []
    private var totals: [[Int64]] = []
    /// Where each key is in `keys`, built once there are more than `scannedKeys`.
    private var positions: [Key: Int] = [:]
    private static let scannedKeys = 16
    private let columns = LedgerSchema.rollupSums

    /// The position of `key` in `keys`, adding it with zero sums when new.
    private mutating func position(of key: Key) -> Int {
        if keys.count <= Self.scannedKeys {
            // Newest first: consecutive rows tend to share a key.
            for i in keys.indices.reversed() where keys[i] == key { return i }
        } else if let known = positions[key] {
            return known
        }
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

    /// Adds one stored row's contribution, exactly as the insert trigger would
    /// (`LedgerSchema.rollupKeys` and `rollupSums`).
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
        var overflow = false
        let columns = self.columns
        let at = position(of: key)
        totals[at].withUnsafeMutableBufferPointer { totals in
            for i in 0..<columns.count {
                let (sum, over) = totals[i].addingReportingOverflow(columns[i].swift(values))
                totals[i] = sum
                overflow = overflow || over
            }
        }
        // SQLite's SUM() fails the same way on an integer overflow.
        if overflow { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "integer overflow") }
    }

    /// Upserts every accumulated rollup row (nothing when no row was added).
    func write(to db: Database) throws {
        guard !keys.isEmpty else { return }
        let statement = try db.cachedStatement(sql: LedgerSchema.rollupAddSQL)
        for (key, totals) in zip(keys, totals) {
            var arguments: StatementArguments = [key.hour, key.provider, key.modelKey, key.resolved ? 1 : 0,
                                                 key.effort, key.isAggregate ? 1 : 0]
            arguments += StatementArguments(totals)
            try statement.execute(arguments: arguments)
        }
    }
}
