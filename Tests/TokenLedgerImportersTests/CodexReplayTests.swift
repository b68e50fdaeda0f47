import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

/// Codex rollouts without `session_meta` that continue or branch another rollout: the history they
/// replay (same times, same cumulative usage) is counted once across the session tree, and each
/// event is priced with the model it names.
@Suite("Codex: replayed history and per-event models")
struct CodexReplayTests {
    static let folder = "fixtures/logs/codex-replay/sessions/2026/01/15"
    static let parent = folder + "/rollout-2026-01-15T09-00-00-019bc001-aaaa-7bbb-8ccc-000000000001.jsonl"
    static let branch = folder + "/rollout-2026-01-15T09-30-00-019bc002-bbbb-7ccc-8ddd-000000000002.jsonl"

    @Test("parent (one event) and branch (that event replayed, then new ones) give each event once")
    func replayAcrossFiles() throws {
        let ledger = try Ledger.inMemory()
        let summary = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(),
                                         options: ImportOptions(settledAge: 0))
            .run(paths: [AdapterHarness.fixture("fixtures/logs/codex-replay")])
        #expect(summary.filesRead == 2)
        #expect(summary.imported == 4 && summary.duplicates == 1) // the parent's event, then the branch's three new ones
        let stored = try ledger.storedRecords()
        // The whole tree is the branch's last cumulative total: 3900 tokens, nothing twice.
        #expect(stored.map(\.record.tokens.total).reduce(0, +) == 3900)
        #expect(stored.allSatisfy { $0.record.source == "codex" && $0.record.project == "app" })
    }

    @Test("a token_count that names its own model is priced with it; the turn_context's model holds otherwise")
    func perEventModel() throws {
        let out = try AdapterHarness.run(CodexAdapter(), file: AdapterHarness.fixture(Self.branch))
        #expect(out.malformed.isEmpty)
        #expect(out.records.map(\.model) == ["gpt-5-codex", "gpt-5-codex", "gpt-5.1-codex-mini", "gpt-5-codex"])
        #expect(out.records.map(\.effort) == [.medium, .high, .high, .high])
        // 3660 − 3000: Δinput 600, Δcached 500 → 100 uncached + 500 read; Δoutput 60, Δreasoning 30.
        #expect(out.records[2].tokens == TokenCounts(input: 100, cacheRead: 500, output: 60, reasoning: 30))
        let parent = try AdapterHarness.run(CodexAdapter(), file: AdapterHarness.fixture(Self.parent))
        #expect(parent.entries.map(\.dedupKey) == [out.entries[0].dedupKey], "the replayed event has the parent's key")
    }
}
