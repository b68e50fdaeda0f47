import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

/// `budget status` output: every budget's spend, limit, percent, forecast and days left.
public enum BudgetStatus {
    /// One JSON object per budget (money as decimal strings, forecast null before it is made).
    public static func json(_ readings: [BudgetReading]) -> JSONValue {
        .array(readings.map { r in
            [
                "budget": .string(r.budget.name),
                "period": .string(r.budget.period.rawValue),
                "period_start": .string(r.window.startDate),
                "period_end": .string(r.window.lastDate),
                "timezone": .string(r.budget.timeZoneName),
                "scope": .string(r.budget.scope.summary),
                "spent_usd": .money(r.spent),
                "limit_usd": .money(r.budget.limit),
                "percent": .string(r.percentText),
                "forecast_usd": r.forecast.map { .money($0) } ?? .null,
                "forecast_exceeds_limit": .bool(r.forecast.map { $0 > r.budget.limit } ?? false),
                "days_left": .string(r.daysLeftText),
                "records": .int(r.records),
                "unpriced_records": .int(r.unpricedRecords),
                "spend_is_lower_bound": .bool(r.unpricedRecords > 0),
                "unpriced_causes": BudgetStatus.json(r.unpricedCauses),
                "thresholds": .array(r.budget.thresholds.map { .int($0) }),
                "action": .string(r.budget.action.kind),
            ]
        })
    }

    /// Unpriced causes as JSON: cause, records, models, fix.
    static func json(_ causes: [UnpricedCauseCount]) -> JSONValue {
        .array(causes.map(\.json))
    }

    /// A table, one row per budget; a footnote when some spend is a lower bound. `quiet` keeps the
    /// table and the lower-bound footnote (the result's own caveat) and drops the rest: the unpriced
    /// causes and their fixes, the over-the-limit line and the key to `!` and `—`.
    public static func table(_ readings: [BudgetReading], style: Style = .plain, quiet: Bool = false) -> String {
        var table = TextTable(columns: [
            .init("Budget"), .init("Period"), .init("Spent", .right), .init("Limit", .right),
            .init("%", .right), .init("Forecast", .right), .init("Days left", .right), .init("Scope"),
        ])
        var lowerBound = false
        for r in readings {
            var spent = r.spent.displayString
            if r.unpricedRecords > 0 {
                spent += "*"
                lowerBound = true
            }
            // Over the limit: "over" after the percent (readable without colour), red on a terminal.
            let over = r.spent > r.budget.limit
            let percent = over ? style.red(style.bold(r.percentText + " over")) : r.percentText
            var forecast = r.forecast?.displayString ?? "—"
            if let f = r.forecast, f > r.budget.limit { forecast += "!" }
            table.addRow([
                r.budget.name, "\(r.budget.period.rawValue) from \(r.window.startDate)", spent,
                r.budget.limit.displayString, percent, forecast, r.daysLeftText, r.budget.scope.summary,
            ])
        }
        var text = table.render(style: style)
        if !text.hasSuffix("\n") { text += "\n" }
        if lowerBound {
            text += "* includes unpriced usage that is not counted: the spend is a lower bound.\n"
            if quiet { return text }
            var fixes: [UnpricedCause] = []
            for r in readings where !r.unpricedCauses.isEmpty {
                text += "  \(r.budget.name): " + r.unpricedCauses.map { "\($0.records) record\($0.records == 1 ? "" : "s"): \($0.summary)" }.joined(separator: "; ") + ".\n"
                for c in r.unpricedCauses where !fixes.contains(c.cause) { fixes.append(c.cause) }
            }
            for cause in fixes.sorted() { text += "  Fix (\(cause.label)): \(cause.fix).\n" }
        }
        if quiet { return text }
        let overs = readings.filter { $0.spent > $0.budget.limit }
        if !overs.isEmpty {
            text += style.red("over: \(overs.map(\.budget.name).joined(separator: ", ")) spent more than the limit this period.") + "\n"
        }
        if readings.contains(where: { r in r.forecast.map { $0 > r.budget.limit } ?? false }) {
            text += "! the forecast exceeds the limit.\n"
        }
        if readings.contains(where: { $0.forecast == nil }) {
            text += "— no forecast before a quarter of the period has passed.\n"
        }
        return text
    }
}
