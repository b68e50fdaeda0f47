import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

/// Claude Code lines without `type` and `uuid` (older versions; transcripts re-exported by other
/// tools): recognised by where they are and by their fields, and read with project and logged cost.
@Suite("Claude Code lines without type or uuid")
struct ClaudeCodeExportTests {
    static let file = "fixtures/logs/claude-code-export/claude/projects/-home-dev-src-notes/8d2f4e6a-3333-4eee-8fff-000000000003.jsonl"

    @Test("detected as claude-code from the projects folder and the fields, not as the Anthropic API")
    func detection() throws {
        let url = AdapterHarness.fixture(Self.file)
        let head = [UInt8](try Data(contentsOf: url))
        let scores = LogAdapters.all.map { ($0.name, $0.detect(path: url.path, head: head)) }
        let best = try #require(scores.max { $0.1 < $1.1 })
        #expect(best.0 == "claude-code")
        // Elsewhere, Claude Code's own costUSD field still tells.
        #expect(ClaudeCodeAdapter().detect(path: "/tmp/export.jsonl", head: head) > 10)
    }

    @Test("each assistant message with usage is a record, with its project, session and logged cost")
    func records() throws {
        let out = try AdapterHarness.run(ClaudeCodeAdapter(), file: AdapterHarness.fixture(Self.file))
        #expect(out.records.count == 2)
        #expect(out.malformed.map(\.line) == [4])
        #expect(out.malformed.first?.reason == "the line is a JSON array, not an object")
        let first = out.records[0]
        #expect(first.tokens == TokenCounts(input: 1200, cacheWrite5m: 2000, output: 356))
        #expect(first.reportedCost == Money(decimalText: "0.01734"))
        #expect(first.project == "notes" && first.sessionID == "8d2f4e6a-3333-4eee-8fff-000000000003")
        #expect(out.entries[0].dedupKey == "anthropic:msg_01Exp0rtA")
        // No message id, no uuid: keyed by session and time, stable across re-reads.
        #expect(out.entries[1].dedupKey == "claude-code:8d2f4e6a-3333-4eee-8fff-000000000003:2025-03-02T10:01:30.009Z")
        #expect(out.records[1].tokens == TokenCounts(input: 40, cacheRead: 3200, output: 420))
    }

    @Test("imported through auto-detection: two records, once")
    func importedOnce() throws {
        let ledger = try Ledger.inMemory()
        let folder = AdapterHarness.fixture("fixtures/logs/claude-code-export")
        let first = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [folder])
        #expect(first.imported == 2 && first.quarantined == 1)
        #expect(try ledger.storedRecords().allSatisfy { $0.record.source == "claude-code" && $0.record.project == "notes" })
        let again = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [folder])
        #expect(again.imported == 0 && again.filesUnchanged == 1)
    }
}
