import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("anthropic adapter")
struct AnthropicAdapterTests {
    let adapter = AnthropicAdapter()

    func modified(_ file: URL) throws -> Date {
        try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date)
    }

    @Test("JSON Lines: uncached input, 5m/1h cache writes, thinking, web search, wrappers, batch results, errors, a duplicate")
    func jsonLines() throws {
        let file = AdapterHarness.fixture("fixtures/logs/anthropic/messages.jsonl")
        let out = try AdapterHarness.run(adapter, file: file)
        #expect(out.entries.map(\.dedupKey) == [
            "anthropic:msg_01OldShape00000000000001", "anthropic:msg_01CacheOld000000000002",
            "anthropic:msg_01NewShape00000000003", "anthropic:msg_01NewShape00000000003",
            "anthropic:msg_01Batch0000000000000007",
        ])
        #expect(out.entries.map { $0.location?.line } == [1, 2, 3, 5, 7])
        #expect(out.malformed.map(\.line) == [6])
        #expect(out.skipped == 2) // the overloaded error (line 4) and the errored batch result (line 8)
        let r = out.records
        // Line 1: no time anywhere → the file's modification time.
        #expect(r[0].timestamp == (try modified(file)))
        #expect(r[0].tokens == TokenCounts(input: 2095, output: 503))
        // Line 2: no 5m/1h breakdown → cache_creation_input_tokens counts as 5m; time from the wrapper.
        #expect(r[1].tokens == TokenCounts(input: 50, cacheWrite5m: 1200, output: 300))
        #expect(r[1].timestamp == Date(timeIntervalSince1970: 1_764_151_200))
        // Line 3: input 12 is already uncached; 1000 5m + 2000 1h writes; thinking 512 ⊂ output 800.
        #expect(r[2].tokens == TokenCounts(input: 12, cacheRead: 20000, cacheWrite5m: 1000, cacheWrite1h: 2000, output: 800, reasoning: 512))
        #expect(r[2].units.webSearchCalls == 2 && r[2].serviceTier == "standard" && !r[2].isBatch)
        #expect(r[2].timestamp == Date(timeIntervalSince1970: 1_764_151_200))
        // Line 7: a Message Batches result.
        #expect(r[4].isBatch && r[4].serviceTier == "batch" && r[4].tokens == TokenCounts(input: 900, output: 100))
        #expect(r.allSatisfy { $0.provider == "anthropic" && $0.source == "anthropic" })
        var unique: [String: TokenCounts] = [:]
        for e in out.entries { unique[e.dedupKey] = e.record.tokens }
        // input 2095+50+12+900 = 3057; 5m 1200+1000 = 2200; output 503+300+800+100 = 1703.
        #expect(unique.values.reduce(TokenCounts(), +) == TokenCounts(input: 3057, cacheRead: 20000, cacheWrite5m: 2200, cacheWrite1h: 2000, output: 1703, reasoning: 512))
    }

    @Test("SSE: message_start usage plus the final cumulative message_delta output; a cut stream reported; an error event skipped")
    func stream() throws {
        let file = AdapterHarness.fixture("fixtures/logs/anthropic/stream.sse")
        let out = try AdapterHarness.run(adapter, file: file)
        #expect(out.entries.map(\.dedupKey) == ["anthropic:msg_01Stream0000000000000009", "anthropic:msg_01Stream0000000000000011"])
        #expect(out.entries.map { $0.location?.line } == [2, 32])
        #expect(out.malformed.map(\.line) == [23])
        #expect(out.skipped == 1)
        // Placeholder output 2 replaced by the final 1500.
        #expect(out.records[0].tokens == TokenCounts(input: 472, cacheRead: 8000, output: 1500))
        #expect(out.records[0].model == "claude-opus-4-1-20250805")
        // The newer delta repeats input/cache usage and adds server tool use.
        #expect(out.records[1].tokens == TokenCounts(input: 10, cacheWrite1h: 4000, output: 350))
        #expect(out.records[1].units.webSearchCalls == 3)
        #expect(out.records.allSatisfy { $0.timestamp == (try? modified(file)) })
    }

    @Test("a stream cut before message_stop is still read at the end of the data")
    func cutStream() {
        let text = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_x","model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}
        event: message_delta
        data: {"type":"message_delta","usage":{"output_tokens":77}}

        """
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/cut.sse")))
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 5, output: 77)])
    }

    @Test("a pretty-printed message")
    func document() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/anthropic/message.json"))
        #expect(out.malformed.isEmpty)
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 300, output: 2000)])
        #expect(out.records.first?.serviceTier == "priority")
    }

    @Test("detection leaves Claude Code session lines to their adapter")
    func detection() throws {
        let stream = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/anthropic/stream.sse")))
        let lines = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/anthropic/messages.jsonl")))
        #expect(adapter.detect(fileName: "a.sse", head: stream) == 90)
        #expect(adapter.detect(fileName: "a.jsonl", head: lines) == 90)
        let claudeCode = #"{"type":"assistant","sessionId":"s","message":{"id":"msg_1","type":"message","usage":{"cache_read_input_tokens":1}}}"#
        #expect(adapter.detect(fileName: "s.jsonl", head: Array(claudeCode.utf8)) == 10)
        #expect(OpenAIChatAdapter().detect(fileName: "a.jsonl", head: lines) == 0)
    }
}

extension AnthropicAdapterTests {
    @Test("a stream still being written is carried to the next run, whose complete copy outranks it")
    func streamAcrossRuns() {
        let ctx = ImportContext(file: URL(fileURLWithPath: "/tmp/live.sse"))
        let first = AdapterHarness.run(adapter, text: """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_live","model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}

        """, context: ctx)
        #expect(first.entries.map(\.supersedeRank) == [1])
        let next = AdapterHarness.run(adapter, bytes: Array("""
        event: message_delta
        data: {"type":"message_delta","usage":{"output_tokens":90}}
        event: message_stop
        data: {"type":"message_stop"}

        """.utf8), context: ctx, state: first.state)
        #expect(next.entries.map(\.dedupKey) == ["anthropic:msg_live"])
        #expect(next.entries.map(\.supersedeRank) == [90])
        #expect(next.records.map(\.tokens) == [TokenCounts(input: 5, output: 90)])
        #expect(next.state?["carried"] == nil)
    }
}
