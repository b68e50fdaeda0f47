import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

/// `ClaudeCodeUsage` reads `message.usage` member by member; whatever it accepts must be what the whole
/// parse (`JSONParser`, which the line falls back to otherwise) reads from the same bytes.
@Suite("Claude Code usage read member by member")
struct ClaudeCodeUsageTests {
    /// The fields as the adapter reads them from the whole parse.
    static func fields(of usage: JSONValue) -> ClaudeCodeUsage {
        func count(_ v: JSONValue?) -> Int? { v.flatMap { $0.isNull ? nil : $0.int } }
        func text(_ v: JSONValue?) -> String? { v?.string }
        var u = ClaudeCodeUsage()
        u.inputTokens = count(usage["input_tokens"])
        u.outputTokens = count(usage["output_tokens"])
        u.cacheReadInputTokens = count(usage["cache_read_input_tokens"])
        u.cacheCreationInputTokens = count(usage["cache_creation_input_tokens"])
        u.ephemeral5mInputTokens = count(usage["cache_creation"]?["ephemeral_5m_input_tokens"])
        u.ephemeral1hInputTokens = count(usage["cache_creation"]?["ephemeral_1h_input_tokens"])
        u.thinkingTokens = count(usage[path: "output_tokens_details", "thinking_tokens"])
        u.webSearchRequests = count(usage[path: "server_tool_use", "web_search_requests"])
        u.speed = text(usage["speed"])
        u.serviceTier = text(usage["service_tier"])
        return u
    }

    static func read(_ text: String) -> (usage: ClaudeCodeUsage, end: Int)? {
        Array(text.utf8).withUnsafeBytes { ClaudeCodeUsage.read($0, at: 0) }
    }

    @Test("the usage objects of the fixtures are read member by member, to the whole parse's values")
    func fixtureUsageIsPlain() throws {
        var read = 0
        for path in [ClaudeCodeAdapterTests.main, ClaudeCodeAdapterTests.subagent, ClaudeCodeAdapterTests.legacy] {
            let text = try String(contentsOf: AdapterHarness.fixture(path), encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let usage = (try? JSONParser.parse(String(line)))?[path: "message", "usage"], usage.object != nil else { continue }
                let bytes = usage.serialized()
                guard let fast = Self.read(bytes) else { continue }
                #expect(fast.usage == Self.fields(of: usage))
                #expect(fast.end == bytes.utf8.count)
                read += 1
            }
        }
        #expect(read >= 5)
        let real = #"{"input_tokens":4,"cache_creation_input_tokens":3000,"cache_read_input_tokens":20000,"cache_creation":{"ephemeral_5m_input_tokens":3000,"ephemeral_1h_input_tokens":0},"output_tokens":512,"service_tier":"standard","server_tool_use":{"web_search_requests":2,"web_fetch_requests":0},"output_tokens_details":{"thinking_tokens":100},"speed":"fast"}"#
        let fast = try #require(Self.read(real))
        #expect(fast.usage == Self.fields(of: try JSONParser.parse(real)))
        #expect(fast.usage.webSearchRequests == 2 && fast.usage.thinkingTokens == 100 && fast.usage.speed == "fast")
    }

    @Test("random usage objects: whatever is accepted parses whole to the same values and ends at the same byte")
    func acceptedMeansSameAsTheWholeParse() {
        let keys = ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation",
                    "output_tokens_details", "server_tool_use", "speed", "service_tier", "ephemeral_5m_input_tokens",
                    "thinking_tokens", "inference_geo", "x\\u0041", "é", "web_search_requests", "a_long_key_with_é_inside",
                    "a_long_key_with_\u{7F}_inside", "a_long_key\\\"quoted", "input\\u005ftokens", "service\\u005ftier"]
        let scalars = ["0", "7", "12", "007", "-3", "-0", "1.5", "1e3", "999999999999999999", "1234567890123456789", "null", "true",
                       "false", "\"standard\"", "\"fast\"", "\"a\\\"b\"", "\"ü\"", "[1]", "{}", "tru", "\"\"", "nul",
                       "\"standard\ttier\"", "\"standard\\u0041tier\"", "\"priority_tier_long\"", "\"long text with ü inside\""]
        var rng = SplitMix64(seed: 2026)
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        func space() -> String { pick(["", "", "", " ", "\n", "\t "]) }
        func object(depth: Int) -> String {
            let members = (0..<Int(rng.next() % 6)).map { _ -> String in
                let value = depth < 2 && rng.next() % 4 == 0 ? object(depth: depth + 1) : pick(scalars)
                return space() + "\"" + pick(keys) + "\"" + space() + ":" + space() + value + space()
            }
            return "{" + members.joined(separator: ",") + space() + "}"
        }
        var accepted = 0
        for _ in 0..<6000 {
            var text = object(depth: 0)
            if rng.next() % 10 == 0 { text = String(text.prefix(Int(rng.next() % UInt64(text.count + 1)))) }
            guard let fast = Self.read(text + "  ,") else { continue }
            accepted += 1
            let whole = try? JSONParser.parse(text)
            #expect(whole != nil, "accepted \(text), which the whole parse refuses")
            guard let whole else { continue }
            #expect(fast.usage == Self.fields(of: whole), "\(text)")
            #expect(fast.end == text.utf8.count, "\(text)")
        }
        #expect(accepted > 300)
    }
}
