import Foundation

/// One period of a budget on the wall clock of its time zone: [start, end), plus the local date it
/// starts on ("2026-11-01"), which keys the alert memory.
public struct BudgetWindow: Sendable, Hashable {
    public var period: BudgetPeriod
    public var start: Date
    public var end: Date
    /// The local date of `start` in the budget's zone, "YYYY-MM-DD".
    public var startDate: String
    /// The local date of the last day in the period, "YYYY-MM-DD".
    public var lastDate: String

    /// The period that contains `date`. Weeks are ISO weeks (Monday first). Days around a DST change
    /// are 23 or 25 hours long, as on the wall clock. Cost: a few calendar computations.
    package static func containing(_ date: Date, period: BudgetPeriod, in zone: TimeZone) -> BudgetWindow {
        let calendar = Self.calendar(zone)
        let component: Calendar.Component
        switch period {
        case .day: component = .day
        case .week: component = .weekOfYear
        case .month: component = .month
        }
        // dateInterval(of:for:) only fails for dates outside the calendar's range; fall back to a day.
        let interval = calendar.dateInterval(of: component, for: date)
            ?? DateInterval(start: calendar.startOfDay(for: date), duration: 86_400)
        let lastDay = calendar.date(byAdding: .day, value: -1, to: interval.end) ?? interval.start
        return BudgetWindow(
            period: period, start: interval.start, end: interval.end,
            startDate: label(interval.start, calendar), lastDate: label(lastDay, calendar))
    }

    /// The period that starts on the local date `startDate` ("2026-11-01"); nil when malformed.
    package static func starting(on startDate: String, period: BudgetPeriod, in zone: TimeZone) -> BudgetWindow? {
        let parts = startDate.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        let calendar = Self.calendar(zone)
        guard let noon = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))
        else { return nil }
        let window = containing(noon, period: period, in: zone)
        return window.startDate == startDate ? window : nil
    }

    /// Milliseconds from the start of the period to `date` (clamped to the period).
    func elapsedMilliseconds(at date: Date) -> Int64 {
        let clamped = min(max(date, start), end)
        return Self.millis(clamped) - Self.millis(start)
    }

    /// The period's length in milliseconds.
    var lengthMilliseconds: Int64 { Self.millis(end) - Self.millis(start) }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }

    static func label(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        func pad(_ v: Int?, _ n: Int) -> String {
            let s = String(v ?? 0)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }
}
