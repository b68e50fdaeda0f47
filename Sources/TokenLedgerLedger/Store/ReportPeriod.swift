import Foundation
import TokenLedgerCore

/// The reported period: `since` inclusive, `until` exclusive, as UTC instants.
///
/// Date-only bounds are read in the report's zone: `--since 2026-11-01` starts at local midnight of
/// that day, `--until 2026-11-30` includes the whole of that day (ends at the next local midnight).
/// Datetimes are exact instants: `--since` inclusive, `--until` exclusive; without an offset they are
/// local times in the report's zone. `--month 2026-11` is the local month [Nov 1, Dec 1).
public struct ReportPeriod: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    /// A short human label: "2026-11", "2026-11-01 – 2026-11-30", "all time".
    public var label: String

    public init(since: Date? = nil, until: Date? = nil, label: String? = nil) {
        self.since = since
        self.until = until
        self.label = label ?? ReportPeriod.describe(since: since, until: until)
    }

    /// Parses the CLI's `--since`, `--until` and `--month` in `zone`.
    public static func parse(since: String?, until: String?, month: String?, in zone: TimeZone) throws(ReportError) -> ReportPeriod {
        if let month {
            guard since == nil && until == nil else { throw .monthWithRange }
            return try ReportPeriod.month(month, in: zone)
        }
        var start: Date? = nil, end: Date? = nil
        if let since {
            switch try bound(since, flag: "--since") {
            case .day(let day): start = LocalCalendar.startOfDay(day, in: zone)
            case .instant(let text): start = Timestamp.parse(text, naiveZone: zone)
            }
        }
        if let until {
            switch try bound(until, flag: "--until") {
            case .day(let day): end = LocalCalendar.startOfDay(day + 1, in: zone)
            case .instant(let text): end = Timestamp.parse(text, naiveZone: zone)
            }
        }
        if let start, let end, start >= end {
            throw .emptyPeriod(since: since ?? "", until: until ?? "")
        }
        var period = ReportPeriod(since: start, until: end)
        if since != nil || until != nil {
            period.label = [since.map { "from \($0)" }, until.map { "until \($0)" }].compactMap { $0 }.joined(separator: " ")
        }
        return period
    }

    /// What a `--since`/`--until` text is: a whole local day, or an exact instant.
    private enum Bound {
        case day(Int)
        case instant(String)
    }

    /// Reads one bound: `2026-11-01` or ccusage's `20261101` is a day; an ISO datetime is an instant.
    /// A bare number is never taken as Unix time (`20261101` read so would be 1970-08-23): other
    /// digit strings are refused as ambiguous.
    private static func bound(_ text: String, flag: String) throws(ReportError) -> Bound {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let day = LocalCalendar.dayNumber(parsingDate: trimmed) ?? LocalCalendar.dayNumber(parsingCompactDate: trimmed) {
            return .day(day)
        }
        if !trimmed.isEmpty && trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            throw .ambiguousNumber(flag: flag, text: text)
        }
        guard Timestamp.parse(trimmed) != nil else { throw .badDate(flag: flag, text: text) }
        return .instant(trimmed)
    }

    /// The local calendar month "2026-11" in `zone`.
    public static func month(_ text: String, in zone: TimeZone) throws(ReportError) -> ReportPeriod {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month)
        else { throw .badMonth(text) }
        let first = Timestamp.daysFromCivil(year: year, month: month, day: 1)
        let next = month == 12 ? Timestamp.daysFromCivil(year: year + 1, month: 1, day: 1)
                               : Timestamp.daysFromCivil(year: year, month: month + 1, day: 1)
        return ReportPeriod(since: LocalCalendar.startOfDay(first, in: zone),
                            until: LocalCalendar.startOfDay(next, in: zone), label: text)
    }

    /// The local month containing `date` (Prometheus' "current period").
    public static func month(containing date: Date, in zone: TimeZone) -> ReportPeriod {
        let day = LocalCalendar.dayNumber(of: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)), in: zone)
        let (y, m, _) = Timestamp.civilFromDays(day)
        let text = "\(y)-\(m < 10 ? "0" : "")\(m)"
        // A well-formed month cannot fail to parse.
        return (try? ReportPeriod.month(text, in: zone)) ?? ReportPeriod()
    }

    package static func describe(since: Date?, until: Date?) -> String {
        switch (since, until) {
        case (nil, nil): return "all time"
        case (let s?, nil): return "from \(Timestamp.iso8601(s))"
        case (nil, let u?): return "until \(Timestamp.iso8601(u))"
        case (let s?, let u?): return "\(Timestamp.iso8601(s)) – \(Timestamp.iso8601(u))"
        }
    }
}

/// Local calendar arithmetic for an IANA zone without `Calendar` in the hot path: days are numbered
/// from 1970-01-01 (local), and a UTC instant maps to its local day through the zone's offset at that
/// instant — so a DST day is 23 or 25 hours long, as it should be.
package enum LocalCalendar {
    /// Milliseconds in a civil day.
    package static let dayMillis: Int64 = 86_400_000

    /// The local day number of a Unix-millisecond instant.
    public static func dayNumber(of millis: Int64, in zone: TimeZone) -> Int {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))) * 1000
        return Int(floorDiv(millis + offset, dayMillis))
    }

    /// The instant local midnight starts `day` (for a midnight skipped by DST, the first local instant after it).
    public static func startOfDay(_ day: Int, in zone: TimeZone) -> Date {
        let naive = Int64(day) * 86_400
        var offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive))))
        offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - offset))))
        var start = naive - offset
        // If that instant's local day is the previous day (midnight skipped), move to the transition.
        if dayNumber(of: start * 1000, in: zone) < day, let next = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(start))) {
            start = Int64(next.timeIntervalSince1970)
        }
        return Date(timeIntervalSince1970: TimeInterval(start))
    }

    /// "2026-11-24" → day number; nil when the text is not exactly a valid date.
    public static func dayNumber(parsingDate text: String) -> Int? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = Int(text.prefix(4)), let m = Int(text.dropFirst(5).prefix(2)), let d = Int(text.suffix(2)),
              (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y)
        else { return nil }
        return Timestamp.daysFromCivil(year: y, month: m, day: d)
    }

    /// "20261124" (ccusage's `YYYYMMDD`) → day number; nil unless exactly 8 digits forming a valid date.
    public static func dayNumber(parsingCompactDate text: String) -> Int? {
        guard text.utf8.count == 8, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let y = Int(text.prefix(4)), let m = Int(text.dropFirst(4).prefix(2)), let d = Int(text.suffix(2)),
              (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else { return nil }
        return Timestamp.daysFromCivil(year: y, month: m, day: d)
    }

    /// "2026-11-24".
    public static func dayLabel(_ day: Int) -> String {
        let (y, m, d) = Timestamp.civilFromDays(day)
        return "\(pad4(y))-\(pad2(m))-\(pad2(d))"
    }

    /// "2026-11-24 14:00" for a local hour number (hours since 1970-01-01 00:00 local).
    public static func hourLabel(_ hour: Int) -> String {
        let day = floorDiv(hour, 24)
        return dayLabel(day) + " " + pad2(hour - day * 24) + ":00"
    }

    /// "2026-11".
    public static func monthLabel(_ monthIndex: Int) -> String {
        "\(pad4(floorDiv(monthIndex, 12)))-\(pad2(monthIndex - floorDiv(monthIndex, 12) * 12 + 1))"
    }

    /// The ISO 8601 week of a day: "2026-W48" (weeks start on Monday; week 1 holds the year's first Thursday).
    public static func isoWeekLabel(mondayOf day: Int) -> String {
        let thursday = day + 3
        let year = Timestamp.civilFromDays(thursday).year
        let week = (thursday - Timestamp.daysFromCivil(year: year, month: 1, day: 1)) / 7 + 1
        return "\(pad4(year))-W\(pad2(week))"
    }

    /// The Monday on or before `day` (1970-01-01 was a Thursday).
    public static func monday(of day: Int) -> Int { day - (day + 3 - floorDiv(day + 3, 7) * 7) }

    /// Year × 12 + (month − 1), for month buckets.
    public static func monthIndex(ofDay day: Int) -> Int {
        let (y, m, _) = Timestamp.civilFromDays(day)
        return y * 12 + m - 1
    }

    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    package static func floorDiv(_ a: Int, _ b: Int) -> Int { Int(floorDiv(Int64(a), Int64(b))) }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
    private static func pad4(_ v: Int) -> String {
        let s = String(v)
        return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }
}

/// The zone's UTC offset as constant segments over a time range, so the scan maps each record to its
/// local day with one comparison and one addition instead of a zone lookup per record.
package struct OffsetSegments {
    /// Segment starts (Unix ms), ascending; `offsets[i]` applies from `starts[i]` to `starts[i + 1]`.
    private(set) var starts: [Int64]
    private(set) var offsets: [Int64]

    /// Cost: one zone lookup per DST transition in the range (≈ 2 per year).
    package init(zone: TimeZone, fromMillis start: Int64, toMillis end: Int64) {
        let startDate = Date(timeIntervalSince1970: TimeInterval(start) / 1000)
        starts = [Int64.min]
        offsets = [Int64(zone.secondsFromGMT(for: startDate)) * 1000]
        var cursor = startDate
        var guardCount = 0
        while guardCount < 10_000, let next = zone.nextDaylightSavingTimeTransition(after: cursor) {
            let ms = Int64((next.timeIntervalSince1970 * 1000).rounded())
            if ms > end { break }
            starts.append(ms)
            offsets.append(Int64(zone.secondsFromGMT(for: next)) * 1000)
            cursor = next
            guardCount += 1
        }
    }

    /// True when every offset in the range is a whole number of hours (local days start on UTC hours).
    package var offsetsAreWholeHours: Bool { offsets.allSatisfy { $0 % 3_600_000 == 0 } }

    /// The local day number of `millis`; `hint` remembers the last segment (records arrive in time order).
    @inline(__always)
    package func dayNumber(of millis: Int64, hint: inout Int) -> Int {
        if !(millis >= starts[hint] && (hint + 1 == starts.count || millis < starts[hint + 1])) {
            var i = starts.count - 1
            while i > 0 && millis < starts[i] { i -= 1 }
            hint = i
        }
        return Int(LocalCalendar.floorDiv(millis + offsets[hint], LocalCalendar.dayMillis))
    }

    /// The local hour number of `millis` (hours since 1970-01-01 00:00 local): the wall clock's hour, so
    /// a zone 5:30 off UTC still starts its hours at :00 local.
    @inline(__always)
    func hourNumber(of millis: Int64, hint: inout Int) -> Int {
        _ = dayNumber(of: millis, hint: &hint)
        return Int(LocalCalendar.floorDiv(millis + offsets[hint], 3_600_000))
    }
}
