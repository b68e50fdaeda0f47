import Foundation
import GRDB
import Testing
import TokenLedgerCore

/// The everyday paths a new user takes: the first import with one agent present, ccusage's date form,
/// shortcuts with --by, typos, and source metadata added after the first import.
@Suite("tokenledger everyday paths")
struct EverydayCLITests {
    @Test("import --claude-code --codex imports what exists and warns about the absent agent")
    func oneAgentPresent() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        try cli.place("fixtures/logs/claude-code/projects", at: ".claude/projects")
        let result = try cli.run("import", "--json", "--claude-code", "--codex")
        #expect(result.status == 0)
        #expect(result.stderr.contains("tokenledger: warning: no Codex logs found (looked in \(cli.home.path)/.codex/sessions"))
        #expect(!result.stderr.contains("Claude Code logs"))
        let summary = try JSONParser.parse(result.stdout)
        #expect((summary["imported"]?.int ?? 0) > 0)
        #expect(summary["files_read"]?.int == 3)

        let neither = try CLIRunner()
        defer { neither.cleanUp() }
        let none = try neither.run("import", "--claude-code", "--codex")
        #expect(none.status == 1)
        #expect(none.stderr.contains("tokenledger: warning: no Codex logs found"))
        #expect(none.stderr.contains("tokenledger: error: no Claude Code logs found"))
    }

    @Test("--since/--until YYYYMMDD is a day; another bare number is refused, never read as Unix time")
    func compactDates() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let compact = try cli.run("report", "daily", "--since", "20261025", "--until", "20261026", "--tz", "Europe/Berlin",
                                  "--provider", "anthropic", "--format", "csv")
        let dashed = try cli.run("report", "daily", "--since", "2026-10-25", "--until", "2026-10-26", "--tz", "Europe/Berlin",
                                 "--provider", "anthropic", "--format", "csv")
        #expect(compact.status == 0)
        #expect(compact.stdout == dashed.stdout)
        #expect(compact.stdout.contains("2026-10-25,2,300,13000"))

        let epoch = try cli.run("report", "--since", "1790805600")
        #expect(epoch.status == 2)
        #expect(epoch.stderr == "tokenledger: error: --since '1790805600' is a bare number, not a date; write the day as 2026-11-01 or 20261101, or an instant as 2026-11-01T09:30:00Z.\n")
        let badDay = try cli.run("report", "--until", "20261341")
        #expect(badDay.status == 2 && badDay.stderr.contains("--until '20261341' is a bare number"))
    }

    @Test("a shortcut and --by combine: monthly --by model,effort is month × model × effort")
    func shortcutWithBy() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "monthly", "--by", "model,effort", "--tz", "Europe/Berlin", "--format", "csv")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\r\n")
        #expect(lines.first?.hasPrefix("month,model,effort,model_resolved,requests") == true)
        #expect(lines.contains { $0.hasPrefix("2026-09,gpt-5,high,true,1,") })
        #expect(lines.contains { $0.hasPrefix("2026-10,gpt-5,high,true,2,") })

        let clash = try cli.run("report", "daily", "--by", "month,model")
        #expect(clash.status == 2)
        #expect(clash.stderr.contains("'daily' groups by day but --by asks for month; give one of them."))
    }

    @Test("a mistyped option or command gets a suggestion, not an error about the next word")
    func typos() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let since = try cli.run("report", "--sinse", "2026-11-01")
        #expect(since.status == 2)
        #expect(since.stderr == "tokenledger: error: unknown option '--sinse'; did you mean '--since'?\n")
        let format = try cli.run("report", "--formt", "csv")
        #expect(format.stderr == "tokenledger: error: unknown option '--formt'; did you mean '--format'?\n")
        let command = try cli.run("reprot", "monthly")
        #expect(command.status == 2)
        #expect(command.stderr == "tokenledger: error: unknown command 'reprot'; did you mean 'report'?\n")
        let nested = try cli.run("budget", "stauts")
        #expect(nested.stderr == "tokenledger: error: unknown command 'budget stauts'; did you mean 'status'?\n")
        // Values that look like words are not commands, and --opt=value is one argument.
        let (ledger, _) = try ReportCLITests.runnerWithFixture()
        defer { ledger.cleanUp() }
        let fine = try ledger.run("report", "--format=csv", "--by", "model", "-o", ledger.home.appendingPathComponent("models.csv").path)
        #expect(fine.status == 0, "\(fine.stderr)")
    }

    @Test("a project added to a [[source]] later reaches records imported before; a filter that matches nothing says so")
    func sourceMetadataLater() throws {
        let fixture = CLIRunner.fixture("fixtures/budgets/responses.jsonl")
        let home = try BudgetHome(config: "[[source]]\npath = \"\(fixture)\"\n")
        defer { home.cli.cleanUp() }
        #expect(try home.cli.run("sync").status == 0)

        let before = try home.cli.run("report", "--project", "search")
        #expect(before.status == 0)
        #expect(before.stdout.contains("No usage matched --project search: the period has 2 records, none with that filter."))
        #expect(!before.stdout.contains("No usage recorded for this period"))

        try home.writeConfig("[[source]]\npath = \"\(fixture)\"\nproject = \"search\"\ntags = { team = \"core\" }\n")
        let sync = try home.cli.run("sync")
        #expect(sync.status == 0)
        #expect(sync.stderr == "\(fixture): the source's project/tags set on 2 records imported earlier.\n")
        let rows = try DatabaseQueue(path: home.ledgerFile.path).read { db in
            try Row.fetchAll(db, sql: "SELECT project, tags FROM usage_record")
        }
        #expect(rows.map { $0["project"] as String? } == ["search", "search"])
        #expect(rows.map { $0["tags"] as String? } == ["{\"team\":\"core\"}", "{\"team\":\"core\"}"])
        let after = try home.cli.run("report", "--project", "search", "--json")
        #expect(try JSONParser.parse(after.stdout)["totals"]?["requests"]?.int == 2)
        // Applied once: a further sync changes nothing and says nothing.
        #expect(try home.cli.run("sync").stderr.isEmpty)
    }

    @Test("config init writes a commented config with every section, and never overwrites one")
    func configInit() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("config", "init")
        #expect(result.status == 0)
        let path = cli.home.appendingPathComponent("config/tokenledger/config.toml").path
        #expect(result.stderr == "Wrote \(path); uncomment the sections you need.\n")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for section in ["# [[source]]", "# [budgets]", "# [[budget]]", "# [[terms]]", "# [[route]]", "# [[prices]]"] {
            #expect(text.contains(section))
        }
        // The file parses and changes nothing until a section is uncommented.
        let sync = try cli.run("sync")
        #expect(sync.status == 2 && sync.stderr.contains("no [[source]] tables in \(path)"))
        // Uncommented, the [[source]] and [[budget]] samples are valid config.
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("# "), let first = line.dropFirst(2).first, first == "[" || first.isLetter else { return String(line) }
            let body = line.dropFirst(2)
            return body.hasPrefix("Every") || body.hasPrefix("TokenLedger") || body.hasPrefix("Checked") ? String(line) : String(body)
        }.joined(separator: "\n")
        let sample = uncommented.components(separatedBy: "# ── Your negotiated")[0]
        try sample.replacingOccurrences(of: "~/.claude/projects", with: cli.home.path).write(toFile: path, atomically: true, encoding: .utf8)
        let status = try cli.run("budget", "status", "--json")
        #expect(status.status == 0, "\(status.stderr)")
        #expect(try JSONParser.parse(status.stdout)[0]?["budget"] == "monthly")

        let again = try cli.run("config", "init")
        #expect(again.status == 2)
        #expect(again.stderr == "tokenledger: error: \(path) already exists; edit it, or pass --force to replace it with the commented template.\n")
    }

    @Test("budget check --json prints JSON for a config error too")
    func budgetCheckJSONError() throws {
        let home = try BudgetHome(config: "[[budget]]\nname = \"x\"\nperiod = \"fortnight\"\nlimit_usd = \"5\"\n")
        defer { home.cli.cleanUp() }
        let result = try home.cli.run("budget", "check", "--json")
        #expect(result.status == 2)
        let json = try JSONParser.parse(result.stdout)
        #expect(json["exit_status"] == .int(2))
        #expect(json["error"]?.string?.contains("config.toml:3") == true)
        #expect(result.stderr.hasPrefix("tokenledger: error: "))
    }

    @Test("report --sync imports the configured sources first, so the report is current")
    func reportSync() throws {
        let fixture = CLIRunner.fixture("fixtures/budgets/responses.jsonl")
        let home = try BudgetHome(config: "[[source]]\npath = \"\(fixture)\"\nproject = \"search\"\n")
        defer { home.cli.cleanUp() }
        let result = try home.cli.run("report", "--sync", "--by", "project", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout)
        #expect(json["totals"]?["requests"]?.int == 2)
        #expect(json["rows"]?[0]?["project"] == "search")
        // Exactly once: a second --sync adds nothing.
        let again = try JSONParser.parse(try home.cli.run("report", "--sync", "--json").stdout)
        #expect(again["totals"]?["requests"]?.int == 2)
    }
}
