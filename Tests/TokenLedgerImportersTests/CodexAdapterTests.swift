import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerImporters

@Suite("Codex adapter")
struct CodexAdapterTests {
    let adapter = CodexAdapter()
    static let s1 = "0199a1b2-0c3d-7e4f-8a9b-0c1d2e3f4a5b"
    static let s2 = "0199b2c3-1d4e-7f5a-9b0c-1d2e3f4a5b6c"
    static let main = "fixtures/logs/codex/sessions/2026/11/21/rollout-2026-11-21T10-00-00-\(s1).jsonl"
    static let fork = "fixtures/logs/codex/sessions/2026/11/22/rollout-2026-11-22T08-00-00-\(s2).jsonl"
    static let older = "fixtures/logs/codex/sessions/2025/10/02/rollout-2025-10-02T09-30-00-0199c3d4-2e5f-7a6b-8c7d-2e3f4a5b6c7d.jsonl"
    static let legacy = "fixtures/logs/codex/archived_sessions/rollout-2025-05-10T16-20-00-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl"

    func run(_ path: String) throws -> AdapterHarness.Output {
        try AdapterHarness.run(adapter, file: AdapterHarness.fixture(path))
    }

    @Test func countsOnlyIncreasesOfTheCumulativeTotal() throws {
        let out = try run(Self.main)
        #expect(out.malformed.map(\.line) == [9])           // cut short
        #expect(out.entries.map { $0.location?.line } == [5, 8, 10])
        #expect(out.skipped == 8)                          // meta, user item, 2 turn contexts, info:null, re-emit (6), agent msg, error
        #expect(out.entries.map(\.dedupKey) == ["codex:\(Self.s1):12900", "codex:\(Self.s1):32100", "codex:\(Self.s1):43600"])
        let r = out.records
        // 12900: input 12000 − cached 8000 = 4000 uncached, 8000 read, output 900 incl. 500 reasoning.
        #expect(r[0].tokens == TokenCounts(input: 4000, cacheRead: 8000, output: 900, reasoning: 500))
        #expect(r[0].model == "gpt-5-codex")
        #expect(r[0].effort == .medium)
        // 32100 − 12900: Δinput 18000, Δcached 16000 → 2000 + 16000; Δoutput 1200, Δreasoning 800.
        #expect(r[1].tokens == TokenCounts(input: 2000, cacheRead: 16000, output: 1200, reasoning: 800))
        #expect(r[1].model == "gpt-5.1")
        #expect(r[1].effort == .high)
        // 43600 − 32100: Δinput 11000, Δcached 6000 → 5000 + 6000; Δoutput 500, Δreasoning 200.
        #expect(r[2].tokens == TokenCounts(input: 5000, cacheRead: 6000, output: 500, reasoning: 200))
        #expect(r.allSatisfy { $0.provider == "openai" && $0.project == "api" && $0.sessionID == Self.s1 && $0.source == "codex" })
        #expect(r[2].timestamp == Timestamp.parse("2026-11-21T10:06:00Z"))
        // The sum equals the last cumulative total: 41000 − 30000 = 11000 uncached, 30000 read, 2600 out, 1500 reasoning.
        #expect(out.totals == TokenCounts(input: 11000, cacheRead: 30000, output: 2600, reasoning: 1500))
    }

    @Test func aForkReplayAddsNothing() throws {
        let out = try run(Self.fork)
        #expect(out.malformed.isEmpty)
        #expect(out.skipped == 7) // own meta, parent meta, 2 turn contexts, 2 replayed counts, re-emit
        #expect(out.entries.map(\.dedupKey) == ["codex:\(Self.s2):47900"])
        // Continues from the replayed 32100: Δinput 15000, Δcached 12000 → 3000 + 12000; output 800, reasoning 400.
        let r = try #require(out.records.first)
        #expect(r.tokens == TokenCounts(input: 3000, cacheRead: 12000, output: 800, reasoning: 400))
        #expect(r.model == "gpt-5.1")
        #expect(r.effort == .low)
        #expect(r.project == "api-fork")
        #expect(r.sessionID == Self.s2)
        // Both files: the parent's 43600-token session plus the fork's 15800 new tokens, nothing twice.
        let both = try run(Self.main).entries + out.entries
        #expect(LedgerSimulation.totals(both) == TokenCounts(input: 14000, cacheRead: 42000, output: 3400, reasoning: 1900))
        #expect(LedgerSimulation.totals(both).total == 43600 + 15800)
    }

    @Test func aForkThatCountsFromZeroIsCountedFromZero() {
        let text = """
        {"timestamp":"2026-11-22T08:00:00Z","type":"session_meta","payload":{"id":"F","cwd":"/x/y"}}
        {"timestamp":"2026-11-21T10:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":900,"cached_input_tokens":0,"output_tokens":100,"reasoning_output_tokens":0,"total_tokens":1000}}}}
        {"timestamp":"2026-11-22T08:01:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":250,"cached_input_tokens":50,"output_tokens":50,"reasoning_output_tokens":10,"total_tokens":300}}}}

        """
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/rollout-x.jsonl")))
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 200, cacheRead: 50, output: 50, reasoning: 10)])
        #expect(out.records.first?.model == "unknown")
    }

    @Test func resumingFromSavedStateGivesTheSameRecordsAsOneRead() throws {
        let bytes = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.main)))
        let file = AdapterHarness.fixture(Self.main)
        let whole = AdapterHarness.run(adapter, bytes: bytes, context: ImportContext(file: file), state: nil)
        let lineEnds = bytes.indices.filter { bytes[$0] == 0x0A }
        for cut in lineEnds.dropLast() {
            let first = AdapterHarness.run(adapter, bytes: Array(bytes[...cut]), context: ImportContext(file: file), state: nil)
            // The saved state goes through its JSON form, as the checkpoint table stores it.
            let saved = try JSONParser.parse(JSONWriterRoundTrip.text(first.state))
            let rest = AdapterHarness.run(adapter, bytes: Array(bytes[(cut + 1)...]), context: ImportContext(file: file), state: saved)
            let joined = first.entries + rest.entries
            #expect(joined.map(\.dedupKey) == whole.entries.map(\.dedupKey), "cut after byte \(cut)")
            #expect(joined.map(\.record) == whole.entries.map(\.record), "cut after byte \(cut)")
        }
    }

    @Test func olderShapesWithoutTurnContextOrEnvelope() throws {
        let older = try run(Self.older)
        #expect(older.records.map(\.tokens) == [TokenCounts(input: 5000, output: 300)])
        #expect(older.records.first?.model == "unknown")    // no turn_context: stored, shown unpriced
        #expect(older.records.first?.provider == "openai")
        #expect(older.records.first?.project == "tools")
        let legacy = try run(Self.legacy)
        #expect(legacy.entries.isEmpty)
        #expect(legacy.malformed.isEmpty)
        #expect(legacy.skipped == 4)
    }

    @Test func detectionAndDefaultRoots() throws {
        let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.main)))
        #expect(adapter.detect(fileName: "rollout-x.jsonl", head: head) == 95)
        let legacyHead = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.legacy)))
        #expect(adapter.detect(fileName: "rollout-2025-05-10T16-20-00-x.jsonl", head: legacyHead) == 60)
        let claude = try [UInt8](Data(contentsOf: AdapterHarness.fixture(ClaudeCodeAdapterTests.main)))
        #expect(adapter.detect(fileName: "s.jsonl", head: claude) == 0)

        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("codex-home-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: tmp) }
        try fm.createDirectory(at: tmp.appendingPathComponent("home/.codex/sessions/2026/11/21"), withIntermediateDirectories: true)
        try fm.createDirectory(at: tmp.appendingPathComponent("alt/archived_sessions"), withIntermediateDirectories: true)
        try fm.createDirectory(at: tmp.appendingPathComponent("alt/sessions"), withIntermediateDirectories: true)
        let home = tmp.appendingPathComponent("home").path
        #expect(adapter.defaultRoots(paths: Paths(environment: ["HOME": home])).map(\.path)
            == [home + "/.codex/sessions", home + "/.codex/archived_sessions"].map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        let alt = adapter.defaultRoots(paths: Paths(environment: ["HOME": home, "CODEX_HOME": tmp.path + "/alt"]))
        #expect(alt.map(\.path) == [tmp.path + "/alt/sessions", tmp.path + "/alt/archived_sessions"].map { URL(fileURLWithPath: $0).standardizedFileURL.path })
    }
}

/// Writes a JSONValue to text and back, the way a checkpoint stores parser state.
enum JSONWriterRoundTrip {
    static func text(_ value: JSONValue?) -> String {
        guard let value else { return "null" }
        return value.serialized()
    }
}
