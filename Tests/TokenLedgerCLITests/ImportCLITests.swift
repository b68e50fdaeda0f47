import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// Generated OpenAI Chat Completions JSON Lines: one distinct response per line.
enum GeneratedChatLog {
    static func line(_ i: Int) -> String {
        #"{"id":"chatcmpl-gen\#(i)","object":"chat.completion","created":\#(1_764_000_000 + i),"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":0}}}"#
    }

    static func write(lines count: Int, to url: URL) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        var chunk = ""
        for i in 0..<count {
            chunk += line(i) + "\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        try handle.close()
    }
}

@Suite("tokenledger import and reprice, end to end")
struct ImportCLITests {
    func ledger(_ cli: CLIRunner) throws -> Ledger {
        try Ledger.openReadOnly(at: URL(fileURLWithPath: cli.environment["XDG_DATA_HOME"]! + "/tokenledger/ledger.sqlite"))
    }

    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test("--batch-size: batches of one record import the fixture logs as the default batches do; a size out of range is one sentence")
    func batchSize() throws {
        let logs = CLIRunner.fixture("fixtures/logs")
        var summaries: [String] = []
        for arguments in [["import", "--json", logs], ["import", "--json", "--batch-size", "1", logs]] {
            let cli = try CLIRunner()
            defer { cli.cleanUp() }
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let summary = try json(result.stdout)
            let imported = try #require(summary["imported"]?.int)
            #expect(try ledger(cli).recordCount() == imported && imported > 0)
            summaries.append("\(imported) \(summary["quarantined"]?.int ?? -1) \(summary["duplicates"]?.int ?? -1)")
        }
        #expect(summaries[0] == summaries[1])
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        for size in ["0", "1000001", "-5", "many"] {
            let refused = try cli.run("import", "--batch-size", size, logs)
            #expect(refused.status != 0 && refused.stdout.isEmpty, "\(size)")
            #expect(refused.stderr.contains("--batch-size") || refused.stderr.contains("batch-size"), "\(size): \(refused.stderr)")
            #expect(!refused.stderr.contains("Fatal error"))
        }
    }

    @Test("importing the fixture logs reports malformed lines as file:line; re-importing adds nothing and reads nothing")
    func fixturesTwice() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let logs = CLIRunner.fixture("fixtures/logs")
        let first = try cli.run("import", "--json", logs)
        #expect(first.status == 0)
        let summary = try json(first.stdout)
        let imported = try #require(summary["imported"]?.int)
        #expect(imported > 0)
        #expect(try ledger(cli).recordCount() == imported)
        // openai-chat/responses.jsonl line 6 is cut mid-value (see fixtures/logs/README.md).
        #expect(first.stderr.contains("\(logs)/openai-chat/responses.jsonl:6: invalid JSON"))
        // The first 20 malformed lines are printed, then a count of the rest.
        let quarantined = try #require(summary["quarantined"]?.int)
        #expect(first.stderr.split(separator: "\n").filter { $0.hasPrefix(Substring(logs)) }.count == min(quarantined, 20))
        if quarantined > 20 { #expect(first.stderr.contains("… and \(quarantined - 20) more malformed lines")) }

        let second = try cli.run("import", "--json", logs)
        #expect(second.status == 0)
        let again = try json(second.stdout)
        #expect(again["imported"]?.int == 0 && again["duplicates"]?.int == 0 && again["quarantined"]?.int == 0)
        #expect(again["files_read"]?.int == 0 && again["files_unchanged"] == summary["files_read"])
        #expect(again["bytes_read"]?.int == 0)
        #expect(try ledger(cli).recordCount() == imported)

        let listing = try cli.run("import", "--quarantine")
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("\(logs)/openai-chat/responses.jsonl:6: invalid JSON"))
        #expect(listing.stdout.contains("\(summary["quarantined"]?.int ?? -1) quarantined lines."))
    }

    @Test("one openai-chat file: exact counts, summary line, tags and project on every record")
    func oneFileExactCounts() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let file = CLIRunner.fixture("fixtures/logs/openai-chat/responses.jsonl")
        let result = try cli.run("import", "--format", "openai-chat", "--project", "search", "--tag", "team=core", file)
        #expect(result.status == 0)
        // Lines 1, 2, 3, 7, 8 are records; 4 is an error (no usage); 5 repeats 2; 6 is cut.
        // Every model is priced: line 1's retired gpt-3.5-turbo-0613 snapshot is in the bundled tables.
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines.last == "")
        #expect(lines.first == "Imported 5 records from 1 file: 1 duplicate, 1 without usage skipped, 1 quarantined.")
        #expect(result.stderr == "\(file):6: invalid JSON at byte 114: unterminated string\n")
        let records = try ledger(cli).storedRecords()
        #expect(records.count == 5)
        #expect(records.allSatisfy { $0.record.project == "search" && $0.record.tags["team"] == "core" })
        #expect(records.map { $0.entry.location?.line } == [1, 2, 3, 7, 8])
    }

    @Test("bad input is one sentence with the right exit status")
    func badInput() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let missing = try cli.run("import", "/no/such/logs")
        #expect(missing.status == 1)
        #expect(missing.stderr == "tokenledger: error: no such file or directory: /no/such/logs; check the path.\n")
        let tag = try cli.run("import", "--tag", "nokey", CLIRunner.fixture("fixtures/logs"))
        #expect(tag.status == 2 && tag.stderr.contains("--tag 'nokey' is not key=value"))
        let tz = try cli.run("import", "--tz", "Mars/Olympus", CLIRunner.fixture("fixtures/logs"))
        #expect(tz.status == 2 && tz.stderr.contains("--tz 'Mars/Olympus' is not a time zone"))
        let format = try cli.run("import", "--format", "nope", CLIRunner.fixture("fixtures/logs"))
        #expect(format.status == 2 && format.stderr.contains("unknown --format 'nope'; use auto or one of: openai-chat"))
        let noLogs = try cli.run("import", "--claude-code")
        #expect(noLogs.status == 1 && noLogs.stderr.contains("no Claude Code logs found"))
        #expect(!missing.stderr.contains("Fatal") && !tag.stderr.contains("Stack"))
    }

    @Test("a --map that cannot read the CSV is refused before importing (exit 2); a good one imports")
    func csvMapPreflight() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let file = CLIRunner.fixture("fixtures/logs/csv/usage_mapped.csv")
        let bad = try cli.run("import", "--format", "csv", file)
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("tokenledger: error: ") && bad.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: cli.environment["XDG_DATA_HOME"]! + "/tokenledger/ledger.sqlite"))
        let good = try cli.run("import", "--json", "--format", "csv", "--map", "timestamp=ts,model=model_name,input=in,output=out", file)
        #expect(good.status == 0)
        #expect((try json(good.stdout)["imported"]?.int ?? 0) > 0)
    }

    @Test("--provider names the provider of CSV rows that carry none")
    func csvProvider() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let file = cli.home.appendingPathComponent("usage.csv")
        try "ts,model,in,out\n2026-11-01T10:00:00Z,my-finetune,100,20\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try cli.run("import", "--format", "csv", "--map", "timestamp=ts,model=model,input=in,output=out",
                                 "--provider", "mistral", file.path)
        #expect(result.status == 0)
        let records = try ledger(cli).storedRecords()
        #expect(records.map(\.record.provider) == ["mistral"])
        #expect(records.map(\.record.tokens.input) == [100])
    }

    @Test("--claude-code reads the default folder under HOME")
    func claudeCodeDefault() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        try cli.place("fixtures/logs/claude-code/projects", at: ".claude/projects")
        let result = try cli.run("import", "--json", "--claude-code")
        #expect(result.status == 0)
        let summary = try json(result.stdout)
        #expect((summary["imported"]?.int ?? 0) > 0 && summary["files_read"]?.int == 3)
        #expect(try ledger(cli).storedRecords().allSatisfy { $0.record.source == "claude-code" })
    }

    @Test("a streamed Claude Code response of an unpriced model is one unpriced record in the summary, as in the report")
    func unpricedStreamedRecordCountedOnce() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        // Three lines of one response (two placeholders, the final line) of a model no table prices, and one priced response.
        try cli.place("fixtures/logs/claude-code-unpriced/projects", at: ".claude/projects")
        let result = try cli.run("import", "--claude-code")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Imported 2 records") && result.stdout.contains("1 unpriced"), "\(result.stdout)")
        #expect(result.stdout.contains("  1 unpriced record: unknown model (claude-lab-preview-0)"), "\(result.stdout)")
        let report = try json(try cli.run("report", "--month", "2026-11", "--json").stdout)
        #expect(report["unpriced"]?["records"]?.int == 1)
        let again = try json(try cli.run("import", "--json", "--claude-code").stdout)
        #expect(again["unpriced"]?.int == 0)
    }

    @Test("a Voxtral chat log's prompt_audio_seconds is priced by the minute, through import and report")
    func voxtralAudio() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let imported = try cli.run("import", CLIRunner.fixture("fixtures/logs/openai-compatible/voxtral.jsonl"))
        #expect(imported.status == 0 && imported.stdout.contains("Imported 2 records") && imported.stderr.contains("voxtral.jsonl:3:"))
        // Line 1: $0.000118 + $0.0000192 + 1.5 min × $0.004; line 2: $0.000004 + $0.0000036.
        let report = try json(try cli.run("report", "--month", "2025-12", "--json").stdout)
        #expect(report["totals"]?["cost_usd"] == "0.0061448", "\(report)")
    }

    @Test("reprice --dry-run shows the difference and writes nothing; reprice --json applies")
    func reprice() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let missing = try cli.run("reprice", "--dry-run")
        #expect(missing.status == 1 && missing.stderr.contains("no ledger at"))
        _ = try cli.run("import", CLIRunner.fixture("fixtures/logs/openai-chat/responses.jsonl"))
        let dry = try cli.run("reprice", "--dry-run", "--json")
        #expect(dry.status == 0)
        let report = try json(dry.stdout)
        #expect(report["applied"] == false && report["records"]?.int == 5)
        #expect(report["lines"]?.array?.count ?? 0 >= 1)
        let text = try cli.run("reprice")
        #expect(text.status == 0 && text.stdout.contains("Month") && text.stdout.contains("Total"))
    }

    @Test("import prices with the config's contract terms; after a terms change, reprice applies the difference")
    func contractTermsAndReprice() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let config = cli.home.appendingPathComponent("config.toml").path
        try "[[terms]]\nname = \"half\"\nprovider = \"openai\"\ndiscount_percent = 50\n".write(toFile: config, atomically: true, encoding: .utf8)
        let file = CLIRunner.fixture("fixtures/logs/openai-chat/response.json")
        let imported = try cli.run("import", "--config", config, file)
        #expect(imported.status == 0)
        // gpt-4.1 at priority (1.75×): (1,024 × $2 + 3,072 × $0.50 + 128 × $8) / 1M × 1.75 = $0.008064, halved $0.004032.
        // gpt-4o-2024-11-20: (1,200 × $2.50 + 40 × $10) / 1M = $0.0034, halved $0.0017.
        var costs = try ledger(cli).storedRecords().compactMap { $0.cost?.decimalString }.sorted()
        #expect(costs == ["0.0017", "0.004032"])
        // The discount ends: without the config, reprice doubles both and says so.
        let dry = try cli.run("reprice", "--dry-run", "--json")
        #expect(dry.status == 0)
        let report = try json(dry.stdout)
        #expect(report["changed"]?.int == 2 && report["before"]?.string == "0.005732" && report["after"]?.string == "0.011464")
        #expect(try ledger(cli).storedRecords().compactMap { $0.cost?.decimalString }.sorted() == costs, "a dry run writes nothing")
        #expect(try cli.run("reprice").status == 0)
        costs = try ledger(cli).storedRecords().compactMap { $0.cost?.decimalString }.sorted()
        #expect(costs == ["0.0034", "0.008064"])
    }
    // Kills mid-import and two imports at once: FaultInjectionCLITests, on a 200,000-line log.
}

@Suite("A log with absurd token counts")
struct AbsurdCountsCLITests {
    @Test("is quarantined with a reason, never a crash")
    func hugeCounts() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let file = cli.home.appendingPathComponent("huge.jsonl")
        try #"{"id":"msg_x","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":9223372036854775807,"cache_read_input_tokens":9223372036854775807,"output_tokens":5}}"#
            .appending("\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try cli.run("import", "--format", "anthropic", file.path)
        #expect(result.status == 0, "the file was read; its one line is quarantined")
        #expect(result.stderr.contains("huge.jsonl:1: input tokens are implausibly large"))
    }
}
