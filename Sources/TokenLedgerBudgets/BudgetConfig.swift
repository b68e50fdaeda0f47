import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Reads budgets from the config file: `[[budget]]` tables and the `[budgets]` defaults.
///
/// ```toml
/// [budgets]
/// timezone = "Europe/Berlin"      # default: the system's local zone
///
/// [[budget]]
/// name = "openai-monthly"
/// period = "month"                # day | week | month
/// limit_usd = "250.00"            # exact decimal, text or number
/// provider = "openai"             # optional scope: model, provider, project, tag, effort, branch
/// model = "o3*"                   # glob on the resolved id and on the logged name
/// thresholds = [50, 80, 100]      # percent; 100 is always included
/// webhook = "https://hooks.slack.com/services/…"   # or command = "…"; default: print
/// ```
/// Every mistake is a `TOMLError` at file:line (exit 2).
public enum BudgetConfig {
    static let budgetKeys: Set<String> = [
        "name", "period", "limit_usd", "model", "provider", "project", "tag", "effort", "branch", "thresholds",
        "command", "webhook", "timezone",
    ]

    /// The budgets in `config`, in file order. `localZone` is used when no `timezone` is set.
    /// Cost: a walk over the parsed tables.
    public static func budgets(in config: ConfigFile, localZone: TimeZone = .current) throws(TOMLError) -> [Budget] {
        var zone = localZone
        if let defaults = try config.table("budgets") {
            if let unknown = defaults.unknownKeys(allowed: ["timezone"]).first {
                throw TOMLError(location: unknown.location, reason: "unknown key '\(unknown.key)' in [budgets]; the only setting there is 'timezone'")
            }
            if let name = try defaults.string("timezone") { zone = try timeZone(name, in: defaults) }
        }
        var budgets: [Budget] = []
        var seen: [String: SourceLocation] = [:]
        for table in try config.tables("budget") {
            let budget = try budget(from: table, defaultZone: zone)
            if let first = seen[budget.name] {
                throw table.error("name", "budget name '\(budget.name)' is already used at line \(first.line); give each budget its own name")
            }
            seen[budget.name] = table.location(of: "name")
            budgets.append(budget)
        }
        return budgets
    }

    static func budget(from table: TOMLTable, defaultZone: TimeZone) throws(TOMLError) -> Budget {
        if let unknown = table.unknownKeys(allowed: budgetKeys).first {
            throw TOMLError(location: unknown.location, reason: "unknown key '\(unknown.key)' in [[budget]]; known keys are \(budgetKeys.sorted().joined(separator: ", "))")
        }
        let name = try table.requiredString("name")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw table.error("name", "a budget's 'name' must not be empty") }

        let periodText = try table.string("period") ?? "month"
        guard let period = BudgetPeriod(rawValue: periodText) else {
            throw table.error("period", "budget '\(name)': period must be \"day\", \"week\" or \"month\", not \"\(periodText)\"")
        }

        guard let limitValue = table["limit_usd"] else {
            throw table.error("limit_usd", "budget '\(name)' needs a limit, e.g. limit_usd = \"100.00\"")
        }
        guard let limitText = limitValue.string ?? limitValue.numberText, let limit = Money(decimalText: limitText),
              limit > .zero
        else {
            throw TOMLError(file: table.file, line: limitValue.line,
                            reason: "budget '\(name)': limit_usd must be a positive amount in dollars such as \"100.00\"")
        }

        var thresholds = Budget.defaultThresholds
        if let value = table["thresholds"] {
            guard let items = value.array, !items.isEmpty else {
                throw table.error("thresholds", "budget '\(name)': thresholds must be a list of percentages such as [50, 80, 100]")
            }
            thresholds = []
            for item in items {
                guard let p = item.int, (1...1000).contains(p) else {
                    throw TOMLError(file: table.file, line: item.line,
                                    reason: "budget '\(name)': each threshold must be a whole percentage from 1 to 1000")
                }
                thresholds.append(p)
            }
        }

        var tag: (key: String, value: String)?
        if let text = try table.string("tag") {
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw table.error("tag", "budget '\(name)': tag must be written key=value, e.g. tag = \"team=search\"")
            }
            tag = (String(parts[0]), String(parts[1]))
        }
        let scope = BudgetScope(
            model: try nonEmpty(table, "model"), provider: try nonEmpty(table, "provider"),
            project: try nonEmpty(table, "project"), tag: tag, effort: try nonEmpty(table, "effort"),
            branch: try nonEmpty(table, "branch"))

        let command = try table.string("command")
        let webhook = try table.string("webhook")
        var action = BudgetAction.print
        switch (command, webhook) {
        case (.some, .some):
            throw table.error("webhook", "budget '\(name)' has both 'command' and 'webhook'; keep one")
        case (.some(let command), nil):
            guard !command.trimmingCharacters(in: .whitespaces).isEmpty else { throw table.error("command", "budget '\(name)': command must not be empty") }
            action = .command(command)
        case (nil, .some(let text)):
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
                  url.host?.isEmpty == false
            else {
                throw table.error("webhook", "budget '\(name)': webhook must be an http(s) URL such as \"https://hooks.slack.com/services/…\"")
            }
            action = .webhook(url)
        case (nil, nil):
            break
        }

        var zone = defaultZone
        if let zoneName = try table.string("timezone") { zone = try timeZone(zoneName, in: table) }

        return Budget(name: name, period: period, limit: limit, scope: scope, thresholds: thresholds,
                      action: action, timeZone: zone, location: table.location)
    }

    static func nonEmpty(_ table: TOMLTable, _ key: String) throws(TOMLError) -> String? {
        guard let text = try table.string(key) else { return nil }
        guard !text.isEmpty else { throw table.error(key, "'\(key)' must not be empty; remove it to match everything") }
        return text
    }

    static func timeZone(_ name: String, in table: TOMLTable) throws(TOMLError) -> TimeZone {
        if name == "local" { return .current }
        guard let zone = TimeZone(identifier: name) else {
            throw table.error("timezone", "unknown time zone \"\(name)\"; use an IANA name such as \"Europe/Berlin\", \"UTC\" or \"local\"")
        }
        return zone
    }
}
