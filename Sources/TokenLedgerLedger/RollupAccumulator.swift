import GRDB
import TokenLedgerCore

/// The report rollup contribution of one batch of newly inserted rows, summed in memory and written
/// with one upsert per (hour, provider, model key, resolved, effort, kind) at the end of the batch.
/// Cost: one dictionary update per row; memory: one entry per distinct rollup key in the batch.
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

    private(set) var sums: [Key: [Int64]] = [:]
    private let columns = LedgerSchema.rollupSums

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
        sums[key, default: [Int64](repeating: 0, count: columns.count)].withUnsafeMutableBufferPointer { totals in
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
        guard !sums.isEmpty else { return }
        let statement = try db.cachedStatement(sql: LedgerSchema.rollupAddSQL)
        for (key, totals) in sums {
            var arguments: StatementArguments = [key.hour, key.provider, key.modelKey, key.resolved ? 1 : 0,
                                                 key.effort, key.isAggregate ? 1 : 0]
            arguments += StatementArguments(totals)
            try statement.execute(arguments: arguments)
        }
    }
}
