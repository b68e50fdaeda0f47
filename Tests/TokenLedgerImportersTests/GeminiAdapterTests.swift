import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("gemini adapter")
struct GeminiAdapterTests {
    let adapter = GeminiAdapter()

    @Test("JSON Lines: cached ⊂ prompt, thoughts added to output, tool-use prompt as input, wrappers, batch, errors, a duplicate")
    func jsonLines() throws {
        let file = AdapterHarness.fixture("fixtures/logs/gemini/responses.jsonl")
        let out = try AdapterHarness.run(adapter, file: file)
        #expect(out.entries.map { $0.location?.line } == [1, 2, 3, 5, 7, 8])
        #expect(out.malformed.map(\.line) == [6])
        #expect(out.skipped == 1) // the 429 on line 4
        let keys = out.entries.map(\.dedupKey)
        #expect(keys[0].hasPrefix("google:sha-")) // the 2024 shape has no responseId
        #expect(Array(keys[1...]) == ["google:aBcDeFgHiJkLmNoP0002", "google:vTxResp000000000003", "google:aBcDeFgHiJkLmNoP0002",
                                      "google:bAtChResp0000000007", "google:iMgResp000000000008"])
        let r = out.records
        // Line 1: model and time from the logger's wrapper.
        #expect(r[0].model == "gemini-1.5-pro-002" && r[0].timestamp == Timestamp.parse("2024-10-01T08:30:00Z"))
        #expect(r[0].tokens == TokenCounts(input: 120, output: 45) && !r[0].isBatch)
        // Line 2: 10000 − 8000 cached = 2000; 300 + 1200 thoughts = 1500; audio 1000 − 500 cached = 500.
        #expect(r[1].tokens == TokenCounts(input: 2000, cacheRead: 8000, output: 1500, reasoning: 1200, audioInput: 500))
        #expect(r[1].model == "gemini-2.5-flash" && r[1].provider == "google" && r[1].source == "gemini")
        // Line 3 (Vertex): 5000 + 700 tool-use = 5700; 900 + 2100 = 3000; createTime.
        #expect(r[2].tokens == TokenCounts(input: 5700, output: 3000, reasoning: 2100))
        #expect(r[2].timestamp == Timestamp.parse("2025-11-26T09:00:00.123456Z"))
        // Line 7: a Batch API result line.
        #expect(r[4].isBatch && r[4].tokens == TokenCounts(input: 400, output: 80))
        // Line 8: image output.
        #expect(r[5].tokens == TokenCounts(input: 20, output: 1290, imageOutput: 1290))
        var unique: [String: TokenCounts] = [:]
        for e in out.entries { unique[e.dedupKey] = e.record.tokens }
        // input 120+2000+5700+400+20 = 8240; output 45+1500+3000+80+1290 = 5915; reasoning 1200+2100 = 3300.
        #expect(unique.values.reduce(TokenCounts(), +) == TokenCounts(input: 8240, cacheRead: 8000, output: 5915, reasoning: 3300, audioInput: 500, imageOutput: 1290))
    }

    @Test("a streamGenerateContent chunk array counts once, with the last chunk's usage")
    func chunkArray() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/gemini/stream.json"))
        #expect(out.malformed.isEmpty)
        #expect(out.entries.map(\.dedupKey) == ["google:sTrEaMChunks00000009"])
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 50, output: 125, reasoning: 100)]) // 25 + 100 thoughts
    }

    @Test("SSE chunks: one record per response id; a cut chunk reported")
    func sse() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/gemini/stream.sse"))
        #expect(out.entries.map(\.dedupKey) == ["google:sSeResp0000000000010", "google:sSeResp0000000000011"])
        #expect(out.entries.map { $0.location?.line } == [3, 7])
        #expect(out.malformed.map(\.line) == [5])
        #expect(out.totals == TokenCounts(input: 94, output: 20))
    }

    @Test("an old stream array without response ids is still one response")
    func oldChunkArray() {
        let text = """
        [{"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":1,"totalTokenCount":10}},
         {"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":4,"totalTokenCount":13}}
        ]

        """
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/old.json")))
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 9, output: 4)])
        #expect(out.records.first?.model == "unknown")
    }

    @Test("detection")
    func detection() throws {
        let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/gemini/responses.jsonl")))
        #expect(adapter.detect(fileName: "g.jsonl", head: head) == 95)
        #expect(OpenAIChatAdapter().detect(fileName: "g.jsonl", head: head) == 0)
        #expect(AnthropicAdapter().detect(fileName: "g.jsonl", head: head) == 0)
    }
}

extension GeminiAdapterTests {
    @Test("a chunk array saved on one line (with a byte-order mark) is one response")
    func oneLineChunkArray() {
        let text = "\u{FEFF}" + #"[{"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"modelVersion":"gemini-2.5-flash","responseId":"r1"},{"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":3,"thoughtsTokenCount":2,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash","responseId":"r1"}]"# + "\n"
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/one.json")))
        #expect(out.malformed.isEmpty)
        #expect(out.entries.map(\.dedupKey) == ["google:r1"])
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 7, output: 5, reasoning: 2)])
    }
}

extension GeminiAdapterTests {
    @Test("a chunk not yet emitted at a mid-file checkpoint travels in the state, so a killed run loses nothing")
    func pendingChunkInCheckpointState() throws {
        let ctx = ImportContext(file: URL(fileURLWithPath: "/tmp/gemini-live.jsonl"))
        let line = #"{"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":6,"totalTokenCount":36},"modelVersion":"gemini-2.5-flash","responseId":"live1","createTime":"2025-11-26T09:00:00Z"}"#
        let parser = adapter.makeParser(context: ctx, state: nil)
        var emitted = 0
        Array(line.utf8).withUnsafeBytes { parser.parse(line: $0, number: 1, emit: { _ in emitted += 1 }) }
        #expect(emitted == 0) // held until the next response or the end of the data
        let saved = try #require(parser.state) // what a mid-file checkpoint stores; then the run is killed
        let next = AdapterHarness.run(adapter, bytes: [], context: ctx, state: saved)
        #expect(next.entries.map(\.dedupKey) == ["google:live1"])
        #expect(next.entries.map { $0.location?.line } == [1])
        #expect(next.records.map(\.tokens) == [TokenCounts(input: 30, output: 6)])
        #expect(next.records.first?.timestamp == Timestamp.parse("2025-11-26T09:00:00Z"))
        #expect(next.state?["carried"] == nil)
    }
}
