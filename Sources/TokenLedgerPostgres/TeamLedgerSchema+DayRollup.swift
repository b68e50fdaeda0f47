/// The team ledger's day tier of the report rollup (migration v5), as the SQLite ledger's
/// (`LedgerSchema+DayRollup`): usage summed per UTC day × provider × model × effort × kind × project ×
/// source × unpriced cause × machine, kept by statement-level triggers like `report_rollup` (one grouped
/// upsert per INSERT/UPDATE/DELETE statement), filled from the records already stored.
extension TeamLedgerSchema {
    /// The day tier's key columns and the value each takes from a `usage_record` row. NULL projects
    /// are stored as '' with `no_project` true (a primary key column cannot be NULL).
    static let dayRollupKeys: [(column: String, definition: String, value: String)] = [
        ("day", "BIGINT NOT NULL", "ts / 86400000"),
        ("provider", "TEXT NOT NULL", "provider"),
        ("model_key", "TEXT NOT NULL", "coalesce(model_id, model)"),
        ("resolved", "BOOLEAN NOT NULL", "(model_id IS NOT NULL)"),
        ("effort", "TEXT NOT NULL", "effort"),
        ("is_aggregate", "BOOLEAN NOT NULL", "is_aggregate"),
        ("project", "TEXT NOT NULL", "coalesce(project, '')"),
        ("no_project", "BOOLEAN NOT NULL", "(project IS NULL)"),
        ("source", "TEXT NOT NULL", "source"),
        ("unpriced_reason", "TEXT NOT NULL", "CASE WHEN cost_pusd IS NULL THEN coalesce(unpriced_reason, '') ELSE '' END"),
        ("machine", "TEXT NOT NULL", "machine"),
    ]

    /// Adds (`sign` 1) or takes away (−1) the day-tier contribution of the transition table `rows`.
    static func dayRollupUpsert(from rows: String, sign: Int) -> String {
        let sums = rollupSums.map { sign < 0 ? "-(\($0.aggregate))" : $0.aggregate }
        let keys = dayRollupKeys.map(\.column).joined(separator: ", ")
        let positions = (1...dayRollupKeys.count).map(String.init).joined(separator: ", ")
        return """
            INSERT INTO report_rollup_day (\(keys), \(rollupSums.map(\.column).joined(separator: ", ")))
            SELECT \((dayRollupKeys.map(\.value) + sums).joined(separator: ", "))
            FROM \(rows) GROUP BY \(positions) ORDER BY \(positions)
            ON CONFLICT (\(keys)) DO UPDATE SET
            \(rollupSums.map { "\($0.column) = report_rollup_day.\($0.column) + excluded.\($0.column)" }.joined(separator: ", "))
            """
    }

    static let v5: [String] = [
        """
        CREATE TABLE report_rollup_day (
            \(dayRollupKeys.map { "\($0.column) \($0.definition)" }.joined(separator: ",\n    ")),
            records BIGINT NOT NULL, requests BIGINT NOT NULL, input_tokens BIGINT NOT NULL,
            cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL, cost_pusd NUMERIC NOT NULL,
            unpriced_records BIGINT NOT NULL, unpriced_requests BIGINT NOT NULL, unpriced_tokens BIGINT NOT NULL,
            reconciled_records BIGINT NOT NULL, reported_pusd NUMERIC NOT NULL, reported_computed_pusd NUMERIC NOT NULL,
            reported_unpriced_records BIGINT NOT NULL, reported_unpriced_pusd NUMERIC NOT NULL,
            PRIMARY KEY (\(dayRollupKeys.map(\.column).joined(separator: ", ")))
        )
        """,
        dayRollupUpsert(from: "usage_record", sign: 1),
        """
        CREATE FUNCTION tokenledger_rollup_day_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(dayRollupUpsert(from: "new_rows", sign: 1));
            RETURN NULL;
        END $$
        """,
        """
        CREATE FUNCTION tokenledger_rollup_day_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(dayRollupUpsert(from: "old_rows", sign: -1));
            \(dayRollupUpsert(from: "new_rows", sign: 1));
            RETURN NULL;
        END $$
        """,
        """
        CREATE FUNCTION tokenledger_rollup_day_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(dayRollupUpsert(from: "old_rows", sign: -1));
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER usage_record_rollup_day_insert AFTER INSERT ON usage_record REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tokenledger_rollup_day_insert()",
        "CREATE TRIGGER usage_record_rollup_day_update AFTER UPDATE ON usage_record REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tokenledger_rollup_day_update()",
        "CREATE TRIGGER usage_record_rollup_day_delete AFTER DELETE ON usage_record REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tokenledger_rollup_day_delete()",
        "ANALYZE report_rollup_day",
    ]
}
