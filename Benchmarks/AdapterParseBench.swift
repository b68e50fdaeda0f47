import ArgumentParser
import Foundation
import TokenLedger

/// Parser-only throughput of the provider adapters (no ledger, no I/O): how many lines per second
/// the format adapters turn into ledger entries, the ceiling for `tokenledger import` on these formats.
/// Run: swift run -c release tokenledger-bench adapters [lines]   (default 200,000; lines are built in memory)
///
/// Performance notes (2-core shared machine, CPU time of the parsing thread, 200k lines):
/// - openai-chat ≈ 300k lines/s (≈ 185 MB/s); a bare full `JSONParser.parse` of the same lines ≈ 390k/s.
/// - Dropped: `EffortTier(nil)` and `TokenCounts.inconsistency` per record (Foundation trimming and a
///   10-element array per call) cost ~1 µs/line; replaced by `.unknown` and `quickInconsistency`.
/// - Tried: skipping unread top-level members (`keepingTopLevelKeys`): ~5% on these short answers,
///   more on real responses whose `choices` text runs to kilobytes (nothing is built for it).
struct AdapterParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "Parse-only lines/s for openai-chat, anthropic and gemini JSONL (in memory).")

    @Argument(help: "Lines per format, built in memory.") var count = 200_000

    func run() throws {
        func line(_ i: Int) -> String {
            // A realistic saved Chat Completion (~700 bytes) with details, a fingerprint and a short answer.
            #"{"id":"chatcmpl-BENCH\#(i)","object":"chat.completion","created":\#(1_764_000_000 + i),"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"The answer to request \#(i) is short and plain, as most are.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(1000 + i % 977),"completion_tokens":\#(50 + i % 313),"total_tokens":\#(1050 + i % 977 + i % 313),"prompt_tokens_details":{"cached_tokens":\#(i % 3 == 0 ? 512 : 0),"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_0aa8d3e20b"}"#
        }
        func anthropicLine(_ i: Int) -> String {
            #"{"id":"msg_BENCH\#(i)","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"A short answer for request \#(i)."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":\#(10 + i % 50),"cache_creation_input_tokens":\#(i % 7 == 0 ? 2000 : 0),"cache_read_input_tokens":\#(20000 + i % 977),"cache_creation":{"ephemeral_5m_input_tokens":\#(i % 7 == 0 ? 2000 : 0),"ephemeral_1h_input_tokens":0},"output_tokens":\#(100 + i % 313),"service_tier":"standard"}}"#
        }
        func geminiLine(_ i: Int) -> String {
            #"{"candidates":[{"content":{"parts":[{"text":"A short answer for request \#(i)."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":\#(1000 + i % 977),"cachedContentTokenCount":\#(i % 2 == 0 ? 512 : 0),"candidatesTokenCount":\#(50 + i % 313),"thoughtsTokenCount":\#(i % 200),"totalTokenCount":\#(1050 + i % 977 + i % 313 + i % 200)},"modelVersion":"gemini-2.5-flash","responseId":"BENCH\#(i)"}"#
        }
        for (adapter, make) in [(OpenAIChatAdapter() as any LogAdapter, line), (AnthropicAdapter(), anthropicLine), (GeminiAdapter(), geminiLine)] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count * 720)
            for i in 0..<count {
                bytes.append(contentsOf: make(i).utf8)
                bytes.append(0x0A)
            }
            let parser = adapter.makeParser(context: ImportContext(file: URL(fileURLWithPath: "/tmp/bench.jsonl")), state: nil)
            var entries = 0
            var other = 0
            let emit: (LogItem) -> Void = { item in
                if case .entry = item { entries += 1 } else { other += 1 }
            }
            let start = threadCPUNanoseconds()
            bytes.withUnsafeBytes { all in
                var lineStart = 0
                var number = 0
                while lineStart < all.count {
                    guard let nl = all[lineStart...].firstIndex(of: 0x0A) else { break }
                    number += 1
                    parser.parse(line: UnsafeRawBufferPointer(rebasing: all[lineStart..<nl]), number: number, emit: emit)
                    lineStart = nl + 1
                }
            }
            parser.finish(emit: emit)
            let seconds = Double(threadCPUNanoseconds() - start) / 1e9
            let mb = Double(bytes.count) / 1_048_576
            print("\(adapter.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(count) lines, \(String(format: "%.1f", mb)) MB: "
                + "\(String(format: "%.0f", Double(count) / seconds)) lines/s (CPU time), \(String(format: "%.1f", mb / seconds)) MB/s "
                + "(\(entries) entries, \(other) other)")
        }
    }
}

/// CPU time of the calling thread, so figures hold on a busy machine.
private func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
