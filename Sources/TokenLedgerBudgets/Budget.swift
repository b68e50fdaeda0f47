import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// One budget from the config file: how much may be spent per period, on what, and who to tell.
public struct Budget: Sendable, Hashable {
    /// Unique name, used in alerts and as the key of the alert memory in the ledger.
    public var name: String
    public var period: BudgetPeriod
    /// The limit for one period (exact).
    public var limit: Money
    /// Which usage counts against the budget (everything when empty).
    public var scope: BudgetScope
    /// Warning thresholds in percent of the limit, ascending; always ends with 100 (the limit itself).
    public var thresholds: [Int]
    /// What to do when an alert fires.
    public var action: BudgetAction
    /// The zone whose calendar defines the period (midnight, Monday, the 1st).
    public var timeZone: TimeZone
    /// Where the budget was defined, for messages.
    public var location: SourceLocation?

    /// The zone's name for output: "Europe/Berlin", "UTC" (Foundation on Linux calls UTC "GMT").
    public var timeZoneName: String { TimeZoneText.name(timeZone) }

    /// The thresholds used when a budget names none.
    public static let defaultThresholds = [50, 80, 100]

    public init(
        name: String, period: BudgetPeriod, limit: Money, scope: BudgetScope = BudgetScope(),
        thresholds: [Int] = Budget.defaultThresholds, action: BudgetAction = .print,
        timeZone: TimeZone = .current, location: SourceLocation? = nil
    ) {
        self.name = name
        self.period = period
        self.limit = limit
        self.scope = scope
        var t = Set(thresholds.filter { $0 > 0 })
        t.insert(100) // the limit itself always alerts
        self.thresholds = t.sorted()
        self.action = action
        self.timeZone = timeZone
        self.location = location
    }
}

/// The calendar period a budget's limit applies to, in the budget's time zone.
public enum BudgetPeriod: String, Sendable, Hashable, CaseIterable {
    /// Midnight to midnight.
    case day
    /// Monday 00:00 to the next Monday 00:00 (ISO weeks).
    case week
    /// The 1st 00:00 to the next 1st 00:00.
    case month
}

/// What a budget does when an alert fires.
public enum BudgetAction: Sendable, Hashable {
    /// Print the alert on stdout (cron mails it).
    case print
    /// Run `/bin/sh -c COMMAND` with the alert as JSON on stdin and in `TOKENLEDGER_ALERT_*` variables;
    /// a non-zero exit is a failed delivery (retried next run).
    case command(String)
    /// POST the alert as JSON (Slack-compatible `text` plus structured fields); a non-2xx reply or no
    /// reply is a failed delivery (retried next run).
    case webhook(URL)

    /// "print", "command", "webhook" for status output.
    public var kind: String {
        switch self {
        case .print: return "print"
        case .command: return "command"
        case .webhook: return "webhook"
        }
    }
}
