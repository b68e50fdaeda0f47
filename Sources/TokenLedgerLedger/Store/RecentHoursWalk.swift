/// The estimator's history (`LedgerStore.recentOutputs`) read without an index of the records by
/// model: the hourly rollup says which UTC hours hold a model and effort's per-request records and
/// how many, newest first; only those hours' records are read, through the `ts` index.
///
/// An hour's `records` count every per-request record of the pair, including those with
/// request_count > 1 that the history leaves out, so it is an upper bound of what the hour gives:
/// the walk takes hours until their counts cover what is still missing, reads them newest first,
/// and takes more hours only when the filter kept fewer. The result is the records' own newest
/// `limit` (ties in ts by id, newest first), whatever the counts say.
///
/// Cost: the records of the hours read, the pair's and every other model's. A pair with requests
/// in most hours reads few hours; a rare pair reads many (on a ledger of 5M records over a year,
/// 526 hours of 570 records each for a pair with 9 requests an hour). A pair with no records is
/// answered from the rollup alone.
package struct RecentHoursWalk {
    /// Milliseconds in an hour: the rollup's key is `ts / 3600000` (SQL integer division, toward zero).
    package static let hourMillis: Int64 = 3_600_000

    /// The ts values whose `ts / 3600000` (truncated toward zero, as SQLite and PostgreSQL divide)
    /// is `hour`. Hour 0 spans both sides of the epoch.
    package static func tsRange(hour: Int64) -> ClosedRange<Int64> {
        if hour > 0 { return (hour * hourMillis)...((hour + 1) * hourMillis - 1) }
        if hour < 0 { return ((hour - 1) * hourMillis + 1)...(hour * hourMillis) }
        return (-hourMillis + 1)...(hourMillis - 1)
    }

    /// The ts ranges of `hours` (newest first, distinct), adjacent hours merged into one range,
    /// newest first.
    package static func runs(_ hours: [Int64]) -> [ClosedRange<Int64>] {
        var runs: [ClosedRange<Int64>] = []
        for hour in hours {
            let range = tsRange(hour: hour)
            if let last = runs.last, range.upperBound + 1 == last.lowerBound {
                runs[runs.count - 1] = range.lowerBound...last.upperBound
            } else {
                runs.append(range)
            }
        }
        return runs
    }

    /// The newest `limit` rows: `nextHour` gives the pair's hours newest first with their record
    /// counts, each above zero (an hour may come more than once in a row, e.g. once per provider; nil
    /// when there are no more); `read` reads the pair's rows of some ts ranges (newest first, disjoint, each newer
    /// than the next), newest first, at most the given count.
    package static func newest<Row>(
        limit: Int, nextHour: () throws -> (hour: Int64, records: Int64)?,
        read: ([ClosedRange<Int64>], Int) throws -> [Row]
    ) throws -> [Row] {
        var rows: [Row] = []
        var pending: (hour: Int64, records: Int64)? = try nextHour()
        while rows.count < limit, pending != nil {
            // Hours until their counts cover what is missing (counts are upper bounds).
            var hours: [Int64] = []
            var covered: Int64 = 0
            while covered < Int64(limit - rows.count), let next = pending {
                if hours.last != next.hour { hours.append(next.hour) }
                covered += next.records
                pending = try nextHour()
            }
            // The same hour may continue in the next row (another provider): take it too.
            while let next = pending, next.hour == hours.last {
                pending = try nextHour()
            }
            rows += try read(runs(hours), limit - rows.count)
        }
        return rows
    }
}
