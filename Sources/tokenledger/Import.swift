import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import usage logs into the ledger — exactly once, incrementally.",
            discussion: """
                Each PATH is a log file or a folder (read recursively). Files are detected by content \
                (--format auto) unless --format names one. Re-importing adds nothing; a grown file is read \
                from where the last run stopped; a malformed line is reported as file:line, quarantined and \
                skipped. Formats: \(LogAdapters.all.isEmpty ? "(none built in)" : LogAdapters.all.map(\.name).joined(separator: ", ")).

                Examples:
                  tokenledger import ~/logs/openai/
                  tokenledger import --claude-code --codex
                  tokenledger import --agents
                  tokenledger import --batch-input in.jsonl out.jsonl
                  tokenledger import --format csv --map timestamp=ts,model=m usage.csv
                  tokenledger import --project search --tag team=core resp.jsonl
                  tokenledger import --quarantine
                  tokenledger import --db postgres://tokenledger@db.example.com/tokenledger --claude-code
                """)

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var machineOptions: MachineOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Option(help: ArgumentHelp("Log format of the PATHs, or auto to detect each file.", valueName: "format"))
        var format = "auto"
        @Option(help: ArgumentHelp("Set this project on every imported record.", valueName: "name"))
        var project: String?
        @Option(name: .customLong("tag"), help: ArgumentHelp("Add a tag to every imported record (repeatable).", valueName: "key=value"))
        var tags: [String] = []
        @Option(help: ArgumentHelp("The reseller (price channel) the requests went through.", valueName: "name"))
        var channel: String?
        @Option(help: ArgumentHelp("Column mapping for --format csv, e.g. timestamp=ts,model=model_name,input=in,output=out.", valueName: "spec"))
        var map: String?
        @Option(help: ArgumentHelp("Provider for CSV rows that name none (else guessed from the model name).", valueName: "name"))
        var provider: String?
        @Option(name: .customLong("batch-input"), help: ArgumentHelp("The Batch API input JSONL, to join with batch output (effort tier, batch price).", valueName: "file"))
        var batchInput: String?
        @Option(help: ArgumentHelp("Time zone for timestamps logged without an offset (default: the config's timezone, else the local zone, as reports use; OpenRouter's export stays UTC).", valueName: "zone"))
        var tz: String?
        @Flag(name: .customLong("claude-code"), help: "Import Claude Code logs from their default folders (~/.claude/projects, ~/.config/claude/projects, $CLAUDE_CONFIG_DIR).")
        var claudeCode = false
        @Flag(help: "Import Codex CLI rollouts from their default folders ($CODEX_HOME or ~/.codex: sessions, archived_sessions).")
        var codex = false
        @Flag(help: "Import every supported coding agent's default folders that exist (Claude Code, Codex CLI, Gemini CLI, Qwen Code, OpenCode, Cline, Roo Code, Kilo Code, Goose, Kimi CLI; see tokenledger sources).")
        var agents = false
        @Flag(help: "List the quarantined (malformed) lines, with their text read back from the log files, and exit.")
        var quarantine = false
        @Option(name: .customLong("batch-size"), help: ArgumentHelp(
            "Records committed a transaction (default 4,096; 8,192 into a team ledger). Smaller uses less memory, larger fewer commits.",
            valueName: "n"))
        var batchSize: Int?
        @Argument(help: ArgumentHelp("Log files or folders to import.", valueName: "path"))
        var paths: [String] = []

        func validate() throws {
            try machineOptions.validate(for: ledger)
            if quarantine && (!paths.isEmpty || claudeCode || codex || agents) {
                throw ValidationError("--quarantine lists what earlier imports quarantined; give it no PATH, --claude-code, --codex or --agents.")
            }
            if let batchSize, !(1...1_000_000).contains(batchSize) {
                throw ValidationError("--batch-size must be a whole number from 1 to 1000000 (records a transaction); e.g. --batch-size 2048")
            }
            if !quarantine && paths.isEmpty && !claudeCode && !codex && !agents {
                throw ValidationError("give at least one PATH to import, or --claude-code / --codex / --agents; e.g. tokenledger import ~/logs/openai/")
            }
        }

        /// The default folders of `--claude-code` / `--codex`: what exists is imported; a tool with none of
        /// its folders is a warning, and an error only when nothing at all is left to import.
        func defaultSources() throws -> [ImportSource] {
            var found: [ImportSource] = []
            var missing: [ImportError] = []
            for (wanted, format, tool) in [(claudeCode, "claude-code", "Claude Code"), (codex, "codex", "Codex")] where wanted {
                let result = Result { () throws(ImportError) in try LogAdapters.defaultSources(format: format, tool: tool) }
                switch result {
                case .success(let sources): found += sources
                case .failure(let error):
                    guard case .noDefaultLogs = error else { throw error }
                    missing.append(error)
                }
            }
            if found.isEmpty && paths.isEmpty && !agents, let first = missing.first {
                for error in missing.dropFirst() { Console.warning(error.message) }
                throw first
            }
            for error in missing {
                Console.warning(error.message.replacingOccurrences(of: "; pass their folder as a PATH.", with: "; importing the rest."))
            }
            return found
        }

        func run() async throws {
            var tagValues: [String: String] = [:]
            for tag in tags {
                let (key, value) = try ImportOptions.parseTag(tag)
                tagValues[key] = value
            }
            // Without --tz: the config's timezone, else the local zone ($TZ, else the system's), as reports.
            let explicitZone = try tz.map { try ImportOptions.parseTimeZone($0) }
            let zone = try explicitZone ?? config.timeZone(tz: nil) { text in try ImportOptions.parseTimeZone(text) }

            if quarantine {
                let listing = try await ledger.withTeamLedger(machine: machineOptions.machine) { team in QuarantineListing(lines: try team.quarantinedLines()) }
                    ?? QuarantineListing(ledger: Ledger.openReadOnly(at: ledger.ledgerURL(command: "import")))
                if output.json { Console.writeJSON(listing.json()) } else { Console.write(listing.text()) }
                return
            }

            var formatOptions: [String: String] = [:]
            if let map { formatOptions["map"] = map }
            if let provider { formatOptions["provider"] = provider }
            if let batchInput { formatOptions["batch-input"] = Paths().expandTilde(batchInput) }
            var options = ImportOptions(format: format, project: project, tags: tagValues, channel: channel,
                                        formatOptions: formatOptions, naiveTimeZone: zone, batchSize: batchSize)
            // The config's timezone is a default, as the local zone is: a format whose naive timestamps
            // are documented UTC (OpenRouter's export) keeps reading them as UTC; only --tz overrides it.
            options.naiveTimeZoneIsDefault = explicitZone == nil
            var sources = paths.map { ImportSource(url: URL(fileURLWithPath: Paths().expandTilde($0)), format: format) }
            sources += try defaultSources()
            if agents { sources += try AgentImport.sources(excluding: sources) }

            try ImportPreflight.check(sources: sources, map: map)

            let reporter = TextImportReporter(showsProgress: Console.stderrIsTerminal && !quietOptions.quiet) { text in
                FileHandle.standardError.write(Data(text.utf8))
            }
            let prices = try PriceBook.load(config: ConfigFile.load(explicit: config.config))
            let summary: ImportSummary
            if let teamSummary = try await ledger.withTeamLedger(machine: machineOptions.machine, { team in
                try team.importing { sink in
                    try ImportPipeline(sink: sink, pricing: prices, options: options, reporter: reporter).run(sources: sources)
                }
            }) {
                summary = teamSummary
            } else {
                let url = try ledger.ledgerURL(command: "import")
                let local = try Ledger.open(at: url)
                let pipeline = try ImportPipeline(ledger: local, pricing: prices, options: options, reporter: reporter)
                var result = try pipeline.run(sources: sources)
                // A tool's telemetry and its session files repeat the same requests under different keys.
                if result.imported > 0 {
                    result.warnings += try local.telemetryOverlap().map { ImportSummary.telemetryWarning($0, ledgerPath: url.path) }
                }
                summary = result
            }
            for warning in summary.warnings where !output.json {
                FileHandle.standardError.write(Data(("warning: " + warning + "\n").utf8))
            }
            if output.json {
                Console.writeJSON(summary.json)
            } else if !quietOptions.quiet {
                Console.write(([summary.line] + summary.unpricedLines).joined(separator: "\n") + "\n")
            }
        }
    }
}
