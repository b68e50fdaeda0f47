/// Migration v8: the rows an INSERT statement adds are summed once for both report tiers. One trigger
/// groups the statement's new rows by the keys of both tiers together (an hour and a day tier key
/// pair, a few dozen groups a batch), then each tier's upsert adds those groups' sums up per its own
/// key. The sums are the same integers (and NUMERIC money) as summing the rows per tier.
///
/// Performance notes: the two tiers' triggers each grouped every new row with their 16 sums; grouping
/// them once costs about 3 ms less server CPU per 5,000-row batch (`scripts/team-copy-cost.py DSN
/// rollup-grouping`: 4.2 against 7.4 ms), some 0.2 s for 300,000 records (docs/performance.md, "Team
/// ledger"). Updates and deletes (reprice, a replacing upsert) keep the two triggers of each tier: they
/// are rare and touch few rows.
extension TeamLedgerSchema {
    /// The combined group key: name and value from a `usage_record` row (`hour` and `day` as each
    /// tier computes them; the others as both do).
    static let onePassKeys: [(column: String, value: String)] = [
        ("hour", "ts / 3600000"),
        ("day", "ts / 86400000"),
    ] + dayRollupKeys.filter { $0.column != "day" }.map { ($0.column, $0.value) }

    /// One statement adding the sums of the transition table `rows` to both tiers. With `namedKeys`
    /// (migration v15: rows whose name columns hold `tokenledger_name` ids), the rows are grouped by
    /// the ids and those key columns take their names after, once a group.
    static func onePassRollupUpsert(from rows: String, namedKeys: [String] = []) -> String {
        let keys = onePassKeys.map { "\($0.value) AS \($0.column)" }.joined(separator: ", ")
        let sums = rollupSums.map { "\($0.aggregate) AS \($0.column)" }.joined(separator: ", ")
        let resums = rollupSums.map { "sum(\($0.column))" }.joined(separator: ", ")
        let sumColumns = rollupSums.map(\.column).joined(separator: ", ")
        func upsert(_ table: String, _ tierKeys: [String]) -> String {
            let positions = (1...tierKeys.count).map(String.init).joined(separator: ", ")
            return """
                INSERT INTO \(table) (\(tierKeys.joined(separator: ", ")), \(sumColumns))
                SELECT \(tierKeys.joined(separator: ", ")), \(resums)
                FROM grouped GROUP BY \(positions) ORDER BY \(positions)
                ON CONFLICT (\(tierKeys.joined(separator: ", "))) DO UPDATE SET
                \(rollupSums.map { "\($0.column) = \(table).\($0.column) + excluded.\($0.column)" }.joined(separator: ", "))
                """
        }
        let grouping = "GROUP BY \((1...onePassKeys.count).map(String.init).joined(separator: ", "))"
        let grouped = namedKeys.isEmpty ? """
            grouped AS MATERIALIZED (
                SELECT \(keys), \(sums)
                FROM \(rows) \(grouping)
            )
            """ : """
            grouped_ids AS MATERIALIZED (
                SELECT \(keys), \(sums)
                FROM \(rows) \(grouping)
            ), grouped AS MATERIALIZED (
                SELECT \((onePassKeys.map(\.column) + rollupSums.map(\.column)).map { namedKeys.contains($0) ? "\($0)_name.name AS \($0)" : "g.\($0)" }
                    .joined(separator: ", "))
                FROM grouped_ids g \(namedKeys.map { "LEFT JOIN tokenledger_name \($0)_name ON \($0)_name.id = g.\($0)" }.joined(separator: " "))
            )
            """
        return """
            WITH \(grouped), hourly AS (
                \(upsert("report_rollup", rollupKeyColumns))
            )
            \(upsert("report_rollup_day", dayRollupKeys.map(\.column)))
            """
    }

    static let v8: [String] = [
        rollupFunction("tokenledger_rollup_insert", [onePassRollupUpsert(from: "new_rows")]),
        "DROP TRIGGER usage_record_rollup_day_insert ON usage_record",
        "DROP FUNCTION tokenledger_rollup_day_insert()",
    ]
}
