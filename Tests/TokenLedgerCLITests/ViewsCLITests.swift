import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// ccusage's everyday views on the report fixture ledger: session, blocks, the models of each
/// calendar row, the compact layout of a narrow terminal, and CSV a spreadsheet opens safely.
@Suite("tokenledger session, blocks and report layouts")
struct ViewsCLITests {
    @Test("session: one row per session id with project, first/last activity, models, tokens and cost")
    func sessions() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let json = try cli.run("session", "--month", "2026-10", "--tz", "Europe/Berlin", "--json")
        #expect(json.status == 0, "\(json.stderr)")
        let value = try JSONParser.parse(json.stdout)
        let sessions = value["sessions"]?.array ?? []
        // Ordered by last activity: sess-a (10-01), sess-b (10-20), s1 (10-25); sess-c is in November.
        #expect(sessions.map { $0["session"]?.string } == ["sess-a", "sess-b", "s1"])
        #expect(sessions[0]["first_activity"]?.string?.hasPrefix("2026-09-30T22:00:00") == true)
        #expect(sessions[0]["projects"] == .array([.string("search")]))
        #expect(sessions[1]["models"] == .array([.string("gpt-5"), .string("gpt-5-mini")]))
        // s1 = r7 + r8 + r9: 350 input, 13,000 cache read, 1,000 cache write, 1,100 output; $0.0252.
        #expect(sessions[2]["total_tokens"]?.int == 15_450)
        #expect(sessions[2]["cost_usd"]?.string == "0.0252")
        // r10, r11 and r15 name no session: in the total only.
        #expect(value["records_without_session"]?.int == 3)

        let table = try cli.run("session", "--since", "20261024", "--until", "20261026", "--tz", "UTC")
        #expect(table.stdout.contains("s1       app      2026-10-24 22:30  2026-10-25 23:30  claude-sonnet-4-5"))
    }

    @Test("blocks: 5-hour windows from the first request's hour, with a gap after 5 silent hours")
    func blocks() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("blocks", "--since", "2026-10-24", "--until", "2026-10-25", "--provider", "anthropic", "--tz", "UTC", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let blocks = try JSONParser.parse(result.stdout)["blocks"]?.array ?? []
        // r7 at 10-24 22:30Z; r8 at 10-25 22:30Z (24 h later: a gap, then a new block); r9 one hour after r8.
        #expect(blocks.map { $0["start"]?.string?.prefix(16) } == ["2026-10-24T22:00", "2026-10-25T03:30", "2026-10-25T22:00"])
        #expect(blocks.map { $0["gap"] } == [.bool(false), .bool(true), .bool(false)])
        #expect(blocks[0]["end"]?.string?.hasPrefix("2026-10-25T03:00") == true)
        #expect(blocks[2]["total_tokens"]?.int == 8_950)
        #expect(blocks[2]["cost_usd"]?.string == "0.01365")
        // From r8 to r9 is one hour: the burn rate is the block's sums per hour.
        #expect(blocks[2]["burn_rate"]?["tokens_per_hour"]?.int == 8_950)
        #expect(blocks[2]["burn_rate"]?["cost_usd_per_hour"]?.string == "0.01365")
        #expect(blocks.allSatisfy { $0["active"] == .bool(false) })

        let table = try cli.run("blocks", "--since", "2026-10-24", "--until", "2026-10-25", "--provider", "anthropic", "--tz", "UTC")
        #expect(table.stdout.contains("2026-10-25 03:30  gap (19h 00m)"))
    }

    @Test("blocks --live draws the active block's burn rate, time left and projection")
    func live() throws {
        let home = try BudgetHome(config: "")
        defer { home.cli.cleanUp() }
        try ViewsCLITests.addActiveBlock(home)
        let result = try home.cli.run("blocks", "--live", "--frames", "1")
        #expect(result.status == 0, "\(result.stderr)")
        // 3,000 tokens and $0.02 over 30 minutes: 6,000 tokens/h, $0.04/h.
        #expect(result.stdout.contains("Burn rate:   6,000 tokens/h, $0.04/h"))
        #expect(result.stdout.contains("So far:      3,000 tokens, $0.02"))
        #expect(result.stdout.contains("Time left:   "))
        #expect(result.stdout.contains("Projection:  "))
        #expect(!result.stdout.contains("\u{1B}["), "no cursor control on a pipe")
    }

    @Test("blocks --live on a terminal (under script) redraws in place and exits 0 on Ctrl-C",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func liveOnTerminal() throws {
        let home = try BudgetHome(config: "")
        defer { home.cli.cleanUp() }
        try ViewsCLITests.addActiveBlock(home)
        let typescript = home.cli.home.appendingPathComponent("typescript").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-e", "-c", "exec \(CLIRunner.binary.path) blocks --live --refresh 1", typescript]
        process.environment = home.cli.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = Pipe()
        try process.run()
        // Two frames, then Ctrl-C to the tokenledger process script runs on its terminal.
        Thread.sleep(forTimeInterval: 2.5)
        let children = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8)) ?? ""
        let child = children.split(separator: " ").first.flatMap { Int32($0) }
        if let child { kill(child, SIGINT) }
        // Never hang the suite: give it five seconds to exit, else end it and fail.
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            if let child { kill(child, SIGKILL) }
            process.terminate()
        }
        process.waitUntilExit()
        #expect(child != nil, "script runs tokenledger as its child")
        #expect(process.terminationStatus == 0)
        let screen = try String(contentsOfFile: typescript, encoding: .utf8)
        #expect(screen.components(separatedBy: "\u{1B}[H\u{1B}[J").count >= 3, "each frame starts by homing the cursor and clearing")
        #expect(screen.contains("Burn rate:   6,000 tokens/h, $0.04/h"))
        #expect(screen.contains("\u{1B}[?25l") && screen.contains("\u{1B}[?25h"), "cursor hidden while live, restored on Ctrl-C")
    }

    /// Two requests 30 minutes apart, the last 10 minutes ago: an active block of 3,000 tokens and $0.02.
    static func addActiveBlock(_ home: BudgetHome) throws {
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        try FileManager.default.createDirectory(at: home.ledgerFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let pool = try DatabasePool(path: home.ledgerFile.path)
        _ = try Ledger(pool)
        try pool.write { db in
            for (i, ts) in [nowMillis - 40 * 60_000, nowMillis - 10 * 60_000].enumerated() {
                try db.execute(sql: """
                    INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, source, input_tokens, output_tokens, cost_pusd, imported_at)
                    VALUES (?, ?, 'anthropic', 'claude-sonnet-4-5', 'claude-sonnet-4-5', 'test', 1000, 500, 10000000000, 0)
                    """, arguments: ["live:\(i)", ts])
            }
        }
        try pool.close()
    }

    @Test("daily lists the models of each day; --by keeps the plain columns")
    func dailyModels() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let result = try cli.run("report", "daily", "--since", "2026-10-25", "--until", "2026-10-26", "--tz", "Europe/Berlin")
        #expect(result.status == 0)
        #expect(result.stdout.contains("Day         Models             Requests"))
        #expect(result.stdout.contains("2026-10-25  claude-sonnet-4-5         2"))
    }

    @Test("a terminal under 100 columns gets the compact table: Requests, Tokens, Cost, Share")
    func compactTable() throws {
        var (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        cli.environment["COLUMNS"] = "80"
        let result = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin")
        #expect(result.status == 0)
        let gemini = result.stdout.split(separator: "\n").first { $0.hasPrefix("gemini-2.5-pro ") }.map(String.init) ?? ""
        #expect(gemini.split(separator: " ") == ["gemini-2.5-pro", "40", "250K", "$0.75", "91.67%"])
        #expect(result.stdout.contains("Model                Requests  Tokens"))
        // Notes and the unpriced lines wrap to the width too (no word here is longer than 80 columns).
        let widest = result.stdout.split(separator: "\n").map { TextTable.displayWidth(String($0)) }.max() ?? 0
        #expect(widest <= 80)
        #expect(result.stdout.contains("Cost totals are a lower bound."))
    }

    @Test("CSV neutralises formula-like cells; --csv-raw keeps them; -o writes a file")
    func csvSafety() throws {
        let (cli, path) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE usage_record SET project = '=HYPERLINK(\"http://x\",\"y\")' WHERE project = 'app'") }
        try queue.close()
        let out = cli.home.appendingPathComponent("spend.csv").path
        let safe = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--by", "project", "--format", "csv", "-o", out)
        #expect(safe.status == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","))
        let raw = try cli.run("report", "--month", "2026-10", "--tz", "Europe/Berlin", "--by", "project", "--format", "csv", "--csv-raw")
        #expect(raw.stdout.contains("\r\n\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","))
    }

    @Test("session and blocks --help stand alone: an overview and examples")
    func help() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        for command in ["session", "blocks"] {
            let result = try cli.run(command, "--help")
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("OVERVIEW: "))
            #expect(result.stdout.contains("tokenledger \(command)"))
            #expect(!result.stdout.contains("README"))
        }
    }
}
