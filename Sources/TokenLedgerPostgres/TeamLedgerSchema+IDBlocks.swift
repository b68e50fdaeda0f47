/// Migration v13: a batch's ids are taken from `usage_record.id`'s sequence as one block
/// (`tokenledger_reserve_ids(n)`: the first of `n` consecutive ids), where v11 took them one
/// `nextval` a row.
///
/// The block is the sequence's next value and the `n − 1` after it, claimed by moving the sequence
/// past them; a session-level advisory lock held only for those two steps keeps two writers from
/// claiming overlapping blocks. Every tokenledger writer takes ids this way — a straight COPY
/// (`TeamLedger.reserveIDs`) and the staged upsert (`TeamLedger.upsertSQL`) — so only an insert made
/// by hand that leaves `id` to the column's default could take an id inside a block being claimed.
///
/// Performance notes: `nextval` a row was about 0.7 µs of the server's time each while the other
/// connection copied (2.8 ms a 4,096-row batch, a tenth of the server's statement time in an
/// import of 300,000 chat lines, `log_min_duration_statement = 0`); the block is one call a batch.
extension TeamLedgerSchema {
    /// The advisory lock key held while a block of ids is claimed.
    static let idBlockLock: Int64 = 0x746C_6964_626C_0001

    static let v13: [String] = [
        """
        CREATE FUNCTION tokenledger_reserve_ids(n integer) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            first bigint;
        BEGIN
            IF n < 1 THEN
                RETURN NULL;
            END IF;
            PERFORM pg_advisory_lock(\(idBlockLock));
            BEGIN
                first := nextval('usage_record_id_seq');
                IF n > 1 THEN
                    PERFORM setval('usage_record_id_seq', first + n - 1);
                END IF;
            EXCEPTION WHEN OTHERS THEN
                PERFORM pg_advisory_unlock(\(idBlockLock));
                RAISE;
            END;
            PERFORM pg_advisory_unlock(\(idBlockLock));
            RETURN first;
        END $$
        """,
    ]
}
