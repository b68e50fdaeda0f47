/// Migration v14: `usage_record.dedup_key` compares as bytes (`COLLATE "C"`), whatever the database's
/// default collation.
///
/// A dedup key is an identifier, not text anyone sorts by language: only equality matters, and the
/// `UNIQUE` index's order. In a database created with a language's collation (a server initialised
/// with `en_US.UTF-8`, or an ICU locale) every comparison in that index went through the locale's
/// rules, and the index's order was not the byte order in which a straight COPY sends a batch's rows
/// (`RecordRows.sendKeyOrdered`), so their inserts landed all over it again. The column keeps its type;
/// the server rebuilds its index (no table rewrite), so a large ledger's upgrade takes as long as
/// building that one index.
///
/// Performance notes: `tokenledger-bench team-import` into a database created with
/// `LOCALE_PROVIDER icu ICU_LOCALE 'en-US'` before this migration: the server's CPU for push's first
/// pass about 3.4 s against 2.4 s in a "C" database (docs/performance.md, "Team ledger").
extension TeamLedgerSchema {
    static let v14: [String] = [
        #"ALTER TABLE usage_record ALTER COLUMN dedup_key TYPE text COLLATE "C""#,
        // Rebuilding the index must not lose its role as the row's replica identity (v11).
        "ALTER TABLE usage_record REPLICA IDENTITY USING INDEX usage_record_dedup_key_key",
    ]
}
