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
                Takes the same period and filters as 'report'.

                Examples:
                  tokenledger session --since 20261101
                  tokenledger session --project search --tz Europe/Berlin
                  tokenledger session --month 2026-11 --json
                """)

        @OptionGroup var filters: UsageFilterOptions
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            let query = try filters.query(groupBy: [.session])
            if ledgerOptions.namesTeamLedger { throw ViewError.notOnTeamLedger(command: "session") }
            let ledger = try Report.openLedger(try ledgerOptions.ledgerURL(command: "session"))
            let report = try ledger.sessionReport(for: query)
            if outputOptions.json {
                Console.writeJSON(report.jsonValue())
            } else {
                Console.write(report.renderTable(style: Console.style, compact: Console.isNarrow))
            }
        }
    }
}

/// A view that reads per-record detail the team ledger does not serve yet.
enum ViewError: UserFacingError {
    case notOnTeamLedger(command: String)

    var message: String {
        switch self {
        case .notOnTeamLedger(let command):
            return "'\(command)' is not yet available on a team ledger; run it on a local ledger (drop --db postgres://… or TOKENLEDGER_DB), or use 'tokenledger report --by session' there."
        }
    }

    var exitStatus: ExitStatus { .usage }
}
