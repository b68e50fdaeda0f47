import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

/// Counts near Int.max or below zero (what the full fuzz run's "giant or odd numbers" mutation wrote into
/// a Responses log, input 77574 of seed 20261204) are quarantined as inconsistent, never a crash.
@Suite("usage counts that overflow")
struct UsageCountOverflowTests {
    static func line(input: String, cached: String) -> String {
        #"{"id":"resp_1","object":"response","created_at":1764100000,"status":"completed","model":"gpt-5-2025-08-07","usage":{"input_tokens":"#
            + input + #","input_tokens_details":{"cached_tokens":"# + cached + #"},"output_tokens":10,"total_tokens":20}}"#
    }

    @Test("input minus cached overflowing is a quarantined line, and the line after it imports", arguments: [
        ("9223372036854775807", "-1"), ("-9223372036854775808", "1"), ("-2", "9223372036854775807"),
    ])
    func overflowIsQuarantined(input: String, cached: String) {
        let text = Self.line(input: input, cached: cached) + "\n" + Self.line(input: "100", cached: "40") + "\n"
        let out = AdapterHarness.run(OpenAIResponsesAdapter(), text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/r.jsonl")))
        #expect(out.malformed.map(\.line) == [1])
        #expect(out.records.count == 1 && out.records.first?.tokens.input == 60 && out.records.first?.tokens.cacheRead == 40)
    }

    @Test("a stream event whose type was damaged but which carries usage is quarantined, not passed over (full fuzz run, input 58046)")
    func damagedTerminalEvent() {
        let event = #"{"type":"response.co\#u{FFFD}mpleted","sequence_number":41,"response":{"id":"resp_2","object":"response","created_at":1796000600,"model":"grok-4","status":"completed","usage":{"input_tokens":10,"output_tokens":5,"total_tokens":15}}}"#
        let progress = #"{"type":"response.in_progress","sequence_number":2,"response":{"id":"resp_2","object":"response","created_at":1796000600,"model":"grok-4","status":"in_progress","usage":null}}"#
        let out = AdapterHarness.run(OpenAIResponsesAdapter(), text: progress + "\n" + event + "\n",
                                     context: ImportContext(file: URL(fileURLWithPath: "/tmp/r.jsonl")))
        #expect(out.malformed.map(\.line) == [2])
        #expect(out.malformed.first?.reason.contains("carries usage") == true)
        #expect(out.records.isEmpty)
    }
}
