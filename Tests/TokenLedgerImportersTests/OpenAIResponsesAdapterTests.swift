import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("openai-responses adapter")
struct OpenAIResponsesAdapterTests {
    let adapter = OpenAIResponsesAdapter()

    @Test("JSON Lines: effort from reasoning.effort, failed and cancelled skipped, a duplicate, a cut line")
    func jsonLines() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-responses/responses.jsonl"))
        #expect(out.entries.map(\.dedupKey) == [
            "openai:resp_67c1old0000000000000000001", "openai:resp_68d2new0000000000000000002",
            "openai:resp_68d2plain000000000000000003", "openai:resp_68d2new0000000000000000002",
            "openai:resp_68d2inc0000000000000000008",
        ])
        #expect(out.entries.map { $0.location?.line } == [1, 2, 3, 6, 8])
        #expect(out.malformed.map(\.line) == [7])
        #expect(out.skipped == 2) // failed (usage null) and cancelled (no usage)

        let r = out.records
        // Older shape: no input details; reasoning 1024 ⊂ output 1200.
        #expect(r[0].tokens == TokenCounts(input: 800, output: 1200, reasoning: 1024))
        #expect(r[0].effort == .medium && r[0].timestamp == Date(timeIntervalSince1970: 1_741_000_000))
        // 5000 − 4096 cached = 904.
        #expect(r[1].tokens == TokenCounts(input: 904, cacheRead: 4096, output: 2500, reasoning: 2048))
        #expect(r[1].effort == .high && r[1].serviceTier == "default" && r[1].model == "gpt-5-2025-08-07")
        #expect(r[1].units.webSearchCalls == 1 && r[0].units.webSearchCalls == 0)
        // A non-reasoning model echoes effort null.
        #expect(r[2].effort == .unknown && r[2].tokens == TokenCounts(input: 300, output: 45))
        // Incomplete (max_output_tokens) is still billed.
        #expect(r[4].tokens == TokenCounts(input: 1000, output: 4000, reasoning: 4000))
        #expect(r[4].effort == .low && r[4].serviceTier == "flex" && r[4].tags["status"] == "incomplete")
        #expect(r.allSatisfy { $0.source == "openai-responses" && $0.provider == "openai" })
    }

    @Test("SSE: only terminal events count; a failed stream is skipped; a cut event is reported")
    func stream() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-responses/stream.sse"))
        #expect(out.entries.map(\.dedupKey) == ["openai:resp_68d3s00000000000000000009", "openai:resp_68d3s00000000000000000012"])
        #expect(out.entries.map { $0.location?.line } == [8, 17])
        #expect(out.malformed.map(\.line) == [11])
        #expect(out.skipped == 1)
        // 1500 − 1280 = 220; 2200 − 2048 cache-write = 152.
        #expect(out.records[0].tokens == TokenCounts(input: 220, cacheRead: 1280, output: 90))
        #expect(out.records[0].effort == .minimal)
        #expect(out.records[1].tokens == TokenCounts(input: 152, cacheWrite5m: 2048, output: 16000, reasoning: 15872))
        #expect(out.totals == TokenCounts(input: 372, cacheRead: 1280, cacheWrite5m: 2048, output: 16090, reasoning: 15872))
    }

    @Test("a pretty-printed response object")
    func document() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-responses/response.json"))
        #expect(out.malformed.isEmpty)
        // 12000 − 8192 = 3808.
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 3808, cacheRead: 8192, output: 3000, reasoning: 2560)])
        #expect(out.records.first?.effort == .medium && out.records.first?.serviceTier == "priority")
    }

    @Test("detection")
    func detection() {
        func score(_ text: String) -> Int { adapter.detect(fileName: "x", head: Array(text.utf8)) }
        #expect(score(#"{"id":"resp_1","object": "response"}"#) == 90)
        #expect(score("event: response.created\ndata: {}") == 90)
        #expect(score(#"{"id":"chatcmpl-1","object":"chat.completion"}"#) == 0)
        #expect(score(#"{"custom_id":"a","response":{"body":{"object":"response"}}}"#) == 0)
    }
}
