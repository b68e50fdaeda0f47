import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

@Suite("OpenTelemetry OTLP JSON files")
struct OpenTelemetryAdapterTests {
    let adapter = OpenTelemetryAdapter()

    func run(_ name: String) throws -> AdapterHarness.Output {
        try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/otel/" + name))
    }

    @Test("Claude Code, Codex and Gemini CLI events: each tool's counts in canonical buckets, Claude Code's cost kept")
    func agentEvents() throws {
        let out = try run("agents-logs.jsonl")
        #expect(out.malformed.map(\.line) == [5])
        #expect(out.records.count == 4) // two Claude Code requests, one Codex, one Gemini CLI
        let sonnet = out.records[0]
        #expect(sonnet.tokens == TokenCounts(input: 9, cacheRead: 41250, cacheWrite5m: 3120, output: 612))
        #expect(sonnet.provider == "anthropic" && sonnet.model == "claude-sonnet-4-5-20250929")
        #expect(sonnet.reportedCost == Money(decimalText: "0.0421095"))
        #expect(sonnet.timestamp == Timestamp.parse("2026-01-08T10:00:01.123Z"))
        #expect(sonnet.sessionID == "b6a2c1d0-1111-4222-8333-444455556666")
        #expect(out.records[1].reportedCost == Money(decimalText: "0.00125"), "attributes written as strings read the same")
        // Codex: cached ⊂ input, reasoning ⊂ output.
        #expect(out.records[2].tokens == TokenCounts(input: 4000, cacheRead: 16000, output: 900, reasoning: 512))
        #expect(out.records[2].provider == "openai")
        // Gemini CLI: thoughts apart from output, tool-use prompt tokens are input.
        #expect(out.records[3].tokens == TokenCounts(input: 4100, cacheRead: 8000, output: 750, reasoning: 450))
        #expect(out.records.allSatisfy { $0.source == "otel" })
    }

    @Test("GenAI spans: the cache inside input_tokens, or beside it as older Anthropic instrumentations wrote it; a bad count quarantined")
    func genAISpans() throws {
        let out = try run("genai-traces.jsonl")
        #expect(out.malformed.map(\.line) == [2])
        #expect(out.malformed.first?.reason == "gen_ai.usage.output_tokens is not a whole number of tokens")
        #expect(Array(out.entries.map(\.dedupKey).prefix(2)) == ["otel:5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174",
                                                          "otel:5b8efff798038103d269b633813fc60c:aaa19b7ec3c1b175"])
        #expect(out.records[0].tokens == TokenCounts(input: 176, cacheRead: 1024, output: 80))
        #expect(out.records[0].model == "gpt-4o-mini-2024-07-18" && out.records[0].provider == "openai")
        #expect(out.records[1].tokens == TokenCounts(input: 25, cacheRead: 4000, output: 300))
        #expect(out.records[1].provider == "anthropic")
    }

    @Test("imported exactly once, a repeated export adds nothing, appended lines are read alone")
    func exactlyOnceAndIncremental() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("traces.jsonl")
        let lines = try String(contentsOf: AdapterHarness.fixture("fixtures/logs/otel/genai-traces.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { String($0) + "\n" }
        try TestLog.write(lines[0] + lines[1], to: file)
        let ledger = try Ledger.inMemory()
        let pipeline = { try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [file]) }
        let first = try pipeline()
        #expect(first.imported == 2 && first.quarantined == 1)
        #expect(try ledger.quarantinedLines().map(\.line) == [2])
        try TestLog.append(lines[2], to: file)
        let next = try pipeline()
        #expect(next.imported == 0 && next.duplicates == 2 && next.quarantined == 0 && next.bytesRead == Int64(lines[2].utf8.count))
        #expect(try ledger.recordCount() == 2)
    }
}
