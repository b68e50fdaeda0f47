import ArgumentParser

/// The root `tokenledger` command: only its configuration. Each subcommand lives in its own file as
/// an extension of this type; `Main.swift` runs it and maps errors to exit codes.
@main
struct TokenLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenledger",
        abstract: "What your LLM usage costs: before you send a prompt, and after, from your logs.",
        discussion: """
            Estimate a prompt's cost, import usage logs into a local SQLite ledger, report spend and \
            check budgets from cron. Money is exact decimal; unknown prices are shown as unpriced, never $0.
            """,
        version: TokenLedgerVersion.string,
        subcommands: [
            Count.self, Estimate.self, Cost.self, Prices.self,
            Import.self, Sources.self, Sync.self, Push.self, Reprice.self, Report.self, Session.self, Blocks.self, Budget.self, Config.self,
        ]
    )
}

/// What `tokenledger --version` prints: the release number and the git commit the binary was built
/// from (`BuildInfo` is generated at build time; "unknown" outside a git checkout).
enum TokenLedgerVersion {
    static let number = "0.1.0"
    static let string = "\(number) (commit \(BuildInfo.commit))"
}
