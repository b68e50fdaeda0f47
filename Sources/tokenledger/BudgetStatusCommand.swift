import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    /// `tokenledger budget status`: every budget's spend, limit, percent, forecast and days left.
    struct BudgetStatusCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show every budget's spend, limit, percent, forecast and days left.",
            discussion: """
                Reads only; fires no alerts. --quiet prints the table and its lower-bound footnote only. Example:
                  tokenledger budget status
                  tokenledger budget status --json
                  tokenledger budget status --quiet
                """
        )

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Option(name: .long, help: .hidden)
        var now: String?

        func run() async throws {
            let now = try BudgetContext.now(now)
            let context = try await BudgetContext.load(config: config, ledger: ledger, writable: false)
            let readings = try context.budgets.map { try BudgetReading.read($0, at: now, from: context.ledger) }
            if output.json {
                Console.writeJSON(BudgetStatus.json(readings))
            } else {
                Console.write(BudgetStatus.table(readings, style: Console.style, quiet: quietOptions.quiet))
            }
        }
    }
}
