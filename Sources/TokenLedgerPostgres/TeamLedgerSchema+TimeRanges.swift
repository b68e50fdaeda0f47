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
/// Each range keeps up to 16 intervals of times (`int8_minmax_multi_ops`), not one lowest and
/// highest: an update writes a row's new version wherever a page has room, so after a reprice that
/// changed every record a range held months apart, and with a single interval the year by
/// month,project of `tokenledger-bench team-report` (5M records) read most of the table, 2.66 s; with
/// the intervals, 0.23 s.
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
/// The upgrade builds both indexes, a read of the table each: 1.5 s for both on the 5M-record ledger
/// of `tokenledger-bench team-report` (1 % of it unpriced), writers waiting meanwhile.
///
/// Performance notes: `scripts/team-copy-cost.py DSN key-order+tiers-sent key-order+tiers-sent+no-ts`,
/// five alternating pairs of 300,000 rows: the server's CPU with the B-tree 1.77–2.05 s (median 1.84 s),
/// without it 1.47–1.79 s (median 1.53 s). `tokenledger-bench team-report` (5M records, Europe/Berlin):
/// a month by model,effort,day 62 ms with the BRIN index alone (its ranges of 32 pages: 62 ms too),
/// 27 ms with the partial index.
extension TeamLedgerSchema {
    static let v15: [String] = [
        "DROP INDEX usage_record_by_time",
        "CREATE INDEX usage_record_by_time ON usage_record USING brin (ts int8_minmax_multi_ops) WITH (autosummarize = on)",
        "CREATE INDEX usage_record_unpriced_by_time ON usage_record (ts) WHERE cost_pusd IS NULL",
    ]
}

extension TeamLedger {
    /// Records stored by one import or push from which it summarises the `ts` index's new ranges
    /// itself: about 250 ranges of 128 pages at the benchmark's 512 bytes a row. The server takes a
    /// request to summarise each range as it fills (`autosummarize`), but keeps at most 256 such
    /// requests between two rounds of its autovacuum; the rest are dropped (its log says "request
    /// for BRIN range summarization … was not recorded") and wait for the table's next vacuum, which
    /// on a large ledger can be weeks away. Until then every query through the index reads those
    /// ranges whatever period it asks for.
    static let summarizeAfterRecords = 500_000

    /// Summarises the `ts` index's ranges not yet summarised, when `stored` records reach
    /// `summarizeAfterRecords` (`summarizeAfter`, for tests); silent when the role may not (only the index's owner may), as the
    /// server's vacuum will. Cost: a read of the new ranges' pages, about what the import wrote.
    func summarizeTimeRanges(afterStoring stored: Int) {
        guard stored >= summarizeAfter.value else { return }
        _ = try? connection.execute("SELECT brin_summarize_new_values('usage_record_by_time')")
    }
}
