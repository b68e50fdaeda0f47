import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    /// `tokenledger session`: one row per agent session.
    struct Session: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Spend per agent session: project, first and last activity, models, tokens and cost.",
            discussion: """
                One row per session id the logs carry (Claude Code's sessionId, Codex's session), ordered by \
                last activity, newest at the bottom. Records without a session id count in the total only. \
                Takes the same period and filters as 'report'. On a team ledger (--db postgres://…) \
                it lists every machine's sessions.

                Examples:
                  tokenledger session --since 20261101
                  tokenledger session --project search --tz Europe/Berlin
                  tokenledger session --month 2026-11 --json
                  tokenledger session --db postgres://lead@db.example/ledger --since 20261101
                """)

        @OptionGroup var filters: UsageFilterOptions
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            let query = try filters.query(groupBy: [.session], config: config)
            let report = try ledgerOptions.openStoreForReading(command: "session").sessionReport(for: query)
            if outputOptions.json {
                Console.writeJSON(report.jsonValue())
            } else {
                Console.write(report.renderTable(style: Console.style, compact: Console.isNarrow))
            }
        }
    }
}
