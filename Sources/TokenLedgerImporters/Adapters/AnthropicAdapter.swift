import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Anthropic Messages API responses saved as JSON, JSON Lines or raw SSE streams, and Message
/// Batches results (`{"custom_id", "result": {"type": "succeeded", "message": …}}`, billed as batch).
///
/// Tokens: Anthropic's `input_tokens` is already UNCACHED; `cache_read_input_tokens` → cacheRead;
/// `cache_creation{ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}` → cacheWrite5m/1h, or, in
/// older responses without the breakdown, `cache_creation_input_tokens` → cacheWrite5m;
/// `output_tokens_details.thinking_tokens` → reasoning (inside output);
/// `server_tool_use.web_search_requests` → web-search calls; `service_tier: "batch"` → isBatch.
/// Streams: `message_start` gives the id, model and input/cache usage with a placeholder output;
/// each `message_delta.usage` overrides what it repeats (always the cumulative `output_tokens`);
/// the record is emitted at `message_stop`; a stream still open at the end of the data is recorded as
/// far as it goes and carried in the checkpoint state, and its complete copy later replaces it
/// (`supersedeRank` = output tokens).
/// Time: the body has none, so a wrapper's `created_at`/`timestamp` is used when the line is
/// `{"created_at": …, "response"|"message": {…}}`; otherwise the file's modification time.
/// Error responses and errored/canceled/expired batch results cost nothing and are skipped.
/// Dedup key: `anthropic:<msg id>`.
package struct AnthropicAdapter: LogAdapter {
    public init() {}
    public var name: String { "anthropic" }
    public var summary: String { "Anthropic Messages responses and streams, and Message Batches results (5m/1h cache writes, web search)" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        // Claude Code session lines embed the same message objects; that adapter claims them.
        if h.contains("\"sessionId\"") { return 10 }
        if h.containsPair("type", "message_start") || h.contains("event: message_start") { return 90 }
        if h.containsPair("id", "msg_*") && (h.containsPair("type", "message") || h.contains("\"cache_read_input_tokens\"")) { return 90 }
        if h.contains("\"custom_id\"") && h.containsPair("type", "succeeded") && h.contains("\"msg_") { return 90 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        AnthropicParser(context: context, state: state)
    }
}

final class AnthropicParser: StructuredLogParser {
    static let keys: JSONParser.KeySet = ["type", "message", "id", "model", "usage", "result", "custom_id", "response",
                                    "created_at", "timestamp", "time", "error"]
    override var topLevelKeys: JSONParser.KeySet? { Self.keys }

    /// A stream between its `message_start` and `message_stop`.
    private struct OpenStream {
        var message: JSONObject
        var usage: JSONObject
        var line: Int
    }

    private var stream: OpenStream?

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "an Anthropic message or stream event"), line: line))
            return
        }
        switch o["type"]?.string {
        case "message_start":
            flushStream(emit: emit)
            guard case .object(let message)? = o["message"] else {
                emit(.malformed(reason: "message_start has no message", line: line))
                return
            }
            stream = OpenStream(message: message, usage: message["usage"]?.object ?? JSONObject(), line: line)
        case "message_delta":
            guard stream != nil else { return } // its message_start was lost (reported where it was cut)
            if case .object(let delta)? = o["usage"] {
                for (key, value) in delta where !value.isNull { stream?.usage[key] = value }
            }
        case "message_stop":
            flushStream(emit: emit)
        case "error":
            stream = nil // an overloaded or failed stream: no final usage, nothing billed
            emit(.skipped)
        case "content_block_start", "content_block_delta", "content_block_stop", "ping":
            return
        default:
            readMessage(o, line: line, emit: emit)
        }
    }

    /// A stream still open at the end of the data (cut short, or still being written) is recorded
    /// with what it has so far and carried to the next run: if its `message_delta`/`message_stop`
    /// arrive later, the fuller copy replaces it (its rank, the output count, is higher).
    override func flush(emit: (LogItem) -> Void) {
        guard let open = stream else { return }
        flushStream(emit: emit)
        stream = open
    }

    override var carried: JSONValue? {
        guard let open = stream else { return nil }
        return ["message": .object(open.message), "usage": .object(open.usage), "line": .int(open.line)]
    }

    override func restore(_ carried: JSONValue) {
        guard case .object(let message)? = carried["message"], case .object(let usage)? = carried["usage"] else { return }
        stream = OpenStream(message: message, usage: usage, line: carried["line"]?.int ?? 0)
    }

    private func flushStream(emit: (LogItem) -> Void) {
        guard let open = stream else { return }
        stream = nil
        var message = open.message
        message["usage"] = .object(open.usage)
        record(message, time: nil, isBatch: false, line: open.line, emit: emit)
    }

    /// A Messages response, a wrapper around one, or a Message Batches result line.
    private func readMessage(_ o: JSONObject, line: Int, emit: (LogItem) -> Void) {
        if case .object(let result)? = o["result"], o["custom_id"] != nil {
            guard result["type"]?.string == "succeeded", case .object(let message)? = result["message"] else {
                emit(.skipped) // errored, canceled or expired: not billed
                return
            }
            record(message, time: nil, isBatch: true, line: line, emit: emit)
            return
        }
        if o["usage"] == nil, case .object(let wrapped)? = o["response"] ?? o["message"] {
            let time = (o["created_at"] ?? o["timestamp"] ?? o["time"]).flatMap(LogSupport.date)
            if wrapped["type"]?.string == "error" {
                emit(.skipped)
                return
            }
            record(wrapped, time: time, isBatch: false, line: line, emit: emit)
            return
        }
        if o["error"] != nil && o["usage"] == nil {
            emit(.skipped)
            return
        }
        record(o, time: nil, isBatch: false, line: line, emit: emit)
    }

    private func record(_ message: JSONObject, time: Date?, isBatch: Bool, line: Int, emit: (LogItem) -> Void) {
        do throws(UsageProblem) {
            guard let id = message["id"]?.string, !id.isEmpty else { throw UsageProblem("the message has no id") }
            guard let model = message["model"]?.string, !model.isEmpty else { throw UsageProblem("the message has no model") }
            guard case .object(let usage)? = message["usage"] else { throw UsageProblem("the message has no usage") }
            let count = OpenAIUsageTokens.count
            var t = TokenCounts()
            t.input = try count(usage["input_tokens"], "usage.input_tokens")
            t.cacheRead = try count(usage["cache_read_input_tokens"], "cache_read_input_tokens")
            if case .object(let creation)? = usage["cache_creation"] {
                t.cacheWrite5m = try count(creation["ephemeral_5m_input_tokens"], "ephemeral_5m_input_tokens")
                t.cacheWrite1h = try count(creation["ephemeral_1h_input_tokens"], "ephemeral_1h_input_tokens")
            } else {
                t.cacheWrite5m = try count(usage["cache_creation_input_tokens"], "cache_creation_input_tokens")
            }
            t.output = try count(usage["output_tokens"], "usage.output_tokens")
            t.reasoning = try count(usage["output_tokens_details"]?["thinking_tokens"], "thinking_tokens")
            if let problem = t.quickInconsistency { throw UsageProblem(problem) }
            var units = UnitCounts()
            units.webSearchCalls = try count(usage["server_tool_use"]?["web_search_requests"], "web_search_requests")
            let tier = usage["service_tier"]?.string
            let record = UsageRecord(
                timestamp: time ?? fileDate, provider: "anthropic", model: model, serviceTier: tier,
                isBatch: isBatch || tier == "batch", tokens: t, units: units, source: "anthropic",
                channel: context.channel, project: context.project, tags: context.tags, requestID: id)
            // A later copy with more output (the rest of a stream) replaces an earlier one.
            emit(entry(record, key: "anthropic:" + id, line: line, rank: t.output))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }
}
