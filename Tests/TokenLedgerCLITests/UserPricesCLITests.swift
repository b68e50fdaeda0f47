import Foundation
import Testing
import TokenLedgerCore

/// User price tables and `prices update`, end to end through the binary.
@Suite("User price tables and prices update")
struct UserPricesCLITests {
    /// Two chat completions of a model no bundled table lists, on 2026-12-02 and 2026-11-20.
    static let chatLog = """
        {"id":"chatcmpl-GPT9a000000000000000001","object":"chat.completion","created":1796205600,"model":"gpt-9-mini","choices":[],"usage":{"prompt_tokens":100000,"completion_tokens":5000,"total_tokens":105000,"prompt_tokens_details":{"cached_tokens":90000}}}
        {"id":"chatcmpl-GPT9b000000000000000002","object":"chat.completion","created":1795168800,"model":"gpt-9-mini","choices":[],"usage":{"prompt_tokens":2000,"completion_tokens":1000,"total_tokens":3000}}

        """

    static let userTable = """
        [table]
        provider = "openai"
        channel = "official"
        source = "https://openai.com/api/pricing/"
        checked = "2026-12-01"

        [[model]]
        id = "gpt-9-mini"
        encoding = "o200k_base"

        [[model.period]]
        from = "2026-12-01"
        input = 0.30
        cached_input = 0.03
        output = 1.20
        """

    func priceFolder(_ cli: CLIRunner) throws -> URL {
        let folder = cli.home.appendingPathComponent("config/tokenledger/prices")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func writeLog(_ cli: CLIRunner) throws -> String {
        let path = cli.home.appendingPathComponent("chat.jsonl")
        try Data(Self.chatLog.utf8).write(to: path)
        return path.path
    }

    @Test("a model only a user table lists: unpriced with its cause and fix, then priced through reprice, import and report")
    func userTableEndToEnd() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let log = try writeLog(cli)
        #expect(try cli.run("import", "--format", "openai-chat", log).status == 0)
        let before = try cli.run("report", "--json")
        let unpriced = try JSONParser.parse(before.stdout)["unpriced"]
        #expect(unpriced?["records"] == .int(2))
        #expect(unpriced?["causes"]?[0]?["cause"] == "unknown_model")
        #expect(unpriced?["causes"]?[0]?["models"]?[0] == "gpt-9-mini")
        let text = try cli.run("report").stdout
        #expect(text.contains("2 records: unknown model (gpt-9-mini). Fix: tokenledger prices update"))

        try Data(Self.userTable.utf8).write(to: try priceFolder(cli).appendingPathComponent("mine.toml"))
        let show = try cli.run("prices", "show", "gpt-9-mini")
        #expect(show.stdout.contains("layers (outermost first): user:mine.toml"))
        #expect(show.stdout.contains("user table: "))
        #expect(try cli.run("reprice").status == 0)
        // 2026-12-02: input 10,000 × 0.30 + cache 90,000 × 0.03 + output 5,000 × 1.20, per 1M = 0.003 + 0.0027 + 0.006
        // 2026-11-20 is before the table's first price: still unpriced, now for that reason.
        let after = try JSONParser.parse(try cli.run("report", "--json").stdout)
        #expect(after["totals"]?["cost_usd"] == "0.0117")
        #expect(after["unpriced"]?["records"] == .int(1))
        #expect(after["unpriced"]?["causes"]?[0]?["cause"] == "before_first_price")
        // A fresh import prices it directly.
        let fresh = try CLIRunner()
        defer { fresh.cleanUp() }
        try Data(Self.userTable.utf8).write(to: try priceFolder(fresh).appendingPathComponent("mine.toml"))
        #expect(try fresh.run("import", "--format", "openai-chat", try writeLog(fresh)).status == 0)
        #expect(try JSONParser.parse(try fresh.run("report", "--json").stdout)["totals"]?["cost_usd"] == "0.0117")
    }

    @Test("a bad user table is FILE:LINE and exit 2; nothing is imported or repriced")
    func badTableLeavesLedgerUntouched() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let log = try writeLog(cli)
        let folder = try priceFolder(cli)
        try Data(Self.userTable.utf8).write(to: folder.appendingPathComponent("mine.toml"))
        try Data(Self.userTable.replacingOccurrences(of: "output = 1.20", with: "output = 1,20").utf8).write(to: folder.appendingPathComponent("bad.toml"))
        let check = try cli.run("prices", "check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("bad.toml:15: unexpected ','"))
        let result = try cli.run("import", "--format", "openai-chat", log)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("tokenledger: error: \(folder.appendingPathComponent("bad.toml").path):15:"))
        #expect(!FileManager.default.fileExists(atPath: cli.home.appendingPathComponent("data/tokenledger/ledger.sqlite").path))
        // With a good table the import runs; a bad one then stops reprice before it writes anything.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("bad.toml"))
        #expect(try cli.run("import", "--format", "openai-chat", log).status == 0)
        try Data("[table]\nprovider = \"openai\"\nchannel = \"official\"\n[[model]]\nid = \"x\"\n".utf8).write(to: folder.appendingPathComponent("bad.toml"))
        let reprice = try cli.run("reprice")
        #expect(reprice.status == 2)
        #expect(reprice.stderr.contains("bad.toml:4: x has no [[model.period]] with prices"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("bad.toml"))
        #expect(try JSONParser.parse(try cli.run("report", "--json").stdout)["totals"]?["cost_usd"] == "0.0117")
    }

    @Test("prices update from a genai-prices file writes a user table; --reprice prices the ledger and prints the difference")
    func updateFromFile() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let source = cli.home.appendingPathComponent("genai.json")
        // genai-prices shape: a new OpenAI model, prices per 1M tokens, dated.
        try Data("""
            [{"id": "openai", "name": "OpenAI", "models": [
              {"id": "gpt-9-mini", "prices": [{"constraint": null, "prices": {"input_mtok": 0.30, "cache_read_mtok": 0.03, "output_mtok": 1.2}},
                                              {"constraint": {"start_date": "2026-12-01"}, "prices": {"input_mtok": 0.25, "cache_read_mtok": 0.025, "output_mtok": 1}}]},
              {"id": "o3-mini", "prices": {"input_mtok": 1.1, "cache_read_mtok": 0.55, "output_mtok": 4.4}}]}]
            """.utf8).write(to: source)
        #expect(try cli.run("import", "--format", "openai-chat", try writeLog(cli)).status == 0)
        let dry = try cli.run("prices", "update", source.path, "--dry-run")
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("new"))
        #expect(dry.stderr.contains("genai-prices: 1 new model, 0 changed, 1 unchanged."))
        #expect(!FileManager.default.fileExists(atPath: cli.home.appendingPathComponent("config/tokenledger/prices/genai-prices-openai.toml").path))

        // A ledger that cannot be reached (a team ledger on a closed port) fails the command before
        // any table is written: the prices and the stored costs never disagree.
        let unreachable = try cli.run("prices", "update", source.path, "--reprice", "--db", "postgres://u:pw@127.0.0.1:1/ledger?connect_timeout=2")
        #expect(unreachable.status == 1)
        #expect(!unreachable.stderr.contains("pw@"))
        #expect(!FileManager.default.fileExists(atPath: cli.home.appendingPathComponent("config/tokenledger/prices/genai-prices-openai.toml").path))

        let result = try cli.run("prices", "update", source.path, "--reprice")
        #expect(result.status == 0)
        let table = try String(contentsOf: cli.home.appendingPathComponent("config/tokenledger/prices/genai-prices-openai.toml"), encoding: .utf8)
        #expect(table.contains("from = \"2026-12-01\"\ninput = 0.25\ncached_input = 0.025\noutput = 1\n"))
        // Reprice: 2026-12-02 at 0.25/0.025/1 = 0.0025 + 0.00225 + 0.005; 2026-11-20 at 0.30/1.20 = 0.0006 + 0.0012.
        #expect(result.stdout.contains("Repriced 2 records."))
        #expect(result.stdout.contains("+$0.01"))
        let report = try JSONParser.parse(try cli.run("report", "--json").stdout)
        #expect(report["totals"]?["cost_usd"] == "0.01155")
        #expect(report["unpriced"]?["records"] == .int(0))
        // The next update finds nothing new and leaves the table as it is.
        let again = try cli.run("prices", "update", source.path, "--reprice")
        #expect(again.stderr.contains("genai-prices: 0 new models, 0 changed, 2 unchanged."))
        #expect(again.stdout.contains("No record in the ledger changed cost; nothing repriced."))
        #expect(try cli.run("prices", "check").status == 0)
    }

    @Test("prices update fetches a LiteLLM file over HTTP (a server on 127.0.0.1) and reports a failed download in one sentence")
    func updateFromURL() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let json = #"{"gpt-9-mini": {"litellm_provider": "openai", "input_cost_per_token": 3e-07, "output_cost_per_token": 1.2e-06, "cache_read_input_token_cost": 3e-08, "max_input_tokens": 400000}}"#
        let server = try LoopbackFileServer(body: json)
        let result = try cli.run("prices", "update", server.url("model_prices_and_context_window.json"), "--json")
        #expect(server.received() == "GET /model_prices_and_context_window.json HTTP/1.1")
        #expect(result.status == 0)
        let out = try JSONParser.parse(result.stdout)
        #expect(out["source"] == "LiteLLM")
        #expect(out["changes"]?[0]?["model"] == "gpt-9-mini")
        #expect(out["changes"]?[0]?["prices"]?[0]?["new"] == "0.3")
        let show = try cli.run("prices", "show", "gpt-9-mini", "--json")
        #expect(try JSONParser.parse(show.stdout)["prices"]?["cached_input"] == "0.03")

        let failing = try LoopbackFileServer(body: "not found", status: 404)
        let bad = try cli.run("prices", "update", failing.url("missing.json"))
        #expect(bad.status == 1)
        #expect(bad.stderr == "tokenledger: error: cannot download \(failing.url("missing.json")) (the server replied HTTP 404); check the address, or download it yourself and pass the file.\n")
    }
}
