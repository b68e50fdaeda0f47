import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("openai-chat adapter")
struct OpenAIChatAdapterTests {
    let adapter = OpenAIChatAdapter()

    @Test("JSON Lines: old and new usage shapes, null details, a wrapped request, an error, a duplicate and a cut line")
    func jsonLines() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-chat/responses.jsonl"))
        #expect(out.entries.map(\.dedupKey) == [
            "openai:chatcmpl-8AbCdOld000000000000000001", "openai:chatcmpl-B9xNew000000000000000002",
            "openai:chatcmpl-C1Null00000000000000000003", "openai:chatcmpl-B9xNew000000000000000002",
            "openai:chatcmpl-E3Audio000000000000000005", "openai:chatcmpl-F4Wrap000000000000000006",
        ])
        #expect(out.entries.map { $0.location?.line } == [1, 2, 3, 5, 7, 8])
        #expect(out.malformed.map(\.line) == [6])
        #expect(out.skipped == 1) // the rate-limit error on line 4

        let r = out.records
        // Line 1, 2023 shape without details: everything is uncached input.
        #expect(r[0].tokens == TokenCounts(input: 56, output: 31))
        #expect(r[0].timestamp == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(r[0].model == "gpt-3.5-turbo-0613" && r[0].serviceTier == nil && r[0].provider == "openai")
        // Line 2: 1500 prompt − 1024 cached = 476 uncached; reasoning 192 stays inside output 300.
        #expect(r[1].tokens == TokenCounts(input: 476, cacheRead: 1024, output: 300, reasoning: 192))
        #expect(r[1].serviceTier == "default" && r[1].effort == .unknown && r[1].source == "openai-chat")
        // Line 3: details are null.
        #expect(r[2].tokens == TokenCounts(input: 12, output: 3))
        // Line 7: audio in 80 of 120 uncached; audio out 400 of 500.
        #expect(r[4].tokens == TokenCounts(input: 120, output: 500, audioInput: 80, audioOutput: 400))
        // Line 8: 2000 − 512 cached − 1024 cache-write = 464; effort from the saved request.
        #expect(r[5].tokens == TokenCounts(input: 464, cacheRead: 512, cacheWrite5m: 1024, output: 900, reasoning: 640))
        #expect(r[5].effort == .high && r[5].serviceTier == "flex" && r[5].model == "gpt-5-mini-2025-08-07")

        // Unique records (the duplicate on line 5 collides on its key in the ledger):
        // input 56+476+12+120+464 = 1128, cached 1024+512 = 1536, output 31+300+3+500+900 = 1734.
        var unique: [String: TokenCounts] = [:]
        for e in out.entries { unique[e.dedupKey] = e.record.tokens }
        let total = unique.values.reduce(TokenCounts(), +)
        #expect(total == TokenCounts(input: 1128, cacheRead: 1536, cacheWrite5m: 1024, output: 1734, reasoning: 832,
                                     audioInput: 80, audioOutput: 400))
    }

    @Test("SSE: only the final chunk of each stream counts; a cut data line is reported and the next stream read")
    func sseStream() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-chat/stream.sse"))
        #expect(out.entries.map(\.dedupKey) == ["openai:chatcmpl-G5Stream0000000000000007", "openai:chatcmpl-I7Stream0000000000000009"])
        #expect(out.entries.map { $0.location?.line } == [7, 14])
        #expect(out.malformed.map(\.line) == [11])
        #expect(out.skipped == 0)
        // 2100 − 1920 cached = 180.
        #expect(out.records[0].tokens == TokenCounts(input: 180, cacheRead: 1920, output: 48))
        #expect(out.records[1].tokens == TokenCounts(input: 30, output: 250, reasoning: 192))
        #expect(out.records[1].model == "o4-mini-2025-04-16")
        #expect(out.totals == TokenCounts(input: 210, cacheRead: 1920, output: 298, reasoning: 192))
    }

    @Test("a pretty-printed JSON array of responses is read as one document")
    func prettyDocument() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-chat/response.json"))
        #expect(out.malformed.isEmpty)
        #expect(out.records.map(\.tokens) == [
            TokenCounts(input: 1024, cacheRead: 3072, output: 128), // 4096 − 3072
            TokenCounts(input: 1200, output: 40, imageInput: 765),
        ])
        #expect(out.records[0].serviceTier == "priority")
        #expect(out.entries.map { $0.location?.line } == [1, 1])
    }

    @Test("an appended JSONL file continues from its saved state")
    func resumesFromState() {
        let ctx = ImportContext(file: URL(fileURLWithPath: "/tmp/app.jsonl"))
        let first = AdapterHarness.run(adapter, text: #"{"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":2}}"# + "\n", context: ctx)
        #expect(first.entries.count == 1)
        // The next run starts mid-file; the saved state says the shape is lines.
        let next = AdapterHarness.run(adapter, bytes: Array((#"{"id":"chatcmpl-2","object":"chat.completion","created":1764000001,"model":"gpt-4o","usage":{"prompt_tokens":7,"completion_tokens":1}}"# + "\n").utf8), context: ctx, state: first.state)
        #expect(next.records.map(\.tokens) == [TokenCounts(input: 7, output: 1)])
    }

    @Test("inconsistent usage is reported, not stored")
    func inconsistentUsage() {
        let ctx = ImportContext(file: URL(fileURLWithPath: "/tmp/bad.jsonl"))
        let out = AdapterHarness.run(adapter, text: #"{"id":"chatcmpl-x","object":"chat.completion","created":1764000000,"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":20}}}"# + "\n", context: ctx)
        #expect(out.entries.isEmpty)
        #expect(out.malformed.count == 1 && out.malformed[0].line == 1)
    }

    @Test("detection tells chat files from other OpenAI-shaped formats")
    func detection() {
        func score(_ text: String) -> Int { adapter.detect(fileName: "x.jsonl", head: Array(text.utf8)) }
        #expect(score(#"{"id":"chatcmpl-1","object": "chat.completion","usage":{}}"#) == 90)
        #expect(score(#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk"}"#) == 90)
        #expect(score(#"{"id":"gen-123","provider":"OpenAI","object":"chat.completion"}"#) == 20)
        #expect(score(#"{"id":"batch_req_1","custom_id":"a","response":{"body":{"object":"chat.completion"}}}"#) == 0)
        #expect(score(#"{"id":"resp_1","object":"response","usage":{"input_tokens":1}}"#) == 0)
    }
}

extension OpenAIChatAdapterTests {
    /// Writes `text` to a fresh temporary file.
    func temporaryFile(_ name: String, _ text: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    @Test("JSON saved without a final newline is still read, though the pipeline holds its last line back")
    func noFinalNewline() throws {
        let compact = try temporaryFile("curl.json", #"{"id":"chatcmpl-curl","object":"chat.completion","created":1764000000,"model":"gpt-4o","usage":{"prompt_tokens":9,"completion_tokens":1}}"#)
        #expect(try AdapterHarness.run(adapter, file: compact).records.map(\.tokens) == [TokenCounts(input: 9, output: 1)])
        let pretty = try temporaryFile("pretty.json", """
        {
          "id": "chatcmpl-pretty", "object": "chat.completion", "created": 1764000000, "model": "gpt-4o",
          "usage": { "prompt_tokens": 20, "completion_tokens": 4 }
        }
        """)
        let out = try AdapterHarness.run(adapter, file: pretty)
        #expect(out.malformed.isEmpty)
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 20, output: 4)])
    }

    @Test("a JSONL line still being written (no newline yet) is left for the next run")
    func partialLineWaits() throws {
        let file = try temporaryFile("live.jsonl", #"{"id":"chatcmpl-a","object":"chat.completion","created":1764000000,"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":1}}"# + "\n" + #"{"id":"chatcmpl-b","object":"chat.compl"#)
        let out = try AdapterHarness.run(adapter, file: file)
        #expect(out.entries.map(\.dedupKey) == ["openai:chatcmpl-a"])
        #expect(out.malformed.isEmpty)
    }
}
