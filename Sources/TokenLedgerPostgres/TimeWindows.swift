/// Stretches of time that tile the whole time axis, each holding about a page of records by the
/// hourly rollup's counts: the windows a team reprice reads the records through, in time order.
///
/// `usage_record.ts` has a block-range index (migration v15), which finds the records of a stretch
/// of time but keeps no order, so a page is read as "the window's records after the last one read,
/// sorted": the server sorts one window's records, not every record after the cursor. The windows
/// come from the rollup (`report_rollup.hour`, `records`) but do not depend on it being right: the
/// first one has no start and the last one no end, so a record the rollup does not count is still in
/// exactly one window, only a larger one than planned.
struct TimeWindows: Equatable {
    /// A window's bounds in Unix milliseconds: `start` included, `end` excluded; nil is unbounded.
    struct Window: Equatable {
        let start: Int64?
        let end: Int64?
    }

    /// Each window's end, ascending; the window after the last end is unbounded.
    let ends: [Int64]

    /// Windows that close at the end of the hour in which `hours` (hour numbers as the rollup keeps
    /// them, `ts / 3600000`, ascending, each with its record count) have summed to `pageSize` records.
    init(hours: [(hour: Int64, records: Int64)], pageSize: Int) {
        var ends: [Int64] = []
        var held: Int64 = 0
        for (hour, records) in hours {
            held += records
            guard held >= Int64(pageSize) else { continue }
            guard hour < Int64.max else { break }
            let (next, overflow) = (hour + 1).multipliedReportingOverflow(by: 3_600_000)
            guard !overflow else { break }
            if let last = ends.last, next <= last { continue }
            ends.append(next)
            held = 0
        }
        self.ends = ends
    }

    /// The windows in time order.
    var windows: [Window] {
        (0...ends.count).map { Window(start: $0 == 0 ? nil : ends[$0 - 1], end: $0 < ends.count ? ends[$0] : nil) }
    }
}

extension TeamLedger {
    /// Windows of about `pageSize` records each, planned from the hourly rollup. Cost: one grouped
    /// read of the rollup's hours (a row per hour holding records).
    static func timeWindows(pageSize: Int, on connection: PostgresConnection) throws -> TimeWindows {
        let rows = try connection.execute("SELECT hour, sum(records)::bigint FROM report_rollup GROUP BY hour HAVING sum(records) > 0 ORDER BY hour")
        let hours = try (0..<rows.count).map { (hour: try rows.requiredInt64($0, 0), records: try rows.requiredInt64($0, 1)) }
        return TimeWindows(hours: hours, pageSize: pageSize)
    }
}
