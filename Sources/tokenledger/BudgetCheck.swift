import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    /// `tokenledger budget check`: quiet when nothing new; speaks once per new alert; exit 0/3/4.
    struct BudgetCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Evaluate every budget for its current period and fire new alerts (for cron).",
            discussion: """
                Prints nothing and exits 0 when nothing new happened. Each threshold and forecast alert \
                fires once per period; a failed command or webhook is reported on stderr and retried on \
                the next run. Exit status: 0 within budget, 3 warning threshold newly crossed, 4 limit \
                exceeded or forecast to exceed, 2 config error, 1 failure.
                Example:
                  tokenledger sync && tokenledger budget check
                  tokenledger budget check --dry-run
                """
        )

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Flag(name: .long, help: "Show what would fire without recording or delivering anything.")
        var dryRun = false

        @Option(name: .long, help: .hidden)
        var now: String?

        func run() async throws {
            let context: BudgetContext
            let now: Date
            do {
                now = try BudgetContext.now(self.now)
                context = try await BudgetContext.load(config: config, ledger: ledger, writable: !dryRun)
            } catch {
                // A cron job that parses --json gets JSON for a config mistake too (and the sentence on stderr).
                if output.json {
                    let status = (error as? any UserFacingError)?.exitStatus ?? (error is ValidationError ? .usage : .failure)
                    let message = (error as? any UserFacingError)?.message ?? TokenLedgerCommand.message(for: error)
                    Console.writeJSON(["dry_run": .bool(dryRun), "exit_status": .int(Int(status.rawValue)), "error": .string(message), "alerts": .array([])])
                }
                throw error
            }
            let checker = BudgetChecker(budgets: context.budgets, ledger: context.ledger)
            let result = try checker.check(at: now, dryRun: dryRun)
            if output.json {
                Console.writeJSON([
                    "dry_run": .bool(dryRun),
                    "exit_status": .int(Int(result.exitStatus.rawValue)),
                    "alerts": .array(result.reports.map(\.json)),
                ])
            } else {
                for report in result.reports {
                    Console.write((dryRun ? "would fire: " : "") + report.alert.text + "\n")
                }
                if dryRun && result.reports.isEmpty && !quietOptions.quiet { Console.note("nothing would fire.") }
            }
            for report in result.failures {
                if case .failed(let reason) = report.outcome {
                    Console.warning("budget '\(report.alert.budget.name)': the \(report.alert.kind.key) alert was not delivered: \(reason); it will be retried on the next run.")
                }
            }
            if result.exitStatus != .success { throw ExitCode(result.exitStatus.rawValue) }
        }
    }
}
