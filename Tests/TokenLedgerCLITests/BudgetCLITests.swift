import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// A private home with a config file and a ledger whose rows the test writes directly (chosen costs).
struct BudgetHome {
    let cli: CLIRunner
    var config: URL { cli.home.appendingPathComponent("config/tokenledger/config.toml") }
    var ledgerFile: URL { cli.home.appendingPathComponent("data/tokenledger/ledger.sqlite") }
    private let counter = Counter()

    init(config text: String) throws {
        cli = try CLIRunner()
        try writeConfig(text)
    }

    func writeConfig(_ text: String) throws {
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: config, atomically: true, encoding: .utf8)
    }

    /// Adds a usage row at `time` costing `usd` (nil: unpriced).
    func add(_ time: String, usd: String?, project: String? = nil) throws {
        try FileManager.default.createDirectory(at: ledgerFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let pool = try DatabasePool(path: ledgerFile.path)
        _ = try Ledger(pool) // creates the schema
        let ms = Int64(((Timestamp.parse(time)?.timeIntervalSince1970 ?? 0) * 1000).rounded())
        let cost = usd.flatMap { Money(decimalText: $0) }.flatMap { Int64(exactly: $0.picodollars) }
        let key = "cli-test:\(counter.next())"
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO usage_record (dedup_key, ts, provider, model, source, project, cost_pusd, unpriced_reason, imported_at)
                VALUES (?, ?, 'openai', ?, 'test', ?, ?, ?, 0)
                """, arguments: [key, ms, cost == nil ? "gpt-9-mini" : "gpt-4o-mini", project, cost,
                                 cost == nil ? "no price table lists the model 'gpt-9-mini' (by id or alias); see 'tokenledger prices list'." : nil])
        }
    }

    func check(_ now: String, _ extra: String...) throws -> CLIRunner.Result {
        try cli.run(["budget", "check", "--now", now] + extra)
    }

    /// Runs the binary (or `program` with `args` as its full command line) under `env -i` with exactly
    /// `variables`: cron's bare environment, no HOME unless given.
    func runBare(_ variables: [String: String], _ args: [String], program: String? = nil) throws -> CLIRunner.Result {
        var bare = cli
        bare.environment = variables
        let command = program == nil ? [CLIRunner.binary.path] + args : args
        return try bare.run(["/usr/bin/env", "-i"] + variables.map { "\($0.key)=\($0.value)" }.sorted() + command, viaEnv: true)
    }

    final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
    }
}

extension CLIRunner {
    /// Runs `args[0]` (an absolute program, e.g. /usr/bin/env) with the rest as its arguments.
    func run(_ args: [String], viaEnv: Bool) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: args[0])
        process.arguments = Array(args.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = home
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

let monthlyBudget = """
    [budgets]
    timezone = "UTC"

    [[budget]]
    name = "team"
    period = "month"
    limit_usd = "100.00"
    """

@Suite("tokenledger budget")
struct BudgetCLITests {
    @Test("quiet and exit 0 when every budget is within its limits")
    func quietWhenWithin() throws {
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        try home.add("2026-11-02T09:00:00Z", usd: "10")
        let result = try home.check("2026-11-03T00:00:00Z")
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.isEmpty)
    }

    @Test("50% exits 3, again exits 0 quietly, 80% exits 3, the limit exits 4, then quiet")
    func exitCodesAcrossRuns() throws {
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        try home.add("2026-11-01T09:00:00Z", usd: "55")
        let first = try home.check("2026-11-01T10:00:00Z")
        #expect(first.status == 3)
        #expect(first.stdout == "TokenLedger budget 'team' (month from 2026-11-01, all usage): 50% threshold crossed: spent $55.00 of $100.00 (55.0%).\n")
        #expect(first.stderr.isEmpty)
        let again = try home.check("2026-11-01T10:15:00Z")
        #expect(again.status == 0)
        #expect(again.stdout.isEmpty && again.stderr.isEmpty)

        try home.add("2026-11-02T09:00:00Z", usd: "30")
        let second = try home.check("2026-11-02T10:00:00Z")
        #expect(second.status == 3)
        #expect(second.stdout.contains("80% threshold crossed: spent $85.00 of $100.00 (85.0%)"))

        try home.add("2026-11-03T09:00:00Z", usd: "20", project: "x")
        let third = try home.check("2026-11-03T10:00:00Z")
        #expect(third.status == 4)
        #expect(third.stdout.contains("limit exceeded: spent $105.00 of $100.00 (105.0%)"))
        let quiet = try home.check("2026-11-03T10:15:00Z")
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty)
    }

    @Test("a steady overrun is forecast (exit 4) while spend is still under the limit")
    func forecast() throws {
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        for day in 1...8 { try home.add("2026-11-0\(day)T12:00:00Z", usd: "5") }
        let result = try home.check("2026-11-09T00:00:00Z", "--json")
        #expect(result.status == 4)
        let json = try JSONParser.parse(result.stdout)
        #expect(json["exit_status"] == .int(4))
        let alert = try #require(json["alerts"]?[0])
        #expect(alert["kind"] == "forecast")
        #expect(alert["spent_usd"] == "40")
        #expect(alert["forecast_usd"] == "150")
        #expect(alert["delivery"] == "delivered")
        #expect(alert["action"] == "print")
    }

    @Test("--dry-run shows what would fire, records nothing, and keeps the exit status")
    func dryRun() throws {
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        try home.add("2026-11-01T09:00:00Z", usd: "60")
        let dry = try home.check("2026-11-01T10:00:00Z", "--dry-run")
        #expect(dry.status == 3)
        #expect(dry.stdout.hasPrefix("would fire: TokenLedger budget 'team'"))
        let real = try home.check("2026-11-01T10:05:00Z")
        #expect(real.status == 3)
        #expect(real.stdout.contains("50% threshold crossed"))
    }

    @Test("a failing command is reported on stderr and the alert is delivered by the next run")
    func failingCommand() throws {
        let home = try BudgetHome(config: monthlyBudget + "\ncommand = \"echo pager down >&2; exit 9\"\n")
        defer { home.cli.cleanUp() }
        try home.add("2026-11-01T09:00:00Z", usd: "55")
        let failed = try home.check("2026-11-01T10:00:00Z")
        #expect(failed.status == 3)
        #expect(failed.stderr == "tokenledger: warning: budget 'team': the threshold:50 alert was not delivered: command 'echo pager down >&2; exit 9' exited with status 9 (pager down); it will be retried on the next run.\n")

        let sent = home.cli.home.appendingPathComponent("sent.json")
        try home.writeConfig(monthlyBudget + "\ncommand = \"cat > '\(sent.path)'\"\n")
        let retried = try home.check("2026-11-01T10:15:00Z")
        #expect(retried.status == 3)
        #expect(retried.stderr.isEmpty)
        let payload = try JSONParser.parse(try String(contentsOf: sent, encoding: .utf8))
        #expect(payload["kind"] == "threshold:50")
        #expect(payload["spent_usd"] == "55")
        let after = try home.check("2026-11-01T10:30:00Z")
        #expect(after.status == 0)
        #expect(after.stdout.isEmpty && after.stderr.isEmpty)
    }

    @Test("two overlapping checks (two cron runs at once) alert exactly once")
    func overlappingProcesses() throws {
        let sentName = "sent.txt"
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        let sent = home.cli.home.appendingPathComponent(sentName)
        let started = home.cli.home.appendingPathComponent("started")
        let release = home.cli.home.appendingPathComponent("release")
        // The first process's alert command holds its delivery open until the test releases it, so the
        // second process certainly runs its check while the first is mid-delivery.
        let command = "echo \\\"$TOKENLEDGER_ALERT_KIND\\\" >> '\(sent.path)'; touch '\(started.path)'; while [ ! -e '\(release.path)' ]; do sleep 0.01; done"
        try home.writeConfig(monthlyBudget + "\ncommand = \"\(command)\"\n")
        try home.add("2026-11-01T09:00:00Z", usd: "60")
        let statuses = StatusBox()
        let runs = DispatchGroup()
        func run() {
            DispatchQueue.global().async(group: runs) {
                statuses.append((try? home.check("2026-11-01T10:00:00Z").status) ?? -1)
            }
        }
        run()
        #expect(waitForFile(started), "the first check never started delivering")
        run()
        // Give the second process time to start and reach the ledger; whatever it has reached, it cannot
        // finish while the first holds the alert claim, and the first cannot finish before the release.
        Thread.sleep(forTimeInterval: 0.5)
        #expect(statuses.values.isEmpty, "a check finished while the first delivery was still held open")
        FileManager.default.createFile(atPath: release.path, contents: nil)
        #expect(runs.wait(timeout: .now() + 120) == .success)
        #expect(statuses.values.sorted() == [0, 3])
        #expect(try String(contentsOf: sent, encoding: .utf8) == "threshold:50\n")
    }

    @Test("status shows every budget as a table and as JSON with money as decimal strings")
    func status() throws {
        let home = try BudgetHome(config: monthlyBudget + """

            [[budget]]
            name = "acme-daily"
            period = "day"
            limit_usd = 2.5
            project = "acme"
            """)
        defer { home.cli.cleanUp() }
        try home.add("2026-11-10T09:00:00Z", usd: "12.345", project: "acme")
        try home.add("2026-11-10T10:00:00Z", usd: nil, project: "acme")
        let table = try home.cli.run("budget", "status", "--now", "2026-11-10T12:00:00Z")
        #expect(table.status == 0)
        // $12.345 shows as $12.34 (half-even, display only). Month: 12.345 + 12.345 × 20.5/7 = 48.498…;
        // day: 12 of 24 hours passed, 12.345 + 12.345 × 12/12 = 24.69, over the $2.50 limit.
        #expect(table.stdout == """
            Budget      Period                   Spent    Limit           %  Forecast  Days left  Scope
            ──────────  ─────────────────────  ───────  ───────  ──────────  ────────  ─────────  ────────────
            team        month from 2026-11-01  $12.34*  $100.00        12.3    $48.50       20.5  all usage
            acme-daily  day from 2026-11-10    $12.34*    $2.50  493.8 over   $24.69!        0.5  project acme
            * includes unpriced usage that is not counted: the spend is a lower bound.
              team: 1 record: unknown model (gpt-9-mini).
              acme-daily: 1 record: unknown model (gpt-9-mini).
              Fix (unknown model): tokenledger prices update <LiteLLM or genai-prices price file or URL> --reprice (or add the model to a table in $XDG_CONFIG_HOME/tokenledger/prices/, then tokenledger reprice).
            over: acme-daily spent more than the limit this period.
            ! the forecast exceeds the limit.

            """)
        // --quiet: the table and its lower-bound footnote only (the result's own caveat).
        let quiet = try home.cli.run("budget", "status", "--now", "2026-11-10T12:00:00Z", "--quiet")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        #expect(quiet.stdout == table.stdout.components(separatedBy: "  team: 1 record")[0])
        #expect(quiet.stdout.hasSuffix("* includes unpriced usage that is not counted: the spend is a lower bound.\n"))
        let json = try JSONParser.parse(try home.cli.run("budget", "status", "--now", "2026-11-10T12:00:00Z", "--json").stdout)
        #expect(json[0]?["spent_usd"] == "12.345")
        #expect(json[0]?["limit_usd"] == "100")
        #expect(json[0]?["days_left"] == "20.5")
        #expect(json[0]?["timezone"] == "UTC")
        #expect(json[1]?["budget"] == "acme-daily")
        #expect(json[1]?["percent"] == "493.8")
        #expect(json[1]?["forecast_usd"] == "24.69")
        #expect(json[1]?["unpriced_records"] == .int(1))
        #expect(json[1]?["unpriced_causes"]?[0]?["cause"] == "unknown_model")
        #expect(json[1]?["unpriced_causes"]?[0]?["models"]?[0] == "gpt-9-mini")
    }

    @Test("config mistakes exit 2 with file:line; no budgets exits 2 with what to do")
    func configErrors() throws {
        let home = try BudgetHome(config: monthlyBudget.replacingOccurrences(of: "\"month\"", with: "\"fortnight\""))
        defer { home.cli.cleanUp() }
        let bad = try home.check("2026-11-01T10:00:00Z")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("config.toml:6: "))
        #expect(bad.stderr.contains("budget 'team': period must be \"day\", \"week\" or \"month\", not \"fortnight\""))
        try home.writeConfig("")
        let none = try home.check("2026-11-01T10:00:00Z")
        #expect(none.status == 2)
        #expect(none.stderr.hasPrefix("tokenledger: error: no budgets are defined in "))
        let badNow = try home.check("yesterday")
        #expect(badNow.status == 2)
    }

    @Test("works under env -i with only TOKENLEDGER_DB and TOKENLEDGER_CONFIG; without HOME or them, a clear error")
    func bareEnvironment() throws {
        let home = try BudgetHome(config: monthlyBudget)
        defer { home.cli.cleanUp() }
        try home.add("2026-11-01T09:00:00Z", usd: "90")
        let ok = try home.runBare(
            ["TOKENLEDGER_DB": home.ledgerFile.path, "TOKENLEDGER_CONFIG": home.config.path],
            ["budget", "check", "--now", "2026-11-01T10:00:00Z"])
        #expect(ok.status == 3)
        #expect(ok.stdout.contains("80% threshold crossed"))
        let noHome = try home.runBare([:], ["budget", "check"])
        #expect(noHome.status == 2)
        #expect(noHome.stderr == "tokenledger: error: cannot find a default config file location because HOME is not set; pass --config PATH or set TOKENLEDGER_CONFIG.\n")
        let flags = try home.runBare([:], ["budget", "status", "--db", home.ledgerFile.path, "--config", home.config.path, "--now", "2026-11-01T10:00:00Z", "--json"])
        #expect(flags.status == 0)
        #expect(try JSONParser.parse(flags.stdout)[0]?["spent_usd"] == "90")
    }
}

/// Polls for a file the code under test creates; false after `seconds`.
func waitForFile(_ url: URL, seconds: Double = 60) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !FileManager.default.fileExists(atPath: url.path) {
        if Date() > deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int32] = []
    func append(_ v: Int32) { lock.lock(); stored.append(v); lock.unlock() }
    var values: [Int32] { lock.lock(); defer { lock.unlock() }; return stored }
}
