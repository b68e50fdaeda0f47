/// A period `[startMillis, endMillis)` (either bound may be open) cut into the pieces each stored
/// tier answers exactly: whole UTC days from the day tier, whole UTC hours of the days an end cuts
/// from the hourly rollup, and the sub-hour rest at each end from the records.
///
/// Used to ask "has provider P rows of this kind in the period?" of the tiers, so no index of
/// `usage_record` is needed for it: the day tier's `(is_aggregate, provider, day)` index answers the
/// whole days, the hourly rollup's primary key (hour first) at most two days of hours, and the `ts`
/// index at most two hours of records.
package struct TierCover: Sendable, Equatable {
    /// Whether the period holds whole UTC days: those from `lowDay` (nil: unbounded) up to, not
    /// including, `highDay` (nil: unbounded), as `ts / 86400000`.
    package var hasDays = false
    package var lowDay: Int64?
    package var highDay: Int64?
    /// Whole UTC hours outside `days`, as `ts / 3600000`, half-open (at most two ranges).
    package var hours: [Range<Int64>] = []
    /// The rest, in Unix milliseconds, half-open (at most two ranges).
    package var records: [Range<Int64>] = []

    static let dayMillis: Int64 = 86_400_000
    static let hourMillis: Int64 = 3_600_000

    package init(startMillis: Int64?, endMillis: Int64?) {
        let lowDay = startMillis.map { Self.ceilDiv($0, Self.dayMillis) }
        let highDay = endMillis.map { Self.floorDiv($0, Self.dayMillis) }
        if let lowDay, let highDay, lowDay >= highDay {
            // No whole day inside (both bounds are present here).
            if let startMillis, let endMillis, startMillis < endMillis { addEdge(startMillis..<endMillis) }
            return
        }
        hasDays = true
        self.lowDay = lowDay
        self.highDay = highDay
        if let startMillis, let lowDay, startMillis < lowDay * Self.dayMillis { addEdge(startMillis..<(lowDay * Self.dayMillis)) }
        if let endMillis, let highDay, highDay * Self.dayMillis < endMillis { addEdge((highDay * Self.dayMillis)..<endMillis) }
    }

    /// A piece shorter than a day: its whole hours from the hourly rollup, the rest from the records.
    private mutating func addEdge(_ range: Range<Int64>) {
        let lowHour = Self.ceilDiv(range.lowerBound, Self.hourMillis)
        let highHour = Self.floorDiv(range.upperBound, Self.hourMillis)
        guard lowHour < highHour else {
            records.append(range)
            return
        }
        hours.append(lowHour..<highHour)
        if range.lowerBound < lowHour * Self.hourMillis { records.append(range.lowerBound..<(lowHour * Self.hourMillis)) }
        if highHour * Self.hourMillis < range.upperBound { records.append((highHour * Self.hourMillis)..<range.upperBound) }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }

    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a > 0) ? q + 1 : q
    }
}
