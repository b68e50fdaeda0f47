import Foundation
import Testing
import TokenLedgerCore

@Suite("tokenledger cost")
struct CostCLITests {
    @Test("o3-mini with cached input and reasoning: the breakdown and the total")
    func breakdown() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("cost", "--model", "o3-mini", "--input", "2000", "--cached", "8000",
                                 "--output", "3000", "--reasoning", "2000", "--at", "2025-06-01")
        #expect(result.status == 0)
        // 2,000 × $1.10 + 8,000 × $0.55 + 1,000 × $4.40 + 2,000 × $4.40 (per 1M) = $0.0022 + $0.0044 + $0.0044 + $0.0088
        #expect(result.stdout.contains("o3-mini-2025-01-31 · openai · prices from 2025-01-31 · layers: bundled:openai"))
        let total = result.stdout.split(separator: "\n").first { $0.hasPrefix("total") }
        #expect(total?.contains("$0.0198") == true)
        let reasoning = result.stdout.split(separator: "\n").first { $0.hasPrefix("reasoning") }
        #expect(reasoning?.contains("$0.0088") == true)
        // The spelling every command shares (--output is a file elsewhere) prints the same breakdown.
        let spelled = try cli.run("cost", "--model", "o3-mini", "--input-tokens", "2000", "--cached-tokens", "8000",
                                  "--output-tokens", "3000", "--reasoning-tokens", "2000", "--at", "2025-06-01")
        #expect(spelled.status == 0)
        #expect(spelled.stdout == result.stdout)
        let help = try cli.run("cost", "--help")
        #expect(help.stdout.contains("--output-tokens <n>") && !help.stdout.contains("--output <"))
    }

    @Test("--audio-seconds and --characters price models billed by the minute and by length; a token model given only seconds is unpriced")
    func unitQuantities() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        // whisper-1: 754 s = 12.5666… min × $0.006 = $0.0754.
        let whisper = try cli.run("cost", "--model", "whisper-1", "--audio-seconds", "754", "--json")
        #expect(whisper.status == 0)
        let component = try #require(try JSONParser.parse(whisper.stdout)["components"]?[0])
        #expect(component["name"] == "audio_seconds" && component["quantity"] == .int(754))
        #expect(component["unit"] == "USD per minute of audio" && component["cost"] == "0.0754")
        // tts-1: 123,457 characters × $15 per 1M = $1.851855.
        #expect(try cli.run("cost", "--model", "tts-1", "--characters", "123457", "--quiet").stdout == "$1.851855\n")
        // gpt-4o-transcribe bills tokens: seconds alone leave it unpriced, said so, never $0.
        let tokens = try cli.run("cost", "--model", "gpt-4o-transcribe", "--audio-seconds", "60", "--quiet")
        #expect(tokens.status != 0 && tokens.stdout.isEmpty && tokens.stderr.contains("cost is unknown"))
    }

    @Test("--json: components with layers, money as strings; batch halves; the date picks the period")
    func json() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let before = try JSONParser.parse(try cli.run("cost", "--model", "o3", "--input", "1000000", "--output", "200000",
                                                      "--batch", "--at", "2025-06-01", "--json").stdout)
        // Before the cut, batch: 1,000,000 × $10 × 0.5 + 200,000 × $40 × 0.5 (per 1M) = $5 + $4
        #expect(before["total"] == .string("9"))
        #expect(before["period_start"] == .string("2025-04-16"))
        let after = try JSONParser.parse(try cli.run("cost", "--model", "o3", "--input", "1000000", "--output", "200000",
                                                     "--batch", "--at", "2025-06-10", "--json").stdout)
        // After: 1,000,000 × $2 × 0.5 + 200,000 × $8 × 0.5 (per 1M) = $1 + $0.80
        #expect(after["total"] == .string("1.8"))
        #expect(after["components"]?[0]?["unit_price"] == .string("1"))
        #expect(after["components"]?[0]?["layer"] == .string("bundled"))
    }

    @Test("Claude cache writes (5m, 1h) and reads")
    func claude() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("cost", "--model", "claude-sonnet-4-20250514", "--input", "100", "--cached", "50000",
                                 "--cache-write-5m", "10000", "--cache-write-1h", "20000", "--output", "2000",
                                 "--at", "2025-08-01", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        // 100 × $3 + 50,000 × $0.30 + 10,000 × $3.75 + 20,000 × $6 + 2,000 × $15 (per 1M)
        // = $0.0003 + $0.015 + $0.0375 + $0.12 + $0.03 = $0.2028
        #expect(try JSONParser.parse(result.stdout)["total"] == .string("0.2028"))
    }

    @Test("a channel: the layer says who set each price")
    func channel() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("cost", "--model", "302ai/o3-mini", "--input", "1000", "--output", "1000", "--at", "2025-06-01", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout)
        // 1,000 × $1.10 + 1,000 × $4.40 (per 1M) = $0.0055
        #expect(json["total"] == .string("0.0055"))
        #expect(json["layers"] == ["channel:302ai", "bundled:openai"])
        #expect(json["components"]?[0]?["layer"] == .string("channel:302ai"))
    }

    @Test("unknown model, bad date, bad counts: exit 2 with one sentence, never a guessed price")
    func errors() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let unknown = try cli.run("cost", "--model", "o3-mini-hihg", "--input", "10")
        #expect(unknown.status == 2)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("no price table lists the model 'o3-mini-hihg'"))
        #expect(unknown.stderr.contains("Did you mean: o3-mini"))
        let date = try cli.run("cost", "--model", "o3", "--input", "10", "--at", "last tuesday")
        #expect(date.status == 2)
        #expect(date.stderr.contains("is not a date"))
        let negative = try cli.run("cost", "--model", "o3", "--input=-5")
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("--input-tokens must be zero or more"))
        let reasoning = try cli.run("cost", "--model", "o3", "--output", "10", "--reasoning", "20")
        #expect(reasoning.status == 2)
        #expect(reasoning.stderr.contains("output tokens include reasoning tokens"))
        let both = try cli.run("cost", "--model", "o3", "--output", "10", "--output-tokens", "10")
        #expect(both.status == 2)
        #expect(both.stderr.contains("--output-tokens and --output are the same count; give it once, as --output-tokens."))
        let early = try cli.run("cost", "--model", "o3", "--input", "10", "--at", "2024-01-01")
        #expect(early.status == 2)
        #expect(early.stderr.contains("o3-2025-04-16 has no price on 2024-01-01"))
    }
}

@Suite("tokenledger cost with a config")
struct CostConfigCLITests {
    @Test("[[terms]] and [[route]] from --config change the price and name their layer")
    func config() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let path = cli.home.appendingPathComponent("work.toml").path
        try Data("""
            [[route]]
            provider = "openai"
            channel = "302ai"

            [[terms]]
            name = "acme"
            provider = "openai"
            discount_percent = 10
            """.utf8).write(to: URL(fileURLWithPath: path))
        let result = try cli.run("cost", "--model", "o3-mini", "--input", "1000000", "--output", "1000000",
                                 "--at", "2025-06-01", "--config", path, "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout)
        // through 302ai ($1.10 / $4.40), then 10% off: (1,000,000 × $1.10 + 1,000,000 × $4.40) / 1M × 0.9 = $4.95
        #expect(json["total"] == .string("4.95"))
        #expect(json["layers"] == ["terms:acme", "channel:302ai", "bundled:openai"])
        #expect(json["notes"]?[0]?.string?.contains("routes openai") == true)
    }
}
