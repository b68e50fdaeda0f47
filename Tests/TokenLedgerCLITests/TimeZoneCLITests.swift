import Foundation
import Testing
import TokenLedgerCore

/// One default zone for import and report: without --tz both use the local zone ($TZ, else the
/// system's), so a timestamp logged as 09:15 without an offset is reported at 09:15.
@Suite("tokenledger import and report share a default time zone")
struct TimeZoneCLITests {
    static let csv = "Date,Model,Prompt Tokens,Completion Tokens\n2026-11-22 09:15:00,gpt-4.1,1000,200\n"

    func hours(_ cli: CLIRunner, _ extra: String...) throws -> [String?] {
        let result = try cli.run(["report", "--by", "hour", "--since", "2026-11-01", "--json"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONParser.parse(result.stdout)["rows"]?.array?.map { $0["hour"]?.string } ?? []
    }

    @Test("a naive timestamp is read in the local zone, the zone reports use; --tz overrides both")
    func localByDefault() throws {
        let cli = try CLIRunner(environment: ["TZ": "Europe/Berlin"])
        defer { cli.cleanUp() }
        let file = cli.home.appendingPathComponent("usage.csv")
        try TimeZoneCLITests.csv.write(to: file, atomically: true, encoding: .utf8)
        let imported = try cli.run("import", file.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        // 09:15 Berlin (CET) is 08:15 UTC: the report in the local zone shows the hour as logged.
        #expect(try hours(cli) == ["2026-11-22 09:00"])
        #expect(try hours(cli, "--tz", "UTC") == ["2026-11-22 08:00"])

        // --tz on import says the log's zone: 09:15 UTC is 10:15 in Berlin.
        let other = try CLIRunner(environment: ["TZ": "Europe/Berlin"])
        defer { other.cleanUp() }
        let again = other.home.appendingPathComponent("usage.csv")
        try TimeZoneCLITests.csv.write(to: again, atomically: true, encoding: .utf8)
        #expect(try other.run("import", "--tz", "UTC", again.path).status == 0)
        #expect(try hours(other, "--tz", "UTC") == ["2026-11-22 09:00"])
        #expect(try hours(other) == ["2026-11-22 10:00"])
    }

    @Test("the config's timezone comes after --tz and before $TZ, for import, report, session and blocks; a bad one names the file and key")
    func configTimeZone() throws {
        let cli = try CLIRunner(environment: ["TZ": "UTC"])
        defer { cli.cleanUp() }
        let file = cli.home.appendingPathComponent("usage.csv")
        try TimeZoneCLITests.csv.write(to: file, atomically: true, encoding: .utf8)
        let config = cli.home.appendingPathComponent("config/tokenledger/config.toml")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "timezone = \"Asia/Kolkata\"\n".write(to: config, atomically: true, encoding: .utf8)
        // 09:15 in Kolkata (+05:30) is 03:45 UTC; the reports show it in Kolkata unless --tz says otherwise.
        #expect(try cli.run("import", file.path).status == 0)
        #expect(try hours(cli) == ["2026-11-22 09:00"])
        #expect(try hours(cli, "--tz", "UTC") == ["2026-11-22 03:00"])
        let session = try cli.run("session", "--since", "2026-11-01", "--json")
        #expect(session.status == 0 && session.stdout.contains("Asia/Kolkata"), "\(session.stdout)")
        let blocks = try cli.run("blocks", "--since", "2026-11-01")
        #expect(blocks.status == 0 && blocks.stdout.contains("5-hour usage blocks (Asia/Kolkata)"), "\(blocks.stdout)")
        // Without the key, $TZ (UTC here) again.
        try "# no timezone\n".write(to: config, atomically: true, encoding: .utf8)
        #expect(try hours(cli) == ["2026-11-22 03:00"])

        try "timezone = \"Mars/Olympus\"\n".write(to: config, atomically: true, encoding: .utf8)
        for args in [["report", "--month", "2026-11"], ["session"], ["blocks"], ["import", file.path]] {
            let bad = try cli.run(args)
            #expect(bad.status == 2, "\(args)")
            #expect(bad.stderr == "tokenledger: error: \(config.path):1: 'timezone' is \"Mars/Olympus\", which is not a time zone; use an IANA name such as \"Europe/Berlin\", \"UTC\", an offset such as \"+02:00\", or \"local\"\n", "\(args)")
        }
        // --tz wins without reading the key.
        #expect(try cli.run("report", "--month", "2026-11", "--tz", "UTC").status == 0)

        // Budgets: their own timezone, else [budgets]', else the top-level key.
        try "timezone = \"Asia/Kolkata\"\n[[budget]]\nname = \"b\"\nperiod = \"day\"\nlimit_usd = 1\n".write(to: config, atomically: true, encoding: .utf8)
        let status = try cli.run("budget", "status", "--json")
        #expect(status.status == 0, "\(status.stderr)")
        let readings = try JSONParser.parse(status.stdout)
        #expect(readings[0]?["timezone"] == "Asia/Kolkata", "\(status.stdout)")
    }

    @Test("--tz is read the same way by import and reports: IANA names in any case, or an offset")
    func sameZoneText() throws {
        let cli = try CLIRunner(environment: ["TZ": "Europe/Berlin"])
        defer { cli.cleanUp() }
        let file = cli.home.appendingPathComponent("usage.csv")
        try TimeZoneCLITests.csv.write(to: file, atomically: true, encoding: .utf8)
        // 09:15 at +05:30 is 03:45 UTC.
        let imported = try cli.run("import", "--tz", "+05:30", file.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try hours(cli, "--tz", "utc") == ["2026-11-22 03:00"])
        #expect(try hours(cli, "--tz", "+05:30") == ["2026-11-22 09:00"])
        #expect(try hours(cli, "--tz", "Asia/Kolkata") == ["2026-11-22 09:00"])
        let bad = try cli.run("report", "--tz", "+25:00")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("or an offset like +05:30"))
    }

    @Test("OpenRouter's activity export is documented UTC: it stays UTC whatever the local zone, unless --tz says otherwise")
    func openRouterStaysUTC() throws {
        let cli = try CLIRunner(environment: ["TZ": "America/New_York"])
        defer { cli.cleanUp() }
        #expect(try cli.run("import", CLIRunner.fixture("fixtures/logs/openrouter/activity.csv")).status == 0)
        let result = try cli.run("report", "--by", "hour", "--since", "2025-11-25", "--until", "2025-11-25", "--tz", "UTC", "--json")
        let rows = try JSONParser.parse(result.stdout)["rows"]?.array ?? []
        #expect(rows.first?["hour"]?.string == "2025-11-25 10:00", "\(result.stdout)")
    }

    @Test("the config's timezone is a default like the local zone: OpenRouter's export stays UTC; sync reads naive times in it as import does")
    func configZoneIsADefault() throws {
        let cli = try CLIRunner(environment: ["TZ": "UTC"])
        defer { cli.cleanUp() }
        let config = cli.home.appendingPathComponent("config/tokenledger/config.toml")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        let csv = cli.home.appendingPathComponent("logs/usage.csv")
        try FileManager.default.createDirectory(at: csv.deletingLastPathComponent(), withIntermediateDirectories: true)
        try TimeZoneCLITests.csv.write(to: csv, atomically: true, encoding: .utf8)
        try "timezone = \"America/New_York\"\n[[source]]\npath = \"\(csv.path)\"\n".write(to: config, atomically: true, encoding: .utf8)
        #expect(try cli.run("import", CLIRunner.fixture("fixtures/logs/openrouter/activity.csv")).status == 0)
        let result = try cli.run("report", "--by", "hour", "--since", "2025-11-25", "--until", "2025-11-25", "--tz", "UTC", "--json")
        let rows = try JSONParser.parse(result.stdout)["rows"]?.array ?? []
        #expect(rows.first?["hour"]?.string == "2025-11-25 10:00", "\(result.stdout)")
        // sync: 09:15 in New York (EST) is 14:15 UTC, as `import` of the same file would read it.
        #expect(try cli.run("sync").status == 0)
        #expect(try hours(cli, "--tz", "UTC").contains("2026-11-22 14:00"))
    }
}
