import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// `tokenledger report` end to end: the built binary on a ledger file made from fixtures/reports/ledger.sql.
@Suite("tokenledger report")
struct ReportCLITests {
    /// A CLI runner whose `$TOKENLEDGER_DB` is a fresh ledger file holding the report fixture.
    static func runnerWithFixture() throws -> (CLIRunner, String) {
        var cli = try CLIRunner()
        let path = cli.home.appendingPathComponent("ledger.sqlite").path
        let queue = try DatabaseQueue(path: path)
        _ = try Ledger(queue)
        let sql = try String(contentsOfFile: CLIRunner.fixture("fixtures/reports/ledger.sql"), encoding: .utf8)
        try queue.write { try $0.execute(sql: sql) }
        try queue.close()
        cli.environment["TOKENLEDGER_DB"] = path
        return (cli, path)
    }

    @Test("the table matches the golden file and exits 0")
    func table() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--by", "model,effort")
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let golden = try String(contentsOfFile: CLIRunner.fixture("fixtures/reports/golden/october-by-model-effort.txt"), encoding: .utf8)
        #expect(result.stdout == golden) // not a terminal: no colour
    }

    @Test("--json is --format json, with rows, totals and unpriced")
    func json() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--by", "model,effort", "--reconcile", "--json")
        #expect(result.status == 0)
        let golden = try String(contentsOfFile: CLIRunner.fixture("fixtures/reports/golden/october-by-model-effort.json"), encoding: .utf8)
        #expect(result.stdout == golden)
        let value = try JSONParser.parse(result.stdout)
        #expect(value["totals"]?["cost_usd"]?.string == "0.818175")
        #expect(value["unpriced"]?["model_count"]?.int == 2)
    }

    @Test("daily shortcut, CSV, filters")
    func dailyCSV() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "daily", "--since", "2026-10-25", "--until", "2026-10-26", "--tz", "Europe/Berlin", "--provider", "anthropic", "--format", "csv")
        #expect(result.status == 0)
        #expect(result.stdout == """
            day,requests,input_tokens,cache_read_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost_usd,share,unpriced_requests\r
            2026-10-25,2,300,13000,1000,1000,0,0.02355,0.9345,0\r
            2026-10-26,1,50,0,0,100,0,0.00165,0.0655,0\r

            """)
    }

    @Test("--format html --output writes one self-contained page")
    func html() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let out = cli.home.appendingPathComponent("spend.html").path
        let result = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--format", "html", "--output", out)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let golden = try String(contentsOfFile: CLIRunner.fixture("fixtures/reports/golden/october-by-model.html"), encoding: .utf8)
        #expect(html == golden)
    }

    @Test("markdown and prometheus formats match their golden files")
    func markdownAndPrometheus() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let md = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--by", "project,model", "--format", "markdown")
        #expect(md.stdout == (try String(contentsOfFile: CLIRunner.fixture("fixtures/reports/golden/october-by-project-model.md"), encoding: .utf8)))
        let prom = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--format", "prometheus")
        #expect(prom.stdout == (try String(contentsOfFile: CLIRunner.fixture("fixtures/reports/golden/october.prom"), encoding: .utf8)))
    }

    @Test("a missing ledger is one sentence and exit 1")
    func missingLedger() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "--db", cli.home.appendingPathComponent("nope.sqlite").path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no ledger at"))
        #expect(result.stderr.contains("run 'tokenledger import PATH' first"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("bad --by, date, month, zone, format: exit 2 with a sentence")
    func usageErrors() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let badBy = try cli.run("report", "--by", "model,colour")
        #expect(badBy.status == 2)
        #expect(badBy.stderr.contains("'colour' is not a --by key; valid keys are: model, provider, effort, day, week, month, project, source, session, service-tier, channel, batch, machine, tag:KEY."))
        let badDate = try cli.run("report", "--since", "last tuesday")
        #expect(badDate.status == 2)
        #expect(badDate.stderr.contains("--since 'last tuesday' is not a date"))
        let badMonth = try cli.run("report", "--month", "2026-1")
        #expect(badMonth.status == 2)
        let badZone = try cli.run("report", "--tz", "Europe/Atlantis")
        #expect(badZone.status == 2)
        #expect(badZone.stderr.contains("is not a known IANA time zone"))
        let badFormat = try cli.run("report", "--format", "pdf")
        #expect(badFormat.status == 2)
        let conflict = try cli.run("report", "--json", "--format", "csv")
        #expect(conflict.status == 2)
        for result in [badBy, badDate, badMonth, badZone, badFormat, conflict] {
            #expect(!result.stderr.contains("Fatal error"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("an unwritable --output is one sentence and exit 1")
    func unwritableOutput() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "--output", cli.home.appendingPathComponent("no/such/dir/r.txt").path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot write the report to"))
    }

    @Test("--help carries a usage example")
    func help() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "--help")
        #expect(result.status == 0)
        #expect(result.stdout.contains("tokenledger report --month 2026-11 --by model,effort"))
    }
}
