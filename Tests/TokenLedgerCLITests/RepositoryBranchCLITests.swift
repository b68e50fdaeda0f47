import Foundation
import Testing
import TokenLedgerCore

/// `report --by repo`, `--by branch` and `--branch NAME` over coding agents' logs, in every format.
@Suite("Spend per repository and branch")
struct RepositoryBranchCLITests {
    @Test("--by repo,branch groups by the remote and branch the agents logged; --branch keeps one branch in every format")
    func reportByRepositoryAndBranch() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let imported = try cli.run("import", "--json",
                                   CLIRunner.fixture("fixtures/logs/codex-git"),
                                   CLIRunner.fixture("fixtures/logs/claude-code/projects/-home-dev-src-shop/6f1d2c3a-1111-4aaa-8bbb-000000000001.jsonl"))
        #expect(imported.status == 0)

        let grouped = try cli.run("report", "--by", "repo,branch", "--format", "json")
        #expect(grouped.status == 0)
        let rows = try #require(try JSONParser.parse(grouped.stdout)["rows"]?.array)
        let pairs = Set(rows.map { "\($0["repo"]?.string ?? "-")@\($0["branch"]?.string ?? "-")" })
        #expect(pairs == ["github.com/acme/billing-api@feature/invoices", "shop@main"])

        for format in ["table", "csv", "markdown", "html", "json", "prometheus"] {
            let r = try cli.run("report", "--by", "branch,model", "--branch", "feature/invoices", "--format", format)
            #expect(r.status == 0, "\(format): \(r.stderr)")
            #expect(r.stdout.contains("feature/invoices") && r.stdout.contains("gpt-5.1-codex"), "\(format)")
            // The Claude Code session is on main (the freshness line still names its source, claude-code).
            #expect(!r.stdout.contains("claude-opus") && !r.stdout.contains("claude-sonnet"), "\(format) keeps only the branch's requests")
        }

        // The hourly rollup cannot filter by branch: a --by model report with --branch must still filter.
        let byModel = try cli.run("report", "--by", "model", "--branch", "main", "--format", "csv")
        #expect(byModel.status == 0 && byModel.stdout.contains("claude-opus") && !byModel.stdout.contains("gpt-5.1-codex"))

        let none = try cli.run("report", "--branch", "no-such-branch")
        #expect(none.stdout.contains("--branch no-such-branch") || none.stderr.contains("--branch no-such-branch"))
    }
}

extension RepositoryBranchCLITests {
    @Test("a budget scoped by branch counts only that branch's spend, as report --branch sums it")
    func budgetScopedByBranch() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        // Codex on feature/invoices in December ($0.024375), Claude Code on main in November ($0.082516).
        #expect(try cli.run("import", CLIRunner.fixture("fixtures/logs/codex-git"),
                            CLIRunner.fixture("fixtures/logs/claude-code/projects/-home-dev-src-shop/6f1d2c3a-1111-4aaa-8bbb-000000000001.jsonl")).status == 0)
        let config = cli.home.appendingPathComponent("budgets.toml")
        try """
            [[budget]]
            name = "invoices"
            limit_usd = "10"
            branch = "feature/invoices"

            [[budget]]
            name = "main"
            limit_usd = "10"
            branch = "main"

            [[budget]]
            name = "everything"
            limit_usd = "10"
            """.write(to: config, atomically: true, encoding: .utf8)
        func spent(at now: String) throws -> [String: String] {
            let r = try cli.run("budget", "status", "--config", config.path, "--now", now, "--json")
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try #require(try JSONParser.parse(r.stdout).array)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["budget"]?.string ?? "", $0["spent_usd"]?.string ?? "") })
        }
        #expect(try spent(at: "2026-12-15T00:00:00Z") == ["invoices": "0.024375", "main": "0", "everything": "0.024375"])
        #expect(try spent(at: "2026-11-20T00:00:00Z") == ["invoices": "0", "main": "0.082516", "everything": "0.082516"])
        let status = try cli.run("budget", "status", "--config", config.path, "--now", "2026-12-15T00:00:00Z")
        #expect(status.stdout.contains("branch feature/invoices"))
    }
}

/// A tool's telemetry and its session files describe the same requests under different keys.
@Suite("Telemetry and session files of one tool")
struct TelemetryOverlapCLITests {
    @Test("importing both warns once per tool with the count and the command that keeps one source; one source alone does not warn")
    func warnsOnOverlap() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let sessions = CLIRunner.fixture("fixtures/logs/otel-overlap/projects")
        let telemetry = CLIRunner.fixture("fixtures/logs/otel-overlap/telemetry/claude-code-events.jsonl")
        let first = try cli.run("import", sessions)
        #expect(first.status == 0 && !first.stderr.contains("warning"))
        let second = try cli.run("import", telemetry)
        #expect(second.status == 0)
        #expect(second.stderr.contains("warning: 2 requests were imported both from OpenTelemetry events and from Claude Code's session files (1 session)"))
        #expect(second.stderr.contains("tokenledger import --agents"))
        let json = try cli.run("import", "--json", "--format", "otel", CLIRunner.fixture("fixtures/logs/otel/agents-logs.jsonl"))
        let warnings = try #require(try JSONParser.parse(json.stdout)["warnings"]?.array)
        #expect(warnings.count == 1 && warnings[0].string?.contains("2 requests") == true)
    }
}
