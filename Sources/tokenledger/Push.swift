import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    /// `tokenledger push`: copies this machine's local ledger into the team ledger on PostgreSQL.
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the local ledger's records to a team ledger on PostgreSQL, exactly once.",
            discussion: """
                Sends the records imported since the last push (and those replaced since, such as a \
                streamed response's final line) to the shared ledger, marked with this machine's name. \
                Re-pushing adds nothing; a push that was interrupted resumes where it stopped. The local \
                ledger is only read.

                Examples:
                  tokenledger push --to postgres://alice@ledger.example.com/team?sslmode=require
                  TOKENLEDGER_TEAM_DB=postgres://ci@ledger.example.com/team tokenledger push --machine ci-runner
                Cron, on each laptop:
                  */30 * * * * tokenledger sync && tokenledger push
                """
        )

        @Option(name: .long, help: ArgumentHelp("The team ledger's postgres:// URL (default: $TOKENLEDGER_TEAM_DB). The password may also come from $PGPASSWORD.", valueName: "url"))
        var to: String?

        @Option(name: .long, help: ArgumentHelp("Name written on the pushed records, for --by machine (default: $TOKENLEDGER_MACHINE, else the host name).", valueName: "name"))
        var machine: String?

        @Option(name: .customLong("batch-size"), help: ArgumentHelp("Records per transaction.", valueName: "n"))
        var batchSize: Int = 5_000

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func validate() throws {
            if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
            if let machine, machine.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--machine needs a name, e.g. --machine alice-laptop.")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            guard let destination = to ?? environment["TOKENLEDGER_TEAM_DB"].flatMap({ $0.isEmpty ? nil : $0 }) else {
                throw ValidationError("push needs the team ledger: give --to postgres://user@host/database or set TOKENLEDGER_TEAM_DB.")
            }
            guard TeamLedgerAddress.isPostgresURL(destination) else {
                throw ValidationError("--to '\(TeamLedgerAddress.redact(destination))' is not a postgres:// URL; push copies into a team ledger on PostgreSQL.")
            }
            let address = try TeamLedgerAddress(parsing: destination)
            let url = try ledgerOptions.ledgerURL(command: "push --db (the local ledger to push from)")
            let local = try Ledger.openReadOnlyMigrating(at: url)
            let name = machine ?? environment["TOKENLEDGER_MACHINE"].flatMap { $0.isEmpty ? nil : $0 } ?? TeamLedger.defaultMachineName
            let team = try TeamLedger.connect(address, machine: name)
            let summary = try team.push(from: local, ledgerPath: url.standardizedFileURL.path, batchSize: batchSize)
            if outputOptions.json {
                Console.writeJSON([
                    "to": .string(address.description), "machine": .string(summary.machine),
                    "sent": .number(String(summary.sent)), "inserted": .number(String(summary.counts.inserted)),
                    "replaced": .number(String(summary.counts.replaced)), "duplicates": .number(String(summary.counts.duplicates)),
                    "restarted": .bool(summary.restarted),
                ])
            } else {
                let c = summary.counts
                if !quietOptions.quiet { Console.write("pushed \(NumberText.grouped(summary.sent)) records as '\(summary.machine)' to \(address): \(NumberText.grouped(c.inserted)) new, \(NumberText.grouped(c.replaced)) replaced, \(NumberText.grouped(c.duplicates)) already there.\n") }
            }
        }
    }
}

extension Ledger {
    /// Opens a local ledger to read from; one written by an older version is migrated first.
    static func openReadOnlyMigrating(at url: URL) throws -> Ledger {
        do {
            return try Ledger.openReadOnly(at: url)
        } catch .outdated {
            return try Ledger.open(at: url)
        }
    }
}
