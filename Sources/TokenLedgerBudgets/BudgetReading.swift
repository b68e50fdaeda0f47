import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

/// A budget measured against the ledger at one moment: spend so far in the current period, the
/// forecast for the whole period, and which thresholds are crossed.
///
/// ## The forecast rule
/// `forecast = spent + rate × time remaining`, where `rate` is the spend of the last seven days of the
/// period (or of the whole period so far when less than seven days have passed) divided by that time.
/// No forecast is made before a quarter of the period has passed (6 hours of a day, 42 hours of a
/// week, about 7½ days of a month), so one busy first morning is not projected over the month. On a
/// steady overrun of up to 4× the allowed pace the forecast alert therefore fires before the limit
/// is reached; at a faster pace the limit itself is reached first and its alert fires instead.
public struct BudgetReading: Sendable, Hashable {
    public var budget: Budget
    public var window: BudgetWindow
    /// The moment of the reading.
    public var now: Date
    /// Priced spend in the period within the scope (a lower bound when `unpricedRecords > 0`).
    public var spent: Money
    /// Spend in the trailing rate window used by the forecast.
    public var recentSpent: Money
    /// Records in scope and period that have no price (not counted in `spent`, never as $0).
    public var unpricedRecords: Int
    /// The unpriced records by why they are unpriced (empty when all are priced).
    public var unpricedCauses: [UnpricedCauseCount] = []
    /// All records in scope and period.
    public var records: Int
    /// The projected spend for the whole period; nil before a quarter of the period has passed.
    public var forecast: Money?

    /// Minimum share of the period that must have passed before a forecast is made.
    package static let forecastMinimumFraction = Rate(numerator: 1, denominator: 4)
    /// The trailing window whose spend sets the forecast's run rate.
    package static let rateWindowMilliseconds: Int64 = 7 * 86_400_000

    /// Reads the budget's current period from the ledger (local or team). Cost: one indexed range scan
    /// over the period's records (`ts` index), the scope checked per row.
    public static func read(_ budget: Budget, at now: Date, from ledger: any LedgerStore) throws -> BudgetReading {
        let window = BudgetWindow.containing(now, period: budget.period, in: budget.timeZone)
        return try read(budget, window: window, at: now, from: ledger)
    }

    /// Reads one given period of the budget (a past period, when retrying an old alert).
    package static func read(_ budget: Budget, window: BudgetWindow, at now: Date, from ledger: any LedgerStore) throws -> BudgetReading {
        let elapsed = window.elapsedMilliseconds(at: now)
        let rateSpan = min(elapsed, rateWindowMilliseconds)
        let start = BudgetWindow.millis(window.start)
        let end = BudgetWindow.millis(window.end)
        let rateStart = start + elapsed - rateSpan
        let sums = try ledger.budgetSums(scope: budget.scope, start: start, end: end, rateStart: rateStart)
        let spent = Money(picodollars: sums.spent)
        let recent = Money(picodollars: sums.recentSpent)
        var forecast: Money?
        let length = window.lengthMilliseconds
        let minimum = Money.divideRoundingHalfEven(
            Int128(length) * forecastMinimumFraction.numerator, by: forecastMinimumFraction.denominator)
        if Int128(elapsed) >= minimum, rateSpan > 0 {
            let remaining = length - elapsed
            forecast = spent + recent.multiplied(by: Rate(numerator: Int128(remaining), denominator: Int128(rateSpan)))
        }
        return BudgetReading(
            budget: budget, window: window, now: now, spent: spent, recentSpent: recent,
            unpricedRecords: sums.unpricedRecords, unpricedCauses: sums.unpricedCauses, records: sums.records, forecast: forecast)
    }

    /// Spend as a percentage of the limit, exact to one decimal (half-even): "82.5".
    public var percentText: String {
        let tenths = Money.divideRoundingHalfEven(spent.picodollars * 1000, by: max(budget.limit.picodollars, 1))
        return ExactDecimal(significand: tenths, fractionDigits: 1).fixedString
    }

    /// Days left in the period, to one decimal (rounded down): "12.4".
    public var daysLeftText: String {
        let remaining = window.lengthMilliseconds - window.elapsedMilliseconds(at: now)
        return ExactDecimal(significand: Int128(remaining) * 10 / 86_400_000, fractionDigits: 1).fixedString
    }

    /// The highest threshold (percent) the spend has reached, if any.
    public var crossedThreshold: Int? {
        budget.thresholds.last { Int128($0) * budget.limit.picodollars <= spent.picodollars * 100 }
    }

    /// True when the forecast overruns the limit while the spend itself is still below it.
    public var forecastOverruns: Bool {
        guard let forecast else { return false }
        return forecast > budget.limit && spent < budget.limit
    }

    /// The alerts this reading calls for: the highest crossed threshold and the forecast overrun.
    /// Whether each is new is decided against the alert memory by `BudgetChecker`.
    public var alerts: [BudgetAlert] {
        var out: [BudgetAlert] = []
        if let threshold = crossedThreshold { out.append(BudgetAlert(reading: self, kind: .threshold(threshold))) }
        if forecastOverruns { out.append(BudgetAlert(reading: self, kind: .forecast)) }
        return out
    }
}
