import Foundation
import GRDB
import Testing
import TokenLedgerCore

@Suite("tokenledger sync")
struct SyncCLITests {
    let fixture = CLIRunner.fixture("fixtures/budgets/responses.jsonl")

    @Test("imports every [[source]] with its project and tags, exactly once")
    func importsOnce() throws {
        let home = try BudgetHome(config: """
            [[source]]
            path = "\(fixture)"
            format = "openai-responses"
            project = "search"
            tags = { team = "core" }
            """)
        defer { home.cli.cleanUp() }
        let first = try home.cli.run("sync", "--json")
        #expect(first.status == 0)
        let summary = try #require(try JSONParser.parse(first.stdout)[0]?["summary"])
        #expect(summary["imported"] == .int(2))
        #expect(summary["files_read"] == .int(1))

        let second = try home.cli.run("sync", "--json")
        let again = try #require(try JSONParser.parse(second.stdout)[0]?["summary"])
        #expect(again["imported"] == .int(0))
        #expect(again["files_unchanged"] == .int(1))

        let rows = try DatabaseQueue(path: home.ledgerFile.path).read { db in
            try Row.fetchAll(db, sql: "SELECT project, tags, effort, cost_usd FROM priced_usage ORDER BY timestamp")
        }
        // Priced by the bundled tables: gpt-4.1-mini 1200 in × $0.40/M + 300 out × $1.60/M = $0.00096;
        // o3 976 uncached × $2/M + 1024 cached × $0.50/M + 900 out × $8/M = $0.009664.
        #expect(rows.map { $0["cost_usd"] as String? } == ["0.000960000000", "0.009664000000"])
        #expect(rows.map { $0["project"] as String? } == ["search", "search"])
        #expect(rows.map { $0["tags"] as String? } == ["{\"team\":\"core\"}", "{\"team\":\"core\"}"])
        #expect(rows.map { $0["effort"] as String } == ["unknown", "high"])
    }

    @Test("quiet on stdout for cron; --verbose prints one line per source")
    func quietForCron() throws {
        let home = try BudgetHome(config: "[[source]]\npath = \"\(fixture)\"\n")
        defer { home.cli.cleanUp() }
        let quiet = try home.cli.run("sync")
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty)
        #expect(quiet.stderr.isEmpty)
        let verbose = try home.cli.run("sync", "--verbose")
        #expect(verbose.stdout == "\(fixture): Imported 0 records from 0 files (1 unchanged).\n")
    }

    @Test("an unknown format is a config error at file:line (exit 2) and nothing is imported")
    func unknownFormat() throws {
        let home = try BudgetHome(config: "[[source]]\npath = \"\(fixture)\"\n\n[[source]]\npath = \"/tmp\"\nformat = \"nope\"\n")
        defer { home.cli.cleanUp() }
        let result = try home.cli.run("sync")
        #expect(result.status == 2)
        #expect(result.stderr.contains("config.toml:4: unknown format 'nope' for source /tmp; use \"auto\" or one of: "))
        #expect(!FileManager.default.fileExists(atPath: home.ledgerFile.path))
    }

    @Test("a missing source is reported (exit 1) while the others are still imported")
    func missingSource() throws {
        let home = try BudgetHome(config: "[[source]]\npath = \"/nonexistent/logs\"\n\n[[source]]\npath = \"\(fixture)\"\n")
        defer { home.cli.cleanUp() }
        let result = try home.cli.run("sync", "--json")
        #expect(result.status == 1)
        #expect(result.stderr.contains("tokenledger: error: source /nonexistent/logs ("))
        #expect(result.stderr.contains("no such file or directory: /nonexistent/logs"))
        let json = try JSONParser.parse(result.stdout)
        #expect(json[1]?["summary"]?["imported"] == .int(2))
    }

    @Test("no [[source]] is a usage error that says what to add")
    func noSources() throws {
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        let result = try home.cli.run("sync")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("tokenledger: error: no [[source]] tables in "))
    }

    @Test("the README cron line works under env -i: sync && budget check")
    func cronLine() throws {
        let home = try BudgetHome(config: "")
        defer { home.cli.cleanUp() }
        // The fixture's records are from November 2025, outside the budget's period, so the budget reads
        // a hand-inserted $6 row: sync must succeed and keep it, then check must fire 50% once.
        try home.writeConfig("""
            [budgets]
            timezone = "UTC"

            [[budget]]
            name = "team"
            limit_usd = "10"

            [[source]]
            path = "\(fixture)"
            """)
        try home.add("2026-11-01T09:00:00Z", usd: "6")
        let env = ["PATH": "/usr/bin:/bin", "TOKENLEDGER_DB": home.ledgerFile.path, "TOKENLEDGER_CONFIG": home.config.path]
        let script = "'\(CLIRunner.binary.path)' sync && '\(CLIRunner.binary.path)' budget check --now 2026-11-01T10:00:00Z"
        let first = try home.runBare(env, ["/bin/sh", "-c", script], program: "/bin/sh")
        #expect(first.status == 3)
        #expect(first.stdout.contains("TokenLedger budget 'team' (month from 2026-11-01, all usage): 50% threshold crossed"))
        let second = try home.runBare(env, ["/bin/sh", "-c", script], program: "/bin/sh")
        #expect(second.status == 0)
        #expect(second.stdout.isEmpty && second.stderr.isEmpty)
    }
}
