import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    /// `tokenledger sync`: import every `[[source]]` of the config file (for cron).
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import every [[source]] listed in the config file (for cron).",
            discussion: """
                Each [[source]] names a log file or folder (path), its format (default auto), and \
                optionally a project, tags and a price channel. Like 'import', it adds each record exactly \
                once and reads only what is new. Quiet on stdout unless stdout is a terminal or --verbose; \
                malformed lines and unreadable sources are reported on stderr (exit 1 if a source could \
                not be read).
                Example cron line:
                  */15 * * * * tokenledger sync && tokenledger budget check
                With --db postgres://… (or TOKENLEDGER_DB) it imports into a team ledger, with this \
                machine's checkpoints ($TOKENLEDGER_MACHINE, else the host name).
                """
        )

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var machineOptions: MachineOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Flag(name: .shortAndLong, help: "Print one summary line per source even when stdout is not a terminal.")
        var verbose = false

        func validate() throws {
            try machineOptions.validate(for: ledger)
            if verbose && quietOptions.quiet { throw ValidationError("--verbose and --quiet disagree; give one of them.") }
        }

        func run() async throws {
            let file = try ConfigFile.load(explicit: config.config)
            let sources = try SyncSource.sources(in: file)
            guard !sources.isEmpty else { throw SyncCommandError.noSources(path: file.url.path) }
            try SyncRunner.validate(sources)
            let reporter = TextImportReporter(showsProgress: false) { text in
                FileHandle.standardError.write(Data(text.utf8))
            }
            // Prices first: a bad user price table stops the sync before the ledger is opened.
            let pricing = try PriceBook.load(config: file)
            let zone = try file.timeZone() // naive timestamps: the config's timezone, else the local zone
            var outcomes: [SyncRunner.Outcome] = []
            let store: any LedgerStore
            if let team = try await ledger.withTeamLedger(machine: machineOptions.machine, { team in
                outcomes = try team.importing { sink in
                    try SyncRunner(sources: sources, sink: sink, pricing: pricing, reporter: reporter, naiveTimeZone: zone).run()
                }
                return team
            }) {
                store = team
            } else {
                let local = try Ledger.open(at: try ledger.ledgerURL(command: "sync"))
                let runner = SyncRunner(sources: sources, ledger: local, pricing: pricing, reporter: reporter, naiveTimeZone: zone)
                outcomes = try runner.run()
                store = local
            }
            // A project or tags added to a source later also reach the records imported before (on a team
            // ledger: this machine's records read from that path).
            for source in sources {
                let changed = try store.applySourceMetadata(path: source.path, project: source.project, tags: source.tags)
                if changed > 0 && !quietOptions.quiet {
                    Console.note("\(source.path): the source's project/tags set on \(changed) record\(changed == 1 ? "" : "s") imported earlier.")
                }
            }
            if output.json {
                Console.writeJSON(.array(outcomes.map { outcome in
                    [
                        "path": .string(outcome.source.path),
                        "format": .string(outcome.source.format),
                        "summary": outcome.summary?.json ?? .null,
                        "error": .optional(outcome.failure),
                    ]
                }))
            } else if !quietOptions.quiet && (verbose || Console.stdoutIsTerminal) {
                for outcome in outcomes {
                    if let summary = outcome.summary {
                        Console.write((["\(outcome.source.path): \(summary.line)"] + summary.unpricedLines).joined(separator: "\n") + "\n")
                    }
                }
            }
            let failures = outcomes.filter { $0.failure != nil }
            for outcome in failures {
                Console.error("source \(outcome.source.path) (\(outcome.source.location)): \(outcome.failure ?? "")")
            }
            if !failures.isEmpty { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }
}

enum SyncCommandError: UserFacingError {
    case noSources(path: String)

    var message: String {
        switch self {
        case .noSources(let path):
            return "no [[source]] tables in \(path); add one, e.g. [[source]] with path = \"~/.claude/projects\", or use 'tokenledger import PATH'."
        }
    }

    var exitStatus: ExitStatus { .usage }
}
