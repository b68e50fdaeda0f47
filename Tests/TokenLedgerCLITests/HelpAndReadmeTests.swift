import Foundation
import Testing

/// Docs that check themselves: every command has real help text with an example, and the README
/// shows it being used. A new command that skips either fails here.
@Suite("Every command documents itself")
struct HelpAndReadmeTests {
    static let commands = [
        "count", "estimate", "cost", "prices list", "prices show", "prices check", "prices update", "prices import-litellm",
        "import", "sources", "sync", "push", "reprice", "report", "session", "blocks", "budget check", "budget status",
        "config init",
    ]

    @Test("--help of every command exits 0 with an overview and an example", arguments: commands)
    func helpHasExample(command: String) throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run(command.split(separator: " ").map(String.init) + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("OVERVIEW: "))
        #expect(!result.stdout.contains("not built yet"))
        #expect(result.stdout.contains("tokenledger \(command)"), "help shows the command in use")
        #expect(result.stdout.lowercased().contains("example"), "help carries a usage example")
    }

    @Test("the README shows every command in use", arguments: commands)
    func readmeMentions(command: String) throws {
        let readme = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("tokenledger \(command)"))
    }

    @Test("the README's first two commands are the main job and the tests")
    func readmeOpens() throws {
        let readme = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let firstBlock = readme.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first ?? ""
        let lines = firstBlock.split(separator: "\n").map { $0.split(separator: "#").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "" }
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("swift run tokenledger ") == true)
        #expect(lines.last == "swift test")
    }
}
