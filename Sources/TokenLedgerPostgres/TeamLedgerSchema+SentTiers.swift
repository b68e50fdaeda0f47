import TokenLedgerLedger

/// Migration v12: a straight COPY's writer adds the batch to both report tiers itself, from the sums
/// the import's reading thread made (`PricedBatch.tierSums`), and the rollup insert trigger leaves
/// that statement's rows alone.
///
/// The writer turns the transaction-local setting `tokenledger.tiers_sent` on right before the COPY
/// (inside the COPY's savepoint, so a refused COPY rolls it back with the rows) and off right after,
/// then takes the write lock and upserts the batch's tier rows (`TeamLedger.addSentTiers`). Every
/// other insert — a staged upsert, push, another machine's older tokenledger, `psql` — leaves the
/// setting off and the trigger sums its rows as before.
///
/// Performance notes: the trigger grouped every new row of a batch by both tiers' keys, 11 % of the
/// server's CPU in an import of 300,000 chat lines (`perf record -a -g`, docs/performance.md); the
/// reading thread sums the same rows for the SQLite ledger already (`RollupAccumulator`, about
/// 0.1 s per 300,000). The server still keeps each new row in the statement's transition table.
extension TeamLedgerSchema {
    /// The transaction-local setting that tells the rollup insert trigger the writer adds the tiers.
    static let tiersSentSetting = "tokenledger.tiers_sent"

    static let v12: [String] = [
        rollupFunction("tokenledger_rollup_insert", [onePassRollupUpsert(from: "new_rows")], lock: """
            IF current_setting('\(tiersSentSetting)', true) = 'on' THEN
                RETURN NULL;
            END IF;
            PERFORM tokenledger_write_lock();
            """)
    ]

    /// Where each of `rollupSums`' columns is in the SQLite ledger's sums (`RollupAccumulator.sumColumns`):
    /// the same column, or for money the `*_micro` and `*_rest` pair (`*_pusd` = micro × 10⁶ + rest).
    /// Nil if a column has no counterpart (then the trigger sums the rows).
    static let sentSumSources: [SentSumSource]? = {
        let local = RollupAccumulator.sumColumns
        var sources: [SentSumSource] = []
        for (column, _) in rollupSums {
            if let same = local.firstIndex(of: column) {
                sources.append(.count(same))
            } else if column.hasSuffix("_pusd"), let micro = local.firstIndex(of: column.dropLast(5) + "_micro"),
                      let rest = local.firstIndex(of: column.dropLast(5) + "_rest") {
                sources.append(.money(micro: micro, rest: rest))
            } else {
                return nil
            }
        }
        return sources
    }()

    /// How one sent tier column is made from the SQLite ledger's sums.
    enum SentSumSource: Equatable {
        case count(Int)
        case money(micro: Int, rest: Int)

        /// The column's value from one row's `totals`.
        func value(_ totals: [Int64]) -> Int128 {
            switch self {
            case .count(let index): return Int128(totals[index])
            case .money(let micro, let rest): return Int128(totals[micro]) * 1_000_000 + Int128(totals[rest])
            }
        }
    }
}

extension TeamLedger {
    /// Adds `tiers` (one batch's sums) to both report tiers as written by this machine, after taking
    /// the write lock and turning `tokenledger.tiers_sent` off again; inside the batch's transaction,
    /// right after its straight COPY. Cost: two statements a batch (more past 1,000 tier rows), a few
    /// dozen rows each.
    func addSentTiers(_ tiers: RollupAccumulator, sources: [TeamLedgerSchema.SentSumSource], on connection: PostgresConnection) throws {
        try connection.execute("SELECT set_config('\(TeamLedgerSchema.tiersSentSetting)', '', true), tokenledger_write_lock()")
        let machine = self.machine
        let sumColumns = TeamLedgerSchema.rollupSums.map(\.column)
        func upsert<Key>(_ table: String, keys: [String], _ rows: [(Key, [Int64])], values: (Key) -> [any PostgresParameter]) throws {
            try Self.insertRows(
                "INSERT INTO \(table) (\((keys + sumColumns).joined(separator: ", ")))", rows,
                suffix: "ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET "
                    + sumColumns.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", "),
                on: connection
            ) { key, totals in
                values(key) + sources.map { String($0.value(totals)) }
            }
        }
        // Each accumulated row is one row of the tier here too: the keys are the tiers' own, with this machine.
        try upsert("report_rollup", keys: TeamLedgerSchema.rollupKeyColumns, Array(tiers.hourRows)) { key in
            [key.hour, key.provider, key.modelKey, key.resolved, key.effort, key.isAggregate, machine]
        }
        try upsert("report_rollup_day", keys: TeamLedgerSchema.dayRollupKeys.map(\.column), Array(tiers.dayRows)) { key in
            let k = key.hourKey
            return [key.day, k.provider, k.modelKey, k.resolved, k.effort, k.isAggregate, key.project ?? "", key.project == nil,
                    key.source, key.unpricedReason, machine]
        }
    }
}
