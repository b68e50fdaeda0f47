import ArgumentParser
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    struct Reprice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every stored cost with the current prices and show the difference.",
            discussion: """
                After a price-table update, recomputes the cost of every record in the ledger and prints \
                the difference per model and month. Nothing is repriced silently: --dry-run shows the \
                difference without writing it.

                Examples:
                  tokenledger reprice --dry-run
                  tokenledger reprice
                  tokenledger reprice --json
                  tokenledger reprice --db postgres://tokenledger@db.example.com/tokenledger
                """)

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Flag(name: .customLong("dry-run"), help: "Show what would change without writing it.")
        var dryRun = false

        func validate() throws {
            if quietOptions.quiet && output.json { throw ValidationError("--quiet and --json cannot be used together; pick one.") }
        }

        func run() async throws {
            // Prices first: a bad user price table stops here, before the ledger is opened.
            let prices = try PriceBook.load(config: ConfigFile.load(explicit: config.config))
            let report: RepriceReport
            if let teamReport = try await ledger.withTeamLedger({ team in try team.reprice(with: prices, apply: !dryRun) }) {
                report = teamReport
            } else {
                let url = try ledger.ledgerURL(command: "reprice")
                let target = dryRun ? try Ledger.openReadOnly(at: url) : try Ledger.open(at: url)
                report = try target.reprice(with: prices, apply: !dryRun)
            }
            if quietOptions.quiet {
                // The figure alone: the total difference (applied, or what --dry-run would apply).
                let difference = report.after - report.before
                Console.write((difference > .zero ? "+" : "") + difference.displayString + "\n")
            } else if output.json {
                Console.writeJSON(report.json())
            } else {
                Console.write(report.text(style: Console.style))
            }
        }
    }
}
