extension TeamLedger {
    /// The times (Unix milliseconds) of the ledger's first and last records; nil when it holds none.
    ///
    /// `ts` has a block-range index (migration v15), which has no first or last entry to read, so the
    /// hourly rollup says which hours hold the first and the last records and only those hours'
    /// records are read (through the index). The rollup counts each record in its hour in the same
    /// transaction that stores it (its triggers, or the writer's sent tiers), and the query reads both
    /// in one snapshot; should the rollup still name an hour without records (or have no hours while
    /// the table has records), every record is read instead. Cost: two reads of the rollup's key index
    /// and two reads of an hour's records.
    static func recordTimeBounds(on connection: PostgresConnection) throws -> (first: Int64, last: Int64)? {
        // An hour number is `ts / 3600000` rounded toward zero, so hour 0 also holds the hour before 1970.
        func hourStart(_ hour: String) -> String { "CASE WHEN \(hour) > 0 THEN \(hour) * 3600000 ELSE \(hour) * 3600000 - 3599999 END" }
        func hourEnd(_ hour: String) -> String { "CASE WHEN \(hour) >= 0 THEN \(hour) * 3600000 + 3599999 ELSE \(hour) * 3600000 END" }
        let hinted = try connection.execute("""
            WITH h AS (SELECT (SELECT min(hour) FROM report_rollup WHERE records <> 0) AS first,
                              (SELECT max(hour) FROM report_rollup WHERE records <> 0) AS last)
            SELECT (SELECT min(ts) FROM usage_record WHERE ts BETWEEN \(hourStart("h.first")) AND \(hourEnd("h.first"))),
                   (SELECT max(ts) FROM usage_record WHERE ts BETWEEN \(hourStart("h.last")) AND \(hourEnd("h.last")))
            FROM h
            """)
        if let first = try hinted.int64(0, 0), let last = try hinted.int64(0, 1) { return (first, last) }
        let scanned = try connection.execute("SELECT min(ts), max(ts) FROM usage_record")
        guard let first = try scanned.int64(0, 0), let last = try scanned.int64(0, 1) else { return nil }
        return (first, last)
    }
}
