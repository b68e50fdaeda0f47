import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// One alert a budget reading calls for: a threshold reached, or a forecast overrun. Carries
/// everything a print, command or webhook action needs.
public struct BudgetAlert: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Spend reached this percentage of the limit (100 = the limit itself).
        case threshold(Int)
        /// The period's forecast exceeds the limit while spend is still below it.
        case forecast

        /// The key stored in `alert_state.kind`: "threshold:80", "forecast".
        package var key: String {
            switch self {
            case .threshold(let p): return "threshold:\(p)"
            case .forecast: return "forecast"
            }
        }

        /// Parses a stored key back; nil for keys this version does not know.
        package init?(key: String) {
            if key == "forecast" { self = .forecast; return }
            guard key.hasPrefix("threshold:"), let p = Int(key.dropFirst("threshold:".count)) else { return nil }
            self = .threshold(p)
        }
    }

    /// How serious an alert is; sets `budget check`'s exit status.
    public enum Severity: String, Sendable, Hashable, Comparable {
        /// A warning threshold below 100% (exit 3).
        case warning
        /// The limit is reached or will be, by the forecast (exit 4).
        case exceeded

        public var exitStatus: ExitStatus { self == .warning ? .budgetWarning : .budgetExceeded }

        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .exceeded }
    }

    public var reading: BudgetReading
    public var kind: Kind

    package init(reading: BudgetReading, kind: Kind) {
        self.reading = reading
        self.kind = kind
    }

    public var budget: Budget { reading.budget }

    public var severity: Severity {
        if case .threshold(let p) = kind, p < 100 { return .warning }
        return .exceeded
    }

    /// One line for people (stdout, Slack): what happened, how much, and the caveat about unpriced usage.
    public var text: String {
        let r = reading
        let b = r.budget
        var line = "TokenLedger budget '\(b.name)' (\(b.period.rawValue) from \(r.window.startDate), \(b.scope.summary)): "
        switch kind {
        case .threshold(let p) where p >= 100:
            line += "limit exceeded: spent \(r.spent.displayString) of \(b.limit.displayString) (\(r.percentText)%)"
            if p > 100 { line += ", past the \(p)% threshold" }
        case .threshold(let p):
            line += "\(p)% threshold crossed: spent \(r.spent.displayString) of \(b.limit.displayString) (\(r.percentText)%)"
        case .forecast:
            line += "forecast \((r.forecast ?? r.spent).displayString) by \(r.window.lastDate) exceeds the \(b.limit.displayString) limit"
                + " (spent \(r.spent.displayString) so far, \(r.percentText)%)"
        }
        line += "."
        if r.unpricedRecords > 0 {
            line += " \(r.unpricedRecords) unpriced record\(r.unpricedRecords == 1 ? "" : "s") not counted: spend is a lower bound."
            if let main = r.unpricedCauses.max(by: { $0.records < $1.records }) {
                line += " Why: \(r.unpricedCauses.map(\.summary).joined(separator: "; ")). Fix: \(main.cause.fix)."
            }
        }
        return line
    }

    /// The alert as JSON: a Slack-compatible `text` plus structured fields (money as decimal strings).
    package func json(firedAt: Date) -> JSONValue {
        let r = reading
        let b = r.budget
        var threshold: JSONValue = .null
        if case .threshold(let p) = kind { threshold = .int(p) }
        return [
            "text": .string(text),
            "budget": .string(b.name),
            "kind": .string(kind.key),
            "severity": .string(severity.rawValue),
            "threshold_percent": threshold,
            "period": .string(b.period.rawValue),
            "period_start": .string(r.window.startDate),
            "period_end": .string(r.window.lastDate),
            "timezone": .string(b.timeZoneName),
            "scope": .string(b.scope.summary),
            "spent_usd": .money(r.spent),
            "limit_usd": .money(b.limit),
            "percent": .string(r.percentText),
            "forecast_usd": r.forecast.map { .money($0) } ?? .null,
            "unpriced_records": .int(r.unpricedRecords),
            "spend_is_lower_bound": .bool(r.unpricedRecords > 0),
            "unpriced_causes": BudgetStatus.json(r.unpricedCauses),
            "fired_at": .string(Timestamp.iso8601(firedAt)),
        ]
    }

    /// The `TOKENLEDGER_ALERT_*` environment variables a command action receives.
    package func environment(firedAt: Date) -> [String: String] {
        let r = reading
        let b = r.budget
        var threshold = ""
        if case .threshold(let p) = kind { threshold = String(p) }
        return [
            "TOKENLEDGER_ALERT_TEXT": text,
            "TOKENLEDGER_ALERT_BUDGET": b.name,
            "TOKENLEDGER_ALERT_KIND": kind.key,
            "TOKENLEDGER_ALERT_SEVERITY": severity.rawValue,
            "TOKENLEDGER_ALERT_THRESHOLD": threshold,
            "TOKENLEDGER_ALERT_PERIOD": b.period.rawValue,
            "TOKENLEDGER_ALERT_PERIOD_START": r.window.startDate,
            "TOKENLEDGER_ALERT_PERIOD_END": r.window.lastDate,
            "TOKENLEDGER_ALERT_SPENT_USD": r.spent.decimalString,
            "TOKENLEDGER_ALERT_LIMIT_USD": b.limit.decimalString,
            "TOKENLEDGER_ALERT_PERCENT": r.percentText,
            "TOKENLEDGER_ALERT_FORECAST_USD": r.forecast?.decimalString ?? "",
            "TOKENLEDGER_ALERT_UNPRICED_RECORDS": String(r.unpricedRecords),
            "TOKENLEDGER_ALERT_FIRED_AT": Timestamp.iso8601(firedAt),
        ]
    }
}
