import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

@Suite("Cline, Roo Code and Kilo Code tasks")
struct ClineTaskAdapterTests {
    static let storage = "fixtures/logs/cline/Code/User/globalStorage"
    static let clineOld = storage + "/saoudrizwan.claude-dev/tasks/1749800000000/ui_messages.json"
    static let clineNew = storage + "/saoudrizwan.claude-dev/tasks/1780000000000/ui_messages.json"
    static let rooOld = storage + "/rooveterinaryinc.roo-cline/tasks/0d3c9a51-7f2e-4c1b-9a6e-2b8f4e1d7c30/ui_messages.json"
    static let rooNew = storage + "/rooveterinaryinc.roo-cline/tasks/5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b/ui_messages.json"
    static let kilo = storage + "/kilocode.kilo-code/tasks/9a7b6c5d-4e3f-4a1b-8c2d-1e0f9a8b7c6d/ui_messages.json"

    func run(_ tool: ClineTaskAdapter.Tool, _ path: String) throws -> AdapterHarness.Output {
        try AdapterHarness.run(ClineTaskAdapter(tool), file: AdapterHarness.fixture(path))
    }

    @Test("older Cline: the model from task_metadata.json in force at each request; tokensIn uncached for Anthropic, the whole prompt for OpenAI")
    func clineWithMetadata() throws {
        let out = try run(.cline, Self.clineOld)
        #expect(out.records.count == 3 && out.skipped == 1 && out.malformed.isEmpty)
        let (a, b, c) = (out.records[0], out.records[1], out.records[2])
        #expect(a.model == "claude-sonnet-4-20250514" && a.provider == "anthropic")
        #expect(a.tokens == TokenCounts(input: 4, cacheWrite5m: 14210, output: 512))
        #expect(a.reportedCost == Money(decimalText: "0.0609795"))
        #expect(b.tokens == TokenCounts(input: 6, cacheRead: 14210, cacheWrite5m: 820, output: 230))
        #expect(c.model == "gpt-4.1" && c.provider == "openai")
        #expect(c.tokens == TokenCounts(input: 3000, cacheRead: 6000, output: 300))
        #expect(a.sessionID == "1749800000000" && a.source == "cline")
        #expect(out.entries[0].dedupKey == "cline:1749800000000:1749800002000")
        #expect(a.timestamp == Date(timeIntervalSince1970: 1_749_800_002))
    }

    @Test("newer Cline: the message's own modelInfo; OpenRouter's uncached count; a cut request text quarantined at line 1")
    func clineWithModelInfo() throws {
        let out = try run(.cline, Self.clineNew)
        #expect(out.records.count == 2)
        let r = out.records[0]
        #expect(r.model == "anthropic/claude-sonnet-4.5" && r.provider == "openrouter")
        #expect(r.tokens == TokenCounts(input: 1200, cacheRead: 30000, output: 400))
        #expect(out.malformed.map(\.line) == [1])
    }

    @Test("Roo Code: the model from the environment details of the request's own history entry; tokensIn uncached before 31 Oct 2025, the whole prompt after")
    func rooCode() throws {
        let old = try run(.rooCode, Self.rooOld)
        let r = try #require(old.records.first)
        #expect(r.tokens == TokenCounts(input: 3, cacheWrite5m: 9000, output: 700))
        #expect(r.model == "claude-sonnet-4-20250514" && r.provider == "anthropic" && r.project == "shop" && r.source == "roo-code")

        let new = try run(.rooCode, Self.rooNew)
        #expect(new.records.count == 2)
        #expect(new.records[0].tokens == TokenCounts(input: 10, cacheRead: 25000, cacheWrite5m: 200, output: 300))
        #expect(new.records[0].model == "claude-sonnet-4-5")
        #expect(new.records[1].tokens == TokenCounts(input: 8000, cacheRead: 32000, output: 1200))
        #expect(new.records[1].model == "gpt-5" && new.records[1].provider == "openai")
    }

    @Test("Kilo Code: OpenAI protocol through a gateway model id, attributed to the model's provider")
    func kiloCode() throws {
        let r = try #require(try run(.kiloCode, Self.kilo).records.first)
        #expect(r.tokens == TokenCounts(input: 1616, cacheRead: 16384, output: 650))
        #expect(r.model == "x-ai/grok-code-fast-1" && r.provider == "xai" && r.source == "kilo-code")
    }

    @Test("detected by the extension folder; the task's other files are claimed and skipped unread")
    func detection() throws {
        let head = Array(#"[{"ts":1,"type":"say","say":"api_req_started","text":"{}"}]"#.utf8)
        let all = LogAdapters.all
        func best(_ path: String, _ head: [UInt8]) -> String? {
            all.map { ($0.name, $0.detect(path: path, head: head)) }.filter { $0.1 > 0 }.max { $0.1 < $1.1 }?.0
        }
        #expect(best("/h/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1/ui_messages.json", head) == "cline")
        #expect(best("/h/.config/Cursor/User/globalStorage/rooveterinaryinc.roo-cline/tasks/1/ui_messages.json", head) == "roo-code")
        #expect(best("/h/.config/Code/User/globalStorage/kilocode.kilo-code/tasks/1/ui_messages.json", head) == "kilo-code")
        #expect(best("/tmp/ui_messages.json", head) == "cline")
        let history = Array(#"[{"role":"user","content":"x"}]"#.utf8)
        #expect(best("/h/.config/Code/User/globalStorage/kilocode.kilo-code/tasks/1/api_conversation_history.json", history) == "kilo-code")
        let skipped = try AdapterHarness.run(ClineTaskAdapter(.cline), file: AdapterHarness.fixture(
            Self.storage + "/saoudrizwan.claude-dev/tasks/1749800000000/task_metadata.json"))
        #expect(skipped.entries.isEmpty && skipped.malformed.isEmpty && skipped.skipped == 1)
    }

    @Test("the whole storage folder imported exactly once; a request added to a rewritten task file is read alone")
    func exactlyOnce() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("globalStorage")
        try FileManager.default.copyItem(at: AdapterHarness.fixture(Self.storage), to: root)
        let ledger = try Ledger.inMemory()
        func importing() throws -> ImportSummary {
            try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [root])
        }
        let first = try importing()
        #expect(first.imported == 9 && first.quarantined == 1)
        #expect(try importing().imported == 0)

        let file = root.appendingPathComponent("kilocode.kilo-code/tasks/9a7b6c5d-4e3f-4a1b-8c2d-1e0f9a8b7c6d/ui_messages.json")
        var text = try String(contentsOf: file, encoding: .utf8)
        text.removeLast() // the closing bracket
        text += #",{"ts":1770000200000,"type":"say","say":"api_req_started","text":"{\"apiProtocol\":\"openai\",\"tokensIn\":500,\"tokensOut\":20,\"cacheWrites\":0,\"cacheReads\":0,\"cost\":0.0001}"}]"#
        try TestLog.write(text, to: file)
        let next = try importing()
        #expect(next.imported == 1 && next.filesRead == 1)
        let stored = try ledger.storedRecords().map(\.record)
        #expect(stored.count == 10)
        #expect(stored.filter { $0.source == "kilo-code" }.map(\.tokens.input).sorted() == [500, 1616])
    }
}
