import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

/// Imports `paths` with the bundled prices into `ledger` (a fresh in-memory one by default).
private func importing(_ paths: [URL], into ledger: Ledger, format: String? = nil) throws -> ImportSummary {
    try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(),
                       options: ImportOptions(format: format, settledAge: 0)).run(paths: paths)
}

/// Copies fixture folder `relative` into a fresh temporary folder; returns the copy.
private func copyOfFixture(_ relative: String) throws -> URL {
    let dir = try TestLog.folder()
    let target = dir.appendingPathComponent((relative as NSString).lastPathComponent)
    try FileManager.default.copyItem(at: AdapterHarness.fixture(relative), to: target)
    return target
}

@Suite("Gemini CLI chat recordings")
struct GeminiCLIAdapterTests {
    static let hash = "9f2b7c4e1a0d3b6f8e5c2a1d4f7b0e3c6a9d2f5b8e1c4a7d0f3b6e9c2a5d8f1b"
    static let older = "fixtures/logs/gemini-cli/tmp/\(hash)/chats/session-2025-09-14T10-02-5f3a9c1e.json"
    static let current = "fixtures/logs/gemini-cli/tmp/shop/chats/session-2026-05-02T08-15-7c1d2e3f.jsonl"

    @Test("the older whole-file shape: each gemini message with tokens, thoughts added to output")
    func olderShape() throws {
        let out = try AdapterHarness.run(GeminiCLIAdapter(), file: AdapterHarness.fixture(Self.older))
        #expect(out.malformed.isEmpty)
        #expect(out.records.count == 2)
        // input 12840 incl. 8192 cached; output 410 + 623 thoughts.
        #expect(out.records[0].tokens == TokenCounts(input: 4648, cacheRead: 8192, output: 1033, reasoning: 623))
        // tool-use prompt tokens (120) are input too.
        #expect(out.records[1].tokens == TokenCounts(input: 2852, cacheRead: 12288, output: 96))
        #expect(out.records.map(\.model) == ["gemini-2.5-pro", "gemini-2.5-flash"])
        #expect(out.records.allSatisfy { $0.provider == "google" && $0.source == "gemini-cli" && $0.project == nil })
        #expect(out.entries[0].dedupKey == "gemini-cli:5f3a9c1e-2b4d-4e6f-8a1b-3c5d7e9f0a2b:0b1c2d3e-0002-4a5b-8c9d-000000000002")
    }

    @Test("the current append-only shape: a message written again counts once, a rewind keeps what was billed")
    func currentShape() throws {
        let out = try AdapterHarness.run(GeminiCLIAdapter(), file: AdapterHarness.fixture(Self.current))
        #expect(out.malformed.map(\.line) == [10])
        #expect(out.entries.map { $0.location?.line } == [4, 6, 9])
        #expect(out.records[0].tokens == TokenCounts(input: 4026, cacheRead: 16384, output: 400, reasoning: 312))
        #expect(out.records[1].tokens == TokenCounts(input: 909, cacheRead: 20096, output: 790, reasoning: 150))
        #expect(out.records[2].model == "gemini-2.5-flash")
        #expect(out.records.allSatisfy { $0.project == "shop" && $0.sessionID == "7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f" })
        #expect(out.state?["carried"]?["session"]?.string == "7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f")
    }

    @Test("imported exactly once; an appended message is read alone; the malformed line is quarantined at file:line")
    func exactlyOnceAndIncremental() throws {
        let root = try copyOfFixture("fixtures/logs/gemini-cli")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        let first = try importing([root], into: ledger)
        #expect(first.imported == 5 && first.quarantined == 1 && first.filesRead == 2)
        let file = root.appendingPathComponent("tmp/shop/chats/session-2026-05-02T08-15-7c1d2e3f.jsonl")
        #expect(try ledger.quarantinedLines().map { "\($0.file):\($0.line)" } == ["\(file.path):10"])
        #expect(try importing([root], into: ledger).imported == 0)
        // The CLI writes message 6 again (unchanged tokens) and a new message 9.
        try TestLog.append(#"{"id":"a1000000-0000-4000-8000-000000000006","timestamp":"2026-05-02T08:17:45.902Z","type":"gemini","content":[],"tokens":{"input":20600,"output":310,"cached":20096,"thoughts":0,"tool":0,"total":20910},"model":"gemini-2.5-flash"}"# + "\n"
            + #"{"id":"a1000000-0000-4000-8000-000000000009","timestamp":"2026-05-02T08:19:02.000Z","type":"gemini","content":[],"tokens":{"input":21000,"output":50,"cached":20480,"thoughts":10,"tool":0,"total":21060},"model":"gemini-2.5-flash"}"# + "\n", to: file)
        let next = try importing([root], into: ledger)
        #expect(next.imported == 1 && next.duplicates == 1 && next.quarantined == 0 && next.filesRead == 1)
        let added = try #require(try ledger.storedRecords().first { $0.entry.dedupKey.hasSuffix("000000000009") })
        #expect(added.record.sessionID == "7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f", "the session carried from the first run")
    }

    /// The keys the fixture recordings give, exactly as earlier versions stored them: re-importing an
    /// unchanged recording after an upgrade must find every one already in the ledger.
    static let fixtureKeys: Set<String> = [
        "gemini-cli:5f3a9c1e-2b4d-4e6f-8a1b-3c5d7e9f0a2b:0b1c2d3e-0002-4a5b-8c9d-000000000002",
        "gemini-cli:5f3a9c1e-2b4d-4e6f-8a1b-3c5d7e9f0a2b:0b1c2d3e-0005-4a5b-8c9d-000000000005",
        "gemini-cli:7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f:a1000000-0000-4000-8000-000000000002",
        "gemini-cli:7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f:a1000000-0000-4000-8000-000000000004",
        "gemini-cli:7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f:a1000000-0000-4000-8000-000000000006",
    ]

    @Test("unchanged recordings keep the keys earlier versions stored, so re-importing them after an upgrade adds nothing")
    func keysOfUnchangedFiles() throws {
        let root = try copyOfFixture("fixtures/logs/gemini-cli")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        _ = try importing([root], into: ledger)
        #expect(Set(try ledger.storedRecords().map(\.entry.dedupKey)) == Self.fixtureKeys)
    }

    /// The current fixture with `edit` applied to its lines, written as a recording named like the CLI's.
    func recording(_ edit: (inout [String]) -> Void) throws -> URL {
        let text = try String(contentsOf: AdapterHarness.fixture(Self.current), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        edit(&lines)
        let file = try TestLog.folder().appendingPathComponent("session-2026-05-02T08-15-7c1d2e3f.jsonl")
        try TestLog.write(lines.joined(separator: "\n") + "\n", to: file)
        return file
    }

    @Test("a message above its session's metadata line is keyed by the session, not the file name: written twice, counted once")
    func messageAboveMetadataLine() throws {
        // Message 2's final copy (line 4) repeated above the metadata line, as the fuzzer found it.
        let file = try recording { $0.insert($0[3], at: 0) }
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        let summary = try importing([file], into: ledger)
        #expect(summary.imported == 3 && summary.duplicates == 1)
        let keys = Set(try ledger.storedRecords().map(\.entry.dedupKey))
        #expect(keys == Self.fixtureKeys.filter { $0.contains("7c1d2e3f-4a5b") })
        #expect(try ledger.storedRecords().allSatisfy { $0.record.sessionID == "7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f" })
    }

    @Test("the metadata line moved to the end: every message still keyed by its session; without one, by the file name")
    func metadataLineAnywhere() throws {
        let moved = try recording { $0.append($0.removeFirst()) }
        defer { try? FileManager.default.removeItem(at: moved.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        #expect(try importing([moved], into: ledger, format: "gemini-cli").imported == 3)
        #expect(Set(try ledger.storedRecords().map(\.entry.dedupKey)) == Self.fixtureKeys.filter { $0.contains("7c1d2e3f-4a5b") })
        let headless = try recording { $0.removeFirst() }
        defer { try? FileManager.default.removeItem(at: headless.deletingLastPathComponent()) }
        let other = try Ledger.inMemory()
        #expect(try importing([headless], into: other, format: "gemini-cli").imported == 3)
        #expect(try other.storedRecords().allSatisfy { $0.entry.dedupKey.hasPrefix("gemini-cli:session-2026-05-02T08-15-7c1d2e3f:") })
    }

    @Test("a whole-file recording rewritten with one more message adds only that message")
    func rewrittenDocument() throws {
        let root = try copyOfFixture("fixtures/logs/gemini-cli")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let file = root.appendingPathComponent("tmp/\(Self.hash)/chats/session-2025-09-14T10-02-5f3a9c1e.json")
        let ledger = try Ledger.inMemory()
        #expect(try importing([file], into: ledger).imported == 2)
        var text = try String(contentsOf: file, encoding: .utf8)
        let extra = #"    }, {"id": "0b1c2d3e-0006-4a5b-8c9d-000000000006", "timestamp": "2025-09-14T10:12:00.000Z", "type": "gemini", "content": "", "tokens": {"input": 16000, "output": 20, "cached": 15000, "thoughts": 5, "tool": 0, "total": 16025}, "model": "gemini-2.5-flash"}"#
        let end = try #require(text.range(of: "    }\n  ]\n}", options: .backwards))
        text.replaceSubrange(end, with: extra + "\n  ]\n}")
        text = text.replacingOccurrences(of: "\"lastUpdated\": \"2025-09-14T10:09:40.517Z\"", with: "\"lastUpdated\": \"2025-09-14T10:12:00.000Z\"")
        try TestLog.write(text, to: file)
        let again = try importing([file], into: ledger)
        #expect(again.imported == 1 && again.duplicates == 2)
        #expect(try ledger.recordCount() == 3)
    }
}

@Suite("Qwen Code sessions")
struct QwenCodeAdapterTests {
    static let file = "fixtures/logs/qwen-code/projects/-home-dev-src-api/chats/3b9d5f71-8c2e-4a06-b1d3-5e7f9a0c2d4e.jsonl"

    @Test("each assistant record's usage; reasoning inside the completion for OpenAI-compatible answers, apart for Gemini's")
    func records() throws {
        let out = try AdapterHarness.run(QwenCodeAdapter(), file: AdapterHarness.fixture(Self.file))
        #expect(out.malformed.map(\.line) == [4])
        #expect(out.entries.map { $0.location?.line } == [2, 5])
        // total 10340 = 9800 + 540: the 220 thoughts are inside the 540.
        #expect(out.records[0].tokens == TokenCounts(input: 3656, cacheRead: 6144, output: 540, reasoning: 220))
        #expect(out.records[0].provider == "alibaba")
        // total 10900 = 10420 + 300 + 180: the thoughts are apart.
        #expect(out.records[1].tokens == TokenCounts(input: 692, cacheRead: 9728, output: 480, reasoning: 180))
        #expect(out.records[1].provider == "google")
        #expect(out.records.allSatisfy { $0.project == "api" && $0.source == "qwen-code" })
        #expect(out.entries[0].dedupKey == "qwen-code:3b9d5f71-8c2e-4a06-b1d3-5e7f9a0c2d4e:c0000000-0000-4000-8000-000000000002")
    }

    @Test("detected as qwen-code (not Claude Code, whose lines also carry sessionId and uuid); exactly once; appended records read alone")
    func detectedOnceIncremental() throws {
        let url = AdapterHarness.fixture(Self.file)
        let head = [UInt8](try Data(contentsOf: url))
        let best = LogAdapters.all.max { $0.detect(path: url.path, head: head) < $1.detect(path: url.path, head: head) }
        #expect(best?.name == "qwen-code")
        let root = try copyOfFixture("fixtures/logs/qwen-code")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        let first = try importing([root], into: ledger)
        #expect(first.imported == 2 && first.quarantined == 1)
        #expect(try importing([root], into: ledger).imported == 0)
        let copy = root.appendingPathComponent("projects/-home-dev-src-api/chats/3b9d5f71-8c2e-4a06-b1d3-5e7f9a0c2d4e.jsonl")
        try TestLog.append(#"{"uuid":"c0000000-0000-4000-8000-000000000007","parentUuid":"c0000000-0000-4000-8000-000000000006","sessionId":"3b9d5f71-8c2e-4a06-b1d3-5e7f9a0c2d4e","timestamp":"2026-03-10T14:02:00.000Z","type":"assistant","cwd":"/home/dev/src/api","version":"0.2.1","message":{"role":"model","parts":[]},"usageMetadata":{"input":11000,"output":90,"cached":10240,"thoughts":0,"tool":0,"total":11090},"model":"qwen3-coder-plus"}"# + "\n", to: copy)
        let next = try importing([root], into: ledger)
        #expect(next.imported == 1 && next.duplicates == 0 && next.quarantined == 0)
    }
}

@Suite("OpenCode messages")
struct OpenCodeAdapterTests {
    static let session = "fixtures/logs/opencode/storage/message/ses_5a1b2c3d4e5fXyZ01"

    func run(_ name: String) throws -> AdapterHarness.Output {
        try AdapterHarness.run(OpenCodeAdapter(), file: AdapterHarness.fixture(Self.session + "/" + name + ".json"))
    }

    @Test("current shape: cache read and write apart from input, OpenCode's cost kept as reported")
    func anthropicMessage() throws {
        let r = try #require(try run("msg_a01b2c3d5002aBcD02").records.first)
        #expect(r.tokens == TokenCounts(input: 12, cacheRead: 18432, cacheWrite5m: 2605, output: 847))
        #expect(r.provider == "anthropic" && r.project == "billing" && r.sessionID == "ses_5a1b2c3d4e5fXyZ01")
        #expect(r.reportedCost == Money(decimalText: "0.0263865"))
        #expect(r.timestamp == Date(timeIntervalSince1970: 1_767_780_001.25))
    }

    @Test("a total that counts reasoning apart from output: reasoning is added to output")
    func reasoningApart() throws {
        let r = try #require(try run("msg_a01b2c3d6003aBcD03").records.first)
        #expect(r.tokens == TokenCounts(input: 1400, cacheRead: 22080, output: 828, reasoning: 448))
        #expect(r.provider == "openai")
    }

    @Test("a user message and a message still streaming add nothing; a cut file is quarantined")
    func skippedAndMalformed() throws {
        #expect(try run("msg_a01b2c3d4001aBcD01").skipped == 1)
        #expect(try run("msg_a01b2c3d7004aBcD04").skipped == 1)
        let cut = try run("msg_a01b2c3d8005aBcD05")
        #expect(cut.entries.isEmpty && cut.malformed.count == 1)
    }

    @Test("the older shape under project/*/storage/session/message")
    func olderShape() throws {
        let out = try AdapterHarness.run(OpenCodeAdapter(), file: AdapterHarness.fixture(
            "fixtures/logs/opencode/project/home-dev-src-legacy/storage/session/message/ses_0ld1c2d3e4f5/msg_0ld1c2d3e4f6.json"))
        let r = try #require(out.records.first)
        #expect(r.tokens == TokenCounts(input: 1800, output: 860))
        #expect(r.model == "claude-sonnet-4-20250514" && r.project == "legacy" && r.sessionID == "ses_0ld1c2d3e4f5")
    }

    @Test("imported exactly once; a streaming message rewritten with its final tokens is then read")
    func exactlyOnceAndRewrite() throws {
        let root = try copyOfFixture("fixtures/logs/opencode")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        let first = try importing([root], into: ledger)
        #expect(first.imported == 3 && first.quarantined == 1 && first.skipped == 2)
        #expect(try importing([root], into: ledger).imported == 0)
        let streaming = root.appendingPathComponent("storage/message/ses_5a1b2c3d4e5fXyZ01/msg_a01b2c3d7004aBcD04.json")
        var text = try String(contentsOf: streaming, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"created\": 1767780042000", with: "\"created\": 1767780042000,\n    \"completed\": 1767780050000")
        text = text.replacingOccurrences(of: "\"input\": 0,\n    \"output\": 0", with: "\"input\": 300,\n    \"output\": 120")
        try TestLog.write(text, to: streaming)
        let next = try importing([root], into: ledger)
        #expect(next.imported == 1 && next.filesRead == 1)
        let copilot = try #require(try ledger.storedRecords().first { $0.entry.dedupKey == "opencode:msg_a01b2c3d7004aBcD04" })
        #expect(copilot.record.provider == "anthropic" && copilot.record.tags["via"] == "github-copilot")
        #expect(copilot.record.tokens == TokenCounts(input: 300, output: 120))
    }
}

@Suite("OpenCode's SQLite store")
struct OpenCodeDatabaseAdapterTests {
    @Test("assistant messages read from the data column, read-only; a broken row quarantined by rowid; exactly once, then only updated rows")
    func database() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("opencode.db")
        try FileManager.default.copyItem(at: AdapterHarness.fixture("fixtures/logs/opencode-db/opencode.db"), to: db)
        let out = try AdapterHarness.run(OpenCodeDatabaseAdapter(), file: db)
        #expect(out.malformed.map(\.line) == [3])
        #expect(out.skipped == 1)
        let r = try #require(out.records.first)
        #expect(out.records.count == 1)
        #expect(r.tokens == TokenCounts(input: 40, cacheRead: 30000, cacheWrite5m: 2260, output: 910))
        #expect(r.provider == "anthropic" && r.project == "ledger" && r.sessionID == "ses_db0001")
        #expect(r.reportedCost == Money(decimalText: "0.01947"))
        #expect(out.entries.first?.dedupKey == "opencode:msg_db0002")
        #expect(out.state?["lastUpdated"]?.int == 1_780_000_021_500)

        let ledger = try Ledger.inMemory()
        let first = try importing([db], into: ledger)
        #expect(first.imported == 1 && first.quarantined == 1)
        #expect(try importing([db], into: ledger).imported == 0)
    }
}
