import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    /// `tokenledger budget`: the group for `check` (for cron) and `status`.
    struct Budget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check spend against the budgets in the config file.",
            discussion: """
                Budgets are [[budget]] tables in the config file, e.g.:
                  [[budget]]
                  name = "openai-monthly"
                  period = "month"            # day, week or month
                  limit_usd = "250.00"
                  provider = "openai"         # optional scope (or model, project, tag, effort)
                  thresholds = [50, 80, 100]  # percent; each alerts once per period
                  command = "notify-send 'over budget'"  # or webhook = "https://…"
                'tokenledger config init' writes a commented config with every section.

                Example cron line:
                  */15 * * * * tokenledger sync && tokenledger budget check
                """,
            subcommands: [BudgetCheck.self, BudgetStatusCommand.self]
        )
    }
}

/// The budgets and ledger both budget subcommands work on.
struct BudgetContext {
    var budgets: [TokenLedgerBudgets.Budget]
    var ledger: any LedgerStore

    /// Loads the config's budgets (exit 2 on a config mistake or when none are defined) and opens the
    /// ledger: for writing when `writable` (alert memory), else read-only when it exists.
    static func load(config: ConfigOptions, ledger ledgerOptions: LedgerOptions, writable: Bool) async throws -> BudgetContext {
        let file = try ConfigFile.load(explicit: config.config)
        // A budget's zone: its own timezone, else [budgets]'s, else the config's top-level one, else local.
        let budgets = try BudgetConfig.budgets(in: file, localZone: try file.timeZone() ?? .current)
        guard !budgets.isEmpty else { throw BudgetCommandError.noBudgets(path: file.url.path) }
        if let address = try ledgerOptions.teamAddress() {
            return BudgetContext(budgets: budgets, ledger: try TeamLedger.connect(address))
        }
        let url = try ledgerOptions.ledgerURL(command: "budget")
        let ledger: Ledger
        if writable {
            ledger = try Ledger.open(at: url)
        } else if FileManager.default.fileExists(atPath: url.path) {
            ledger = try Ledger.openReadOnly(at: url)
        } else {
            ledger = try Ledger.inMemory() // nothing imported yet: every budget at $0
        }
        return BudgetContext(budgets: budgets, ledger: ledger)
    }

    /// `--now` text as a date, or the clock.
    static func now(_ text: String?) throws -> Date {
        guard let text else { return Date() }
        guard let date = Timestamp.parse(text) else {
            throw ValidationError("--now '\(text)' is not a date; write it as ISO 8601, e.g. 2026-11-24T09:30:00Z.")
        }
        return date
    }
}

enum BudgetCommandError: UserFacingError {
    case noBudgets(path: String)

    var message: String {
        switch self {
        case .noBudgets(let path):
            return "no budgets are defined in \(path); add a [[budget]] table ('tokenledger budget --help' shows one) or pass --config PATH."
        }
    }

    var exitStatus: ExitStatus { .usage }
}
