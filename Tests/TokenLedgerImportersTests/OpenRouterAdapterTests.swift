import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("openrouter adapter")
struct OpenRouterAdapterTests {
    let adapter = OpenRouterAdapter()

    func usd(_ text: String) -> Money? { Money(decimalText: text) }

    @Test("responses: usage.cost exact, BYOK upstream cost added, slugs kept, an error, a duplicate, a cut line")
    func jsonLines() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openrouter/responses.jsonl"))
        #expect(out.entries.map { $0.location?.line } == [1, 2, 3, 5, 7])
        #expect(out.malformed.map(\.line) == [6])
        #expect(out.skipped == 1) // the 402 on line 4
        #expect(out.entries[1].dedupKey == "openrouter:gen-1764000000-XyZaBcDeFgHiJkLm0002")
        let r = out.records
        #expect(r.allSatisfy { $0.provider == "openrouter" && $0.channel == nil && $0.source == "openrouter" })
        #expect(r.map(\.model) == ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "openai/o3-mini", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash"])
        // Line 1: the 2024 shape has no cost: unknown, not zero.
        #expect(r[0].reportedCost == nil && r[0].tokens == TokenCounts(input: 100, output: 20) && r[0].tags["upstream"] == "OpenAI")
        // Line 2: 3000 − 2000 cached − 500 cache-write = 500.
        #expect(r[1].tokens == TokenCounts(input: 500, cacheRead: 2000, cacheWrite5m: 500, output: 500))
        #expect(r[1].reportedCost == usd("0.01695"))
        // Line 3: BYOK: OpenRouter's 0.000066 fee + 0.0143 paid upstream = 0.014366.
        #expect(r[2].reportedCost == usd("0.014366") && r[2].tags["byok"] == "true")
        #expect(r[2].tokens == TokenCounts(input: 1000, output: 3000, reasoning: 2560))
        // Line 7: cost written as 1.2e-05.
        #expect(r[4].reportedCost == usd("0.000012") && r[4].tokens == TokenCounts(input: 40, output: 80, reasoning: 50))
        var unique: [String: UsageRecord] = [:]
        for e in out.entries { unique[e.dedupKey] = e.record }
        // 0.01695 + 0.014366 + 0.000012 = 0.031328.
        #expect(unique.values.compactMap(\.reportedCost).sum() == usd("0.031328"))
        #expect(unique.values.map(\.tokens).reduce(TokenCounts(), +) == TokenCounts(input: 1640, cacheRead: 2000, cacheWrite5m: 500, output: 3600, reasoning: 2610))
    }

    @Test("SSE with OpenRouter's processing comments: the final usage chunk")
    func stream() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openrouter/stream.sse"))
        #expect(out.malformed.isEmpty && out.skipped == 0)
        #expect(out.entries.map { $0.location?.line } == [5])
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 12, output: 3)])
        #expect(out.records.first?.reportedCost == usd("0.0000036"))
    }

    @Test("the activity CSV by header name: naive UTC times, cached ⊂ prompt, BYOK inference, a cancelled row, a short row")
    func activityCSV() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openrouter/activity.csv"))
        #expect(out.entries.map { $0.location?.line } == [2, 3, 5, 6])
        #expect(out.malformed.map(\.line) == [4])
        let r = out.records
        // 5000 − 4000 cached = 1000; reasoning 300 ⊂ completion 700.
        #expect(r[0].tokens == TokenCounts(input: 1000, cacheRead: 4000, output: 700, reasoning: 300))
        #expect(r[0].reportedCost == usd("0.00123456789") && r[0].model == "openai/gpt-5-mini-2025-08-07")
        #expect(r[0].timestamp == Timestamp.parse("2025-11-25T10:00:00.040Z"))
        #expect(r[0].tags["app"] == "My App, web" && r[0].apiKeyHash == SHA256.shortHash(of: "Prod key"))
        #expect(r[1].tags["cancelled"] == "true" && r[1].tokens == TokenCounts(input: 200) && r[1].reportedCost == usd("0.00005"))
        // More reasoning (400) than completion (100): added, 500; cost 0.0021 + 0.0042 BYOK = 0.0063.
        #expect(r[3].tokens == TokenCounts(input: 1000, output: 500, reasoning: 400) && r[3].reportedCost == usd("0.0063"))
        #expect(r[3].tags["app"] == nil)
    }

    @Test("the older, narrower CSV layout; a naive time zone other than UTC")
    func oldActivityCSV() throws {
        let file = AdapterHarness.fixture("fixtures/logs/openrouter/activity_old.csv")
        let out = try AdapterHarness.run(adapter, file: file)
        #expect(out.entries.map { $0.location?.line } == [2, 3])
        #expect(out.malformed.map(\.line) == [4]) // tokens_prompt "many"
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 1500, output: 300), TokenCounts(input: 900)])
        #expect(out.records.map(\.reportedCost) == [usd("0.0009"), usd("0.00045")])
        #expect(out.records[0].timestamp == Timestamp.parse("2024-09-22T10:15:00Z"))
        let newYork = try AdapterHarness.run(adapter, file: file, context: ImportContext(file: file, naiveTimeZone: try #require(TimeZone(identifier: "America/New_York"))))
        #expect(newYork.records[0].timestamp == Timestamp.parse("2024-09-22T14:15:00Z"))
    }

    @Test("detection claims OpenRouter files over openai-chat")
    func detection() throws {
        for name in ["responses.jsonl", "stream.sse", "activity.csv", "activity_old.csv"] {
            let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/openrouter/" + name)))
            #expect(adapter.detect(fileName: name, head: head) >= 85)
            #expect(OpenAIChatAdapter().detect(fileName: name, head: head) < adapter.detect(fileName: name, head: head))
        }
    }
}
