import Foundation
import Testing
import TokenLedgerCore

/// `tokenledger sources` and `import --agents` on a fake home holding several agents' folders.
@Suite("Agent log folders: sources and import --agents")
struct SourcesCLITests {
    /// Copies fixture folder `fixture` to `target` under the runner's home.
    @Test("sources lists what exists; import --agents reads it all once; sources then shows the last import")
    func sourcesAndAgents() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let none = try cli.run("sources")
        #expect(none.status == 0 && none.stdout.contains("No coding agent's log folder was found"))
        let noneQuiet = try cli.run("sources", "--quiet")
        #expect(noneQuiet.status == 0 && noneQuiet.stdout == "No coding agent's log folder was found.\n" && noneQuiet.stderr.isEmpty)
        let nothing = try cli.run("import", "--agents")
        #expect(nothing.status != 0 && nothing.stderr.contains("no coding agent logs found"))
        #expect(nothing.stderr.contains(".gemini/tmp"), "the error names the folders looked in")

        try cli.place("fixtures/logs/claude-code/projects", at: ".claude/projects")
        try cli.place("fixtures/logs/gemini-cli/tmp", at: ".gemini/tmp")
        try cli.place("fixtures/logs/opencode/storage", at: "data/opencode/storage")
        try cli.place("fixtures/logs/cline/Code/User/globalStorage/rooveterinaryinc.roo-cline",
                      at: "config/Cursor/User/globalStorage/rooveterinaryinc.roo-cline")
        let before = try cli.run("sources", "--json")
        #expect(before.status == 0)
        let listed = try #require(try JSONParser.parse(before.stdout).array)
        #expect(Set(listed.compactMap { $0["format"]?.string }) == ["claude-code", "gemini-cli", "opencode", "roo-code"])
        #expect(listed.allSatisfy { $0["last_import"] == .null })

        let first = try cli.run("import", "--agents", "--json")
        #expect(first.status == 0)
        let summary = try JSONParser.parse(first.stdout)
        #expect((summary["imported"]?.int ?? 0) > 0)
        let again = try cli.run("import", "--agents", "--json")
        #expect(try JSONParser.parse(again.stdout)["imported"]?.int == 0)

        let after = try cli.run("sources")
        #expect(after.status == 0 && !after.stdout.contains("never"))
        #expect(after.stdout.contains("Gemini CLI") && after.stdout.contains("OpenCode") && after.stdout.contains("Claude Code") && after.stdout.contains("Roo Code"))
        // --quiet: the table alone, without the hint.
        let quiet = try cli.run("sources", "--quiet")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        #expect(after.stdout.hasSuffix("Import them all: tokenledger import --agents\n"))
        #expect(quiet.stdout + "Import them all: tokenledger import --agents\n" == after.stdout)
    }

    @Test("--help carries an example")
    func help() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("sources", "--help")
        #expect(result.status == 0 && result.stdout.contains("tokenledger sources") && result.stdout.lowercased().contains("example"))
    }
}
