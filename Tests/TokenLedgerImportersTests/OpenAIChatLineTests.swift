import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerImporters

/// The chat adapter's member-by-member reader (`OpenAIChatLine`) against the general reader
/// (`JSONParser` + `OpenAIResponseSummary`): on every line it accepts, both must read the same
/// record; every line outside its shape must be declined, so the general reader (and its error
/// wording) decides.
@Suite("openai-chat member-by-member line reader")
struct OpenAIChatLineTests {
    /// A line as the benchmark and real applications write it: the answer text with escapes, details
    /// objects with counts the reader skips.
    static let common = #"{"id":"chatcmpl-B9xNew0000000000002","object":"chat.completion","created":1761955200,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_ab12cd34","choices":[{"index":0,"message":{"role":"assistant","content":"Sure \"quoted\" text\nand a tab\t, é, \ud83d\ude00","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1500,"completion_tokens":300,"total_tokens":1800,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#

    /// What the general reader makes of `line` (nil: no record, or an error).
    static func general(_ line: String) -> OpenAIResponseSummary? {
        let bytes = Array(line.utf8)
        guard let value = try? JSONParser.parse(bytes, keepingTopLevelKeys: OpenAIChatParser.keys),
              var object = value.object else { return nil }
        // The adapter's `{"request", "response"}` wrapper.
        if object["usage"] == nil, let wrapped = object["response"]?.object { object = wrapped }
        return try? OpenAIResponseSummary.read(object)
    }

    static func fast(_ line: String) -> OpenAIChatLine? {
        var names = OpenAIChatLine.NameMemo()
        return Array(line.utf8).withUnsafeBytes { OpenAIChatLine.read($0, names: &names) }
    }

    static func expectSame(_ line: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let f = fast(line) else {
            Issue.record("the common shape was declined: \(line)", sourceLocation: sourceLocation)
            return
        }
        guard let g = general(line) else {
            Issue.record("the general reader found no record: \(line)", sourceLocation: sourceLocation)
            return
        }
        #expect(f.id == g.id && f.timestamp == g.timestamp && f.model == g.model, sourceLocation: sourceLocation)
        #expect(f.serviceTier == g.serviceTier && f.effort == g.effort && f.tokens == g.tokens, sourceLocation: sourceLocation)
        #expect(f.key == "openai:" + g.id && f.provider == g.provider, sourceLocation: sourceLocation)
    }

    static func edited(_ from: String, _ to: String) -> String {
        precondition(common.contains(from), "\(from) is not in the common line")
        return common.replacingOccurrences(of: from, with: to)
    }

    @Test("the common shape and its usual variations read the same record both ways")
    func sameRecords() throws {
        Self.expectSame(Self.common)
        let r = try #require(Self.fast(Self.common))
        #expect(r.tokens == TokenCounts(input: 476, cacheRead: 1024, output: 300, reasoning: 192))
        #expect(r.timestamp == Date(timeIntervalSince1970: 1_761_955_200) && r.serviceTier == "default" && r.effort == .unknown)

        for variant in [
            Self.edited(#""created":1761955200"#, #""created_at":1761955200"#),
            Self.edited(#""created":1761955200"#, #""created":1761955200123"#),   // milliseconds
            Self.edited(#""service_tier":"default""#, #""service_tier":null"#),
            Self.edited(#""service_tier":"default""#, #""reasoning_effort":"high""#),
            Self.edited(#""service_tier":"default""#, #""reasoning_effort":null"#),
            Self.edited(#""prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0}"#, #""prompt_tokens_details":null"#),
            Self.edited(#","completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}"#, ""),
            Self.edited(#""completion_tokens":300"#, #""completion_tokens":null"#)
                .replacingOccurrences(of: #""reasoning_tokens":192"#, with: #""reasoning_tokens":null"#),
            Self.edited(#""cached_tokens":1024"#, #""cached_tokens":null,"cache_write_tokens":400,"image_tokens":50,"note":{"a":[1,2]}"#),
            Self.edited(#""audio_tokens":0}"#, #""audio_tokens":30}"#),
            Self.edited(#""reasoning_tokens":192,"audio_tokens":0"#, #""reasoning_tokens":0,"image_tokens":7,"audio_tokens":3"#),
            Self.edited(#""id":"chatcmpl-B9xNew0000000000002""#, #""id":"chatcmpl-\u0042\/x""#),   // escapes in the id
            Self.edited(#""object":"chat.completion","#, #" "object" : "chat.completion" , "#),
            Self.edited(#""usage":{"prompt_tokens":1500"#, #""usage":{"input_tokens":"x","prompt_tokens":1500"#),
            Self.edited(#""created":1761955200"#, #""created":0"#),
        ] {
            Self.expectSame(variant)
        }
        // Blanks around the line and a byte-order mark are the pipeline's; blanks after are allowed.
        Self.expectSame(Self.common + "  ")
    }

    @Test("members in other orders, with blanks or with others between them read the same record both ways")
    func otherOrders() throws {
        // The reader guesses each key from the one before (OpenAI's order); a wrong guess must cost nothing but time.
        let tail = #","service_tier":"default","system_fingerprint":"fp_ab12cd34""#
        let openAIOrder = Self.edited(tail, "").replacingOccurrences(of: "}}}", with: "}}" + tail + "}")
        let usage = #"{"prompt_tokens":1500,"completion_tokens":300,"total_tokens":1800,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
        let variants = [
            openAIOrder,
            Self.edited(usage, #"{"completion_tokens_details":{"rejected_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":192,"accepted_prediction_tokens":0},"total_tokens":1800,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":1024},"completion_tokens":300,"prompt_tokens":1500}"#),
            Self.edited(usage, #"{"x":1,"prompt_tokens":1500,"y":[2],"completion_tokens":300,"total_tokens":1800,"prompt_tokens_details":{"z":{},"cached_tokens":1024,"w":null,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"v":"a","audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"u":true}"#),
            Self.edited(#""id":"chatcmpl-B9xNew0000000000002","object":"chat.completion","#, #""object":"chat.completion","extra":1,"id":"chatcmpl-B9xNew0000000000002","#),
            // Python's json.dumps: a blank after every comma and colon.
            Self.common.replacingOccurrences(of: #"",""#, with: #"", ""#).replacingOccurrences(of: "\":", with: "\": ")
                .replacingOccurrences(of: #"0,""#, with: #"0, ""#),
            // Keys that start like the guessed ones.
            Self.edited(#""usage":{"prompt_tokens":1500"#, #""usage_":1,"usage":{"prompt_tokens_":7,"prompt_tokens":1500"#),
            Self.edited(#""total_tokens":1800"#, #""total_tokens":1800.0"#),
        ]
        for variant in variants {
            Self.expectSame(variant)
        }
        #expect(variants[0].hasSuffix(#""system_fingerprint":"fp_ab12cd34"}"#) && variants[4].contains(#""usage": {"prompt_tokens": 1500, "#))
    }

    @Test("a line read member by member makes the entry the general reader makes, every field")
    func sameEntryBothWays() throws {
        let context = ImportContext(file: URL(fileURLWithPath: "/tmp/chat.jsonl"), project: "shop", tags: ["team": "web"], channel: "302ai")
        let lines = [Self.common, Self.edited(#""service_tier":"default""#, #""reasoning_effort":"high""#)]
        for line in lines { #expect(Self.fast(line) != nil) }
        let fast = AdapterHarness.run(OpenAIChatAdapter(), text: lines.joined(separator: "\n") + "\n", context: context)
        // The general reader, given the same lines parsed whole.
        let parser = OpenAIChatParser(context: context, state: nil)
        var general: [LedgerEntry] = []
        for (index, line) in lines.enumerated() {
            let object = try JSONParser.parse(Array(line.utf8), keepingTopLevelKeys: OpenAIChatParser.keys)
            parser.handle(object: object, line: index + 1) { item in
                if case .entry(let entry) = item { general.append(entry) }
            }
        }
        #expect(fast.entries.count == 2 && fast.entries == general)
        #expect(fast.entries.first?.record.project == "shop" && fast.entries.first?.record.channel == "302ai")
    }

    @Test("lines outside the common shape are left to the general reader")
    func declined() {
        let outside = [
            Self.edited(#""created":1761955200"#, #""created":1761955200.5"#),
            Self.edited(#""created":1761955200"#, #""created":"2025-11-01T00:00:00Z""#),
            Self.edited(#""created":1761955200"#, #""created":-1"#),
            Self.edited(#""created":1761955200"#, #""created":100000000000000"#),  // beyond the storable range
            Self.edited(#""prompt_tokens":1500"#, #""prompt_tokens":"1500""#),
            Self.edited(#""prompt_tokens":1500"#, #""prompt_tokens":1500.0"#),
            Self.edited(#""prompt_tokens":1500"#, #""prompt_tokens":1.5e3"#),
            Self.edited(#""prompt_tokens":1500"#, #""prompt_tokens":01500"#),
            Self.edited(#""prompt_tokens":1500"#, #""prompt_tokens":null"#),
            Self.edited(#""prompt_tokens":1500"#, #""prompt_tokens":1234567890123456789"#),
            Self.edited(#""cached_tokens":1024"#, #""cached_tokens":-1"#),
            Self.edited(#""cached_tokens":1024"#, #""cached_tokens":1024,"cached_tokens":0"#),
            Self.edited(#""reasoning_tokens":192"#, #""reasoning_tokens":192,"audio_tokens":3"#),  // audio_tokens twice
            Self.edited(#""cached_tokens":1024"#, #""cached_tokens":"1024""#),
            Self.edited(#""cached_tokens":1024"#, #""cached_tokens":2000"#),     // more than the prompt
            Self.edited(#""reasoning_tokens":192"#, #""reasoning_tokens":900"#), // more than the output
            Self.edited(#""prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0}"#, #""prompt_tokens_details":7"#),
            Self.edited(#""usage":{"prompt_tokens":1500,"completion_tokens":300"#, #""usage":{"input_tokens":1500,"output_tokens":300"#),
            Self.edited(#""model":"gpt-4o-mini-2024-07-18""#, #""model":"gpt-4o-mini\u002d2024-07-18""#),
            Self.edited(#""model":"gpt-4o-mini-2024-07-18""#, #""model":"""#),
            Self.edited(#""model":"gpt-4o-mini-2024-07-18""#, #""model":4"#),
            Self.edited(#""id":"chatcmpl-B9xNew0000000000002""#, #""id":"""#),
            Self.edited(#""id":"chatcmpl-B9xNew0000000000002""#, #""id":"a","id":"b""#),
            Self.edited(#""service_tier":"default""#, #""service_tier":3"#),
            Self.edited(#""service_tier":"default""#, #""reasoning":{"effort":"low"}"#),
            Self.edited(#""system_fingerprint""#, #""us\u0061ge""#),
            Self.edited(#""object":"chat.completion","#, #""request":{"reasoning_effort":"low"},"#),
            Self.edited(#""created":1761955200"#, #""usage":null,"created":1761955200"#),
            Self.edited(#""content":"Sure"#, #""content":"Sure\x"#),            // an invalid escape in skipped text
            Self.edited(#""refusal":null"#, #""refusal":nul"#),
            Self.common + " x",
            Self.common.replacingOccurrences(of: #""usage":{"#, with: #""usage":["#),
            String(Self.common.dropLast()),
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1761955200,"model":"gpt-4o","choices":[],"usage":null}"#,
        ]
        for line in outside {
            #expect(Self.fast(line) == nil, "\(line)")
        }
        // Each declined line still reads as before through the adapter (a record, an error or a skip).
        let adapter = OpenAIChatAdapter()
        let context = ImportContext(file: URL(fileURLWithPath: "/tmp/chat.jsonl"))
        let out = AdapterHarness.run(adapter, text: outside.joined(separator: "\n") + "\n", context: context)
        // (A stream chunk before the last, `"usage": null`, is part of a record: nothing is emitted.)
        #expect(out.entries.count + out.malformed.count + out.skipped == outside.count - 1)
        // "1500" as text, 1500.0 and 1.5e3 are whole numbers to the general reader.
        #expect(out.entries.filter { $0.record.tokens.input == 476 }.count >= 3)
    }

    @Test("the adapter reads the same records whichever reader takes a line")
    func adapterOutputUnchanged() throws {
        // The fixture mixes old and new shapes, a wrapper, an error, a duplicate and a cut line.
        let out = try AdapterHarness.run(OpenAIChatAdapter(), file: AdapterHarness.fixture("fixtures/logs/openai-chat/responses.jsonl"))
        let text = try String(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-chat/responses.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var generalRecords: [OpenAIResponseSummary] = []
        for line in lines where !line.isEmpty {
            if Self.fast(line) != nil { Self.expectSame(line) }
            if let g = Self.general(line) { generalRecords.append(g) }
        }
        #expect(out.entries.map(\.record.requestID) == generalRecords.map(\.id))
        #expect(out.entries.map(\.record.tokens) == generalRecords.map(\.tokens))
    }

    @Test("a whole Unix number gives the date the text form gives")
    func wholeUnixTimes() {
        for whole in [0, 1, 999_999_999, 1_761_955_200, 999_999_999_999, 1_000_000_000_000, 1_761_955_200_123, 99_999_999_999_999] {
            #expect(Timestamp.fromWholeUnix(whole) == Timestamp.fromUnix(String(whole)), "\(whole)")
        }
        #expect(Timestamp.fromWholeUnix(100_000_000_000_000) == nil && Timestamp.fromUnix("100000000000000") == nil)
        #expect(Timestamp.fromWholeUnix(-5) == nil)
    }

    @Test("a file of more model names than the memo keeps reads each line's own model and provider")
    func manyModels() throws {
        var names = OpenAIChatLine.NameMemo()
        // 40 names (more than the 32 kept), then the same 40 again, alternating two providers' families.
        let models = (0..<40).map { $0 % 2 == 0 ? "gpt-4o-mini-\($0)" : "claude-sonnet-4-\($0)" }
        for model in models + models.reversed() + models {
            let line = Self.edited(#""model":"gpt-4o-mini-2024-07-18""#, #""model":"\#(model)""#)
            let r = try #require(Array(line.utf8).withUnsafeBytes { OpenAIChatLine.read($0, names: &names) })
            #expect(r.model == model && r.provider == LogSupport.provider(forModel: model))
        }
    }
}
