import Foundation
import Testing
import TokenLedgerCore

/// `--quiet` on every command that prints results: the result only, no notes or caveats on stderr; one
/// figure where the result is one figure.
@Suite("tokenledger --quiet")
struct QuietCLITests {
    @Test("count --quiet prints the counts and no caveat; the count still carries its ~")
    func count() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let loud = try cli.run("count", "--model", "claude-sonnet-4", stdin: "hello world")
        #expect(loud.stderr.contains("approximation"))
        let quiet = try cli.run("count", "--model", "claude-sonnet-4", "--quiet", stdin: "hello world")
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty)
        #expect(quiet.stdout == loud.stdout && quiet.stdout.hasPrefix("~"))
    }

    @Test("cost --quiet prints the total alone, as estimate --quiet does; with --json it is refused")
    func cost() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        // o3-mini: 1,000 input at $1.10/M + 1,000 output at $4.40/M = $0.0055.
        let quiet = try cli.run("cost", "--model", "o3-mini", "--input-tokens", "1000", "--output-tokens", "1000", "--at", "2025-06-01", "--quiet")
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout == "$0.0055\n")
        #expect(quiet.stderr.isEmpty)
        let both = try cli.run("cost", "--model", "o3-mini", "--input-tokens", "1", "--quiet", "--json")
        #expect(both.status == 2)
        #expect(both.stderr.contains("--quiet and --json cannot be used together; pick one."))
    }

    @Test("prices list --quiet drops the summary note; reprice --quiet prints the difference alone")
    func pricesAndReprice() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let loud = try cli.run("prices", "list", "--provider", "openai")
        #expect(loud.stderr.contains("models priced on"))
        let quiet = try cli.run("prices", "list", "--provider", "openai", "--quiet")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        #expect(quiet.stdout == loud.stdout)

        let table = try cli.run("reprice", "--dry-run")
        #expect(table.status == 0, "\(table.stderr)")
        let figure = try cli.run("reprice", "--dry-run", "--quiet")
        #expect(figure.status == 0 && figure.stderr.isEmpty)
        #expect(figure.stdout.split(separator: "\n").count == 1, "\(figure.stdout)")
        // The same total difference as the table's Total row.
        let total = table.stdout.split(separator: "\n").first { $0.hasPrefix("Total") }.map(String.init) ?? ""
        #expect(total.contains(" " + figure.stdout.trimmingCharacters(in: .newlines) + " "), "\(total) vs \(figure.stdout)")
    }

    @Test("report, session and blocks take --quiet: no caveat on stderr, the same result on stdout")
    func views() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let loud = try cli.run("report", "--month", "2026-10", "--project", "nope", "--format", "csv")
        #expect(loud.stderr.contains("No usage matched --project nope"))
        let quiet = try cli.run("report", "--month", "2026-10", "--project", "nope", "--format", "csv", "--quiet")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        #expect(quiet.stdout == loud.stdout)
        for args in [["session", "--month", "2026-10"], ["blocks", "--since", "2026-10-24", "--until", "2026-10-25"]] {
            let plain = try cli.run(args)
            let silent = try cli.run(args + ["--quiet"])
            #expect(silent.status == 0, "\(args): \(silent.stderr)")
            #expect(silent.stdout == plain.stdout && silent.stderr.isEmpty)
        }
    }
}
