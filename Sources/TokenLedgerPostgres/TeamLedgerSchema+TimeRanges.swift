/// Migration v15: `usage_record.ts` is indexed by block ranges (BRIN), not by a B-tree.
///
/// A straight COPY sends a batch's rows in dedup-key order (v11), so their times arrive in no order
/// and each one was a B-tree insert somewhere among the index's last pages: a descent, a search and,
/// every few rows, a page split. A BRIN index keeps the lowest and highest `ts` of each range of 128
/// heap pages (about 2,000 records); a row added to the range being filled only looks the range up,
/// and the range is summarised once, when it is full. Records are stored a batch at a time
/// and a batch is a stretch of a log, so each range covers a short span of time and a query for a
/// period reads only the ranges that overlap it.
///
/// A BRIN index gives no order, so the readers that paged or took extremes along the B-tree read
/// through the hourly rollup instead: reprice pages by windows of whole hours (`TeamLedger.storedRecords`),
/// and a report's bounds come from the tier's first and last hour (`TeamLedger.recordTimeBounds`).
/// `autosummarize` has the server summarise each range once it is full.
///
/// A range of the index is a megabyte of rows, too coarse for what reports read most often from
/// the records: the unpriced records of the hours a time zone's day or month edge cuts from the
/// tiers (about 60 pieces of an hour or two for a month by day), whose reasons for being unpriced
/// only the records hold. Those have a B-tree of their own, `usage_record_unpriced_by_time`, partial
/// (`WHERE cost_pusd IS NULL`): a priced record, most of them, is not in it.
///
/// Performance notes: `scripts/team-copy-cost.py DSN key-order+tiers-sent key-order+tiers-sent+no-ts`,
/// five alternating pairs of 300,000 rows: the server's CPU with the B-tree 1.77–2.05 s (median 1.84 s),
/// without it 1.47–1.79 s (median 1.53 s). `tokenledger-bench team-report` (5M records, Europe/Berlin):
/// a month by model,effort,day 62 ms with the BRIN index alone (its ranges of 32 pages: 62 ms too),
/// 27 ms with the partial index.
extension TeamLedgerSchema {
    static let v15: [String] = [
        "DROP INDEX usage_record_by_time",
        "CREATE INDEX usage_record_by_time ON usage_record USING brin (ts) WITH (autosummarize = on)",
        "CREATE INDEX usage_record_unpriced_by_time ON usage_record (ts) WHERE cost_pusd IS NULL",
    ]
}
