import Foundation
import Testing
import TokenLedgerCore

@Suite("tokenledger prices")
struct PricesCLITests {
    /// Writes the user's config file where the default lookup finds it.
    func writeConfig(_ cli: CLIRunner, _ text: String) throws {
        let dir = cli.home.appendingPathComponent("config/tokenledger")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: dir.appendingPathComponent("config.toml"))
    }

    @Test("list shows the bundled prices per 1M tokens, filtered by provider")
    func list() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("prices", "list", "--provider", "openai", "--at", "2025-06-01")
        #expect(result.status == 0)
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("o3-mini-2025-01-31 ") }
        #expect(line?.contains("$1.10") == true && line?.contains("$0.55") == true && line?.contains("$4.40") == true)
        #expect(!result.stdout.contains("claude"))

        let bad = try cli.run("prices", "list", "--provider", "nosuch")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("no price table is for the provider 'nosuch'"))
    }

    @Test("list --json carries money as decimal strings")
    func listJSON() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("prices", "list", "--provider", "openai", "--at", "2025-06-01", "--json")
        #expect(result.status == 0)
        let json = try JSONParser.parse(result.stdout)
        let o3 = json["models"]?.array?.first { $0["id"]?.string == "o3-2025-04-16" }
        // Before the 2025-06-10 cut: $10 in, $40 out.
        #expect(o3?[path: "prices", "input"] == .string("10"))
        #expect(o3?[path: "prices", "output"] == .string("40"))
        #expect(o3?["period_from"]?.string == "2025-04-16")
    }

    @Test("show explains each number's layer; the price at each date; history")
    func show() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let before = try cli.run("prices", "show", "o3", "--at", "2025-06-09")
        #expect(before.status == 0)
        #expect(before.stdout.contains("o3-2025-04-16"))
        #expect(before.stdout.contains("$40.00"))
        #expect(before.stdout.contains("from 2025-06-10: input $2.00, output $8.00"))
        let after = try cli.run("prices", "show", "openai/o3", "--at", "2025-06-10", "--json")
        let json = try JSONParser.parse(after.stdout)
        let output = json["components"]?.array?.first { $0["component"]?.string == "output" }
        #expect(output?["price"] == .string("8"))
        #expect(output?["set_by"] == .string("bundled"))
    }

    @Test("show --channel prints the channel's price next to the official one")
    func showChannel() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("prices", "show", "o3-mini", "--channel", "302ai", "--at", "2025-06-01")
        #expect(result.status == 0)
        #expect(result.stdout.contains("layers (outermost first): channel:302ai > bundled:openai"))
        #expect(result.stdout.contains("Official"))
        let input = result.stdout.split(separator: "\n").first { $0.hasPrefix("input ") }
        #expect(input?.contains("channel:302ai") == true)
        #expect(input?.components(separatedBy: "$1.10").count == 3) // channel and official both $1.10

        let unknown = try cli.run("prices", "show", "o3-mini", "--channel", "nochannel")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("there is no price channel named 'nochannel'"))
    }

    @Test("show applies the config's [[terms]] and names them")
    func showTerms() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        try writeConfig(cli, """
            [[terms]]
            name = "acme-2026"
            provider = "openai"
            from = 2026-01-01
            discount_percent = 15
            """)
        let result = try cli.run("prices", "show", "o3-mini", "--at", "2026-02-01", "--json")
        #expect(result.status == 0)
        let json = try JSONParser.parse(result.stdout)
        let input = json["components"]?.array?.first { $0["component"]?.string == "input" }
        // $1.10 × 0.85 = $0.935
        #expect(input?["price"] == .string("0.935"))
        #expect(input?["set_by"] == .string("terms:acme-2026"))
        #expect(input?["official"] == .string("1.1"))
        #expect(json["layers"] == ["terms:acme-2026", "bundled:openai"])
    }

    @Test("bad input: unknown model, bad date, bad config, missing --config — exit 2, one sentence")
    func errors() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let unknown = try cli.run("prices", "show", "gpt-99")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("tokenledger: error: no price table lists the model 'gpt-99'"))
        let date = try cli.run("prices", "show", "o3", "--at", "2025-13-01")
        #expect(date.status == 2)
        #expect(date.stderr.contains("--at '2025-13-01' is not a date"))
        let missing = try cli.run("prices", "show", "o3", "--config", cli.home.path + "/nope.toml")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.toml does not exist"))
        try writeConfig(cli, "[[terms]]\nname = \"x\"\ndiscount_percent = lots\n")
        let badConfig = try cli.run("prices", "list")
        #expect(badConfig.status == 2)
        #expect(badConfig.stderr.contains("config.toml:3: 'lots' is not a number"))
        for r in [unknown, date, missing, badConfig] {
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        }
    }

    @Test("check passes on the bundled tables and on pricing/*.toml")
    func checkBundled() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let bundled = try cli.run("prices", "check")
        #expect(bundled.status == 0)
        #expect(bundled.stderr.contains("no problems"))
        let files = try FileManager.default.contentsOfDirectory(atPath: CLIRunner.fixture("pricing"))
            .filter { $0.hasSuffix(".toml") }.map { "pricing/" + $0 }
        let onDisk = try cli.run(["prices", "check"] + files)
        #expect(onDisk.status == 0, "\(onDisk.stdout)")
    }

    @Test("check reports each problem with file:line and exits 1")
    func checkProblems() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let path = cli.home.appendingPathComponent("bad.toml").path
        try Data("""
            [table]
            provider = "openai"
            channel = "official"

            [[model]]
            id = "m-1"

            [[model.period]]
            from = "2025-01-01"
            input = 1.0000001
            output = 2

            [[model.period]]
            from = "2024-12-01"
            input = 1
            """.utf8).write(to: URL(fileURLWithPath: path))
        let result = try cli.run("prices", "check", path)
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("\(path):10: ") && $0.contains("more than six decimal places") })
        #expect(lines.contains { $0.hasPrefix("\(path):13: ") && $0.contains("no 'output' price") })
        #expect(lines.contains { $0.hasPrefix("\(path):13: ") && $0.contains("starts before the previous one") })
        #expect(result.stderr.contains("3 problems"))

        let json = try cli.run("prices", "check", path, "--json")
        #expect(try JSONParser.parse(json.stdout)["problems"]?.array?.count == 3)

        let missing = try cli.run("prices", "check", cli.home.path + "/none.toml")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file: "))
    }

    @Test("import-litellm writes a table that passes check, and reports what it could not map")
    func importLiteLLM() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let out = cli.home.appendingPathComponent("openai.toml").path
        let result = try cli.run("prices", "import-litellm", CLIRunner.fixture("fixtures/pricing/litellm-sample.json"), "--provider", "openai", "-o", out)
        #expect(result.status == 0)
        #expect(result.stderr.contains("converted 5 models to \(out); skipped 1"))
        #expect(result.stderr.contains("skipped dall-e-3: no input_cost_per_token"))
        #expect(result.stderr.contains("not mapped whisper-1: output_cost_per_second"))
        #expect(result.stderr.contains("not mapped gpt-4o-mini-tts: output_cost_per_second"))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("id = \"o3-mini\"\n"))
        #expect(text.contains("input = 1.1\ncached_input = 0.55\noutput = 4.4\n"))
        let check = try cli.run("prices", "check", out)
        #expect(check.status == 0, "\(check.stdout)")

        let notJSON = try cli.run("prices", "import-litellm", out)
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.contains("is not valid JSON"))
    }

    @Test("list and show --json carry every number the engine can bill: batch, long context, tiers and time windows")
    func jsonEveryBillableNumber() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let list = try cli.run("prices", "list", "--provider", "xai", "--at", "2026-10-01", "--json")
        #expect(list.status == 0)
        let grok = try JSONParser.parse(list.stdout)["models"]?.array?.first { $0["id"]?.string == "grok-4.3" }
        #expect(grok?[path: "batch", "input"] == .string("1"))          // $1.25 × 0.8
        #expect(grok?[path: "batch", "cached_input"] == .string("0.16"))
        #expect(grok?[path: "long_context", "rule"] == .string("at_least"))
        #expect(grok?[path: "long_context", "smallest_prompt"] == .int(200_000))
        #expect(grok?[path: "long_context", "prices", "input"] == .string("2.5"))
        #expect(grok?[path: "long_context", "batch", "output"] == .string("4"))  // $5 × 0.8

        let gpt = try cli.run("prices", "show", "gpt-5.2", "--at", "2026-01-10", "--json")
        let gptJSON = try JSONParser.parse(gpt.stdout)
        #expect(gptJSON[path: "batch", "cached_input"] == .string("0.0875"))
        #expect(gptJSON[path: "service_tiers", "flex", "input"] == .string("0.875"))
        #expect(gptJSON[path: "service_tiers", "priority", "input"] == .string("3.5"))
        #expect(gptJSON["long_context"] == .null)

        let offPeak = try JSONParser.parse(try cli.run("prices", "show", "deepseek-v4-pro", "--at", "2026-09-01T12:00:00Z", "--json").stdout)
        #expect(offPeak["time_window"] == .null)
        #expect(offPeak[path: "prices", "input"] == .string("0.66"))
        #expect(offPeak["batch"] == .null)
        let windows = offPeak["time_windows"]?.array ?? []
        #expect(windows.count == 2)
        #expect(windows.first?["utc"] == .string("01:00-04:00"))
        #expect(windows.first?[path: "prices", "input"] == .string("1.32"))
        #expect(windows.first?["days"]?.array?.count == 5)
        let peak = try JSONParser.parse(try cli.run("prices", "show", "deepseek-v4-pro", "--at", "2026-09-01T02:00:00Z", "--json").stdout)
        #expect(peak["time_window"] == .string("peak"))
        #expect(peak[path: "prices", "output"] == .string("3.96"))

        let text = try cli.run("prices", "show", "deepseek-v4-pro", "--at", "2026-09-01T02:00:00Z")
        #expect(text.stdout.contains("time window peak 06:00-10:00 UTC (mon, tue, wed, thu, fri) except cn-public-holidays: every price ×2"))
        #expect(text.stdout.contains("(applies at the time asked)"))
    }

}
