import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    struct Sources: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the coding agents' log folders found on this machine, and when each was last imported.",
            discussion: """
                Looks in every supported tool's default folders (Claude Code, Codex CLI, Gemini CLI, Qwen Code, \
                OpenCode) and lists those that exist: the format they are read as, how many log files they hold, \
                and how many of those the ledger has read and when. `tokenledger import --agents` imports them all. \
                With --db postgres://… the last imports are this machine's in the team ledger (--machine names it).

                Examples:
                  tokenledger sources
                  tokenledger sources --json
                  tokenledger sources --quiet
                  tokenledger sources --db postgres://alice@db.example/ledger
                  tokenledger import --agents
                """)

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var machineOptions: MachineOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func validate() throws {
            try machineOptions.validate(for: ledger)
        }

        func run() async throws {
            let found = LogAdapters.agentSources()
            // The ledger's checkpoints: a team ledger's for this machine, or the local ledger's when there
            // is one (a missing local ledger means "never imported").
            var imported: [ImportedFile] = []
            if let team = try await ledger.withTeamLedger(machine: machineOptions.machine, { team in try team.importedFiles() }) {
                imported = team
            } else if let url = try? ledger.ledgerURL(command: "sources"), FileManager.default.fileExists(atPath: url.path) {
                imported = try Ledger.openReadOnly(at: url).importedFiles()
            }
            if output.json {
                Console.writeJSON(.array(found.map { source -> JSONValue in
                    let last = source.lastImport(in: imported)
                    return [
                        "tool": .string(source.tool), "format": .string(source.format), "folder": .string(source.folder.path),
                        "files": .int(source.files), "files_imported": .int(last?.files ?? 0),
                        "last_import": last.map { JSONValue.string(Timestamp.iso8601($0.date)) } ?? .null,
                    ]
                }))
                return
            }
            guard !found.isEmpty else {
                // --quiet: the (empty) result without the folders looked in.
                guard !quietOptions.quiet else { return Console.write("No coding agent's log folder was found.\n") }
                let looked = LogAdapters.agentFolders().map { "  \($0.tool): \($0.folder)" }.joined(separator: "\n")
                Console.write("No coding agent's log folder was found. Looked in:\n\(looked)\n")
                return
            }
            var table = TextTable(columns: [
                .init("Tool"), .init("Format"), .init("Folder"), .init("Files", .right), .init("Imported", .right), .init("Last import"),
            ])
            for source in found {
                let last = source.lastImport(in: imported)
                table.addRow([source.tool, source.format, source.folder.path, String(source.files), String(last?.files ?? 0),
                              last.map { Timestamp.iso8601($0.date) } ?? "never"])
            }
            Console.write(table.render())
            if !quietOptions.quiet { Console.write("Import them all: tokenledger import --agents\n") }
        }
    }
}
