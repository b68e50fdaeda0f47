/// Migration v9: batches stored one after another on two connections take the write lock in order.
///
/// A writer storing a chain of batches (`BatchChain`: the import, push) keeps two open: batch N+1 is copied while
/// batch N updates its tiers and commits, and batch N+2 starts on N's connection once N committed.
/// Each such batch holds an advisory lock of its own (its ticket, `TeamLedger.BatchTicket`) from its
/// first statement to its end, and names the ticket of the batch before it in the transaction-local
/// setting `tokenledger.after_batch`. `tokenledger_write_lock()` — called by every rollup trigger and
/// by the writer before it writes anything else under the lock — first waits for that ticket (a
/// shared lock on it, granted once the batch before committed or rolled back), then takes
/// `writeLock`. So batch N+2, whose copy may end before N+1's, cannot take the write lock first and
/// then wait for N+1 to commit while N+1 waits for the lock; and every wait is the server's, so a
/// cycle with another machine's writer is one PostgreSQL finds and ends (`TeamLedgerError.writeConflict`).
/// Without the setting (every other writer) the function takes `writeLock` as the triggers did.
extension TeamLedgerSchema {
    /// The statement a writer runs to take the write lock after the batch before it (`v9`).
    static let takeWriteLock = "SELECT tokenledger_write_lock()"

    /// The lock line of the rollup trigger functions from v9 on.
    private static let lockAfterPreviousBatch = "PERFORM tokenledger_write_lock();"

    static let v9: [String] = [
        """
        CREATE OR REPLACE FUNCTION tokenledger_write_lock() RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            after text := current_setting('tokenledger.after_batch', true);
        BEGIN
            IF after <> '' THEN
                PERFORM pg_advisory_xact_lock_shared(after::bigint);
            END IF;
            PERFORM pg_advisory_xact_lock(\(writeLock));
        END $$
        """,
        rollupFunction("tokenledger_rollup_insert", [onePassRollupUpsert(from: "new_rows")], lock: lockAfterPreviousBatch),
        rollupFunction("tokenledger_rollup_update", [rollupUpsert(from: "old_rows", sign: -1), rollupUpsert(from: "new_rows", sign: 1)],
                       lock: lockAfterPreviousBatch),
        rollupFunction("tokenledger_rollup_delete", [rollupUpsert(from: "old_rows", sign: -1)], lock: lockAfterPreviousBatch),
        rollupFunction("tokenledger_rollup_day_update", [dayRollupUpsert(from: "old_rows", sign: -1), dayRollupUpsert(from: "new_rows", sign: 1)],
                       lock: lockAfterPreviousBatch),
        rollupFunction("tokenledger_rollup_day_delete", [dayRollupUpsert(from: "old_rows", sign: -1)], lock: lockAfterPreviousBatch),
    ]
}
