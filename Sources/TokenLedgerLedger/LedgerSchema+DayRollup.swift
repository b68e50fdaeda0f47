import GRDB

/// The day tier of the report rollup (migration v7): usage summed per UTC day × provider × model ×
/// effort × kind × project × source × unpriced cause, so a year's report by month or by project reads
/// ~10⁵ rows instead of millions (`ReportPlan` says how local days, weeks and months are answered
/// from UTC days exactly). The same sums as `report_rollup` (`LedgerSchema.rollupSums`).
///
/// Why these keys (measured on the 5M-record benchmark ledger, `tokenledger-bench report`): project
/// and source cost little (source follows provider; 12 projects multiply a day's ~20 model rows by
/// ~12), and they are what a finance report groups by. The unpriced cause is empty for priced
/// records, so it adds rows only for unpriced ones, and lets the unpriced-causes line come from the
/// tier. Repository, branch, session and tags are left out: sessions and branches are nearly one per
/// record-day, and a report by them reads the records.
extension LedgerSchema {
    /// The day tier's key columns and the value each takes from a `usage_record` row (`r` its alias).
    /// NULL projects are stored as '' with `no_project` 1 (a primary key column cannot be NULL).
    static let dayRollupKeys: [(column: String, definition: String, value: @Sendable (String) -> String)] = [
        ("day", "INTEGER NOT NULL", { "\($0).ts / 86400000" }),
        ("provider", "TEXT NOT NULL", { "\($0).provider" }),
        ("model_key", "TEXT NOT NULL", { "coalesce(\($0).model_id, \($0).model)" }),
        ("resolved", "INTEGER NOT NULL", { "(\($0).model_id IS NOT NULL)" }),
        ("effort", "TEXT NOT NULL", { "\($0).effort" }),
        ("is_aggregate", "INTEGER NOT NULL", { "\($0).is_aggregate" }),
        ("project", "TEXT NOT NULL", { "coalesce(\($0).project, '')" }),
        ("no_project", "INTEGER NOT NULL", { "(\($0).project IS NULL)" }),
        ("source", "TEXT NOT NULL", { "\($0).source" }),
        ("unpriced_reason", "TEXT NOT NULL", { "iif(\($0).cost_pusd IS NULL, coalesce(\($0).unpriced_reason, ''), '')" }),
    ]

    /// The usage_record columns the day tier reads: an update of any other column leaves it alone.
    static let dayRollupReads = "ts, provider, model, model_id, effort, is_aggregate, project, source, unpriced_reason, request_count, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_pusd, reported_cost_pusd"

    /// v7: the table, filled from the records already stored, and its triggers (the insert trigger
    /// defers to `Ledger.insert`'s own upkeep, as the hourly rollup's does).
    static func createDayRollup(_ db: Database) throws {
        let keys = dayRollupKeys.map(\.column).joined(separator: ", ")
        try db.execute(sql: """
            CREATE TABLE report_rollup_day (
                \(dayRollupKeys.map { "\($0.column) \($0.definition)" }.joined(separator: ",\n")),
                \(rollupSums.map { "\($0.column) INTEGER NOT NULL DEFAULT 0" }.joined(separator: ",\n")),
                PRIMARY KEY (\(keys))
            ) WITHOUT ROWID
            """)
        try db.execute(sql: """
            INSERT INTO report_rollup_day (\(keys), \(rollupSums.map(\.column).joined(separator: ", ")))
            SELECT \(dayRollupKeys.map { $0.value("R") }.joined(separator: ", ")), \(rollupSums.map { "SUM(\($0.value("R")))" }.joined(separator: ", "))
            FROM usage_record AS R GROUP BY \((1...dayRollupKeys.count).map(String.init).joined(separator: ", "))
            """)
        try db.execute(sql: "CREATE TRIGGER usage_record_rollup_day_insert AFTER INSERT ON usage_record WHEN (SELECT deferred FROM report_rollup_control) = 0 BEGIN \(dayRollupUpsert(row: "NEW", sign: 1)); END")
        try db.execute(sql: "CREATE TRIGGER usage_record_rollup_day_delete AFTER DELETE ON usage_record BEGIN \(dayRollupUpsert(row: "OLD", sign: -1)); END")
        try db.execute(sql: "CREATE TRIGGER usage_record_rollup_day_update AFTER UPDATE OF \(dayRollupReads) ON usage_record BEGIN \(dayRollupUpsert(row: "OLD", sign: -1)); \(dayRollupUpsert(row: "NEW", sign: 1)); END")
    }

    /// One record's contribution added (`sign` 1) to or taken (−1) from its day row.
    static func dayRollupUpsert(row r: String, sign: Int) -> String {
        let columns = rollupSums.map(\.column)
        let values = rollupSums.map { sign < 0 ? "-(\($0.value(r)))" : "(\($0.value(r)))" }
        let keys = dayRollupKeys.map(\.column).joined(separator: ", ")
        return """
            INSERT INTO report_rollup_day (\(keys), \(columns.joined(separator: ", ")))
            VALUES (\(dayRollupKeys.map { $0.value(r) }.joined(separator: ", ")), \(values.joined(separator: ", ")))
            ON CONFLICT (\(keys)) DO UPDATE SET
            \(columns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }

    /// Adds one batch's accumulated day rows (`RollupAccumulator`): the key columns, then `rollupSums`.
    static var dayRollupAddSQL: String {
        let columns = rollupSums.map(\.column)
        let keys = dayRollupKeys.map(\.column).joined(separator: ", ")
        return """
            INSERT INTO report_rollup_day (\(keys), \(columns.joined(separator: ", ")))
            VALUES (\(Array(repeating: "?", count: dayRollupKeys.count + columns.count).joined(separator: ", ")))
            ON CONFLICT (\(keys)) DO UPDATE SET
            \(columns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }
}
