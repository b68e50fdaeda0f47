import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenTelemetry OTLP JSON, as the Collector's `file` exporter writes it: one
/// `ExportLogsServiceRequest` (`{"resourceLogs": …}`) or `ExportTraceServiceRequest`
/// (`{"resourceSpans": …}`) per line. Read:
/// - **Claude Code** events `claude_code.api_request` (`model`, `input_tokens` — uncached, as
///   Anthropic counts —, `output_tokens`, `cache_read_tokens`, `cache_creation_tokens`, `cost_usd`
///   as the reported cost, `session.id`, `event.timestamp`);
/// - **Codex** events `codex.sse_event` of kind `response.completed` (`input_token_count` including
///   `cached_token_count`, `output_token_count` including `reasoning_token_count`, `model`,
///   `conversation.id`);
/// - **Gemini CLI** events `gemini_cli.api_response` (`input_token_count` including
///   `cached_content_token_count`, `output_token_count` without `thoughts_token_count`,
///   `tool_token_count`, `model`, `session.id`);
/// - any log record or span carrying the **GenAI semantic conventions**: `gen_ai.usage.input_tokens`
///   (the whole prompt; `gen_ai.usage.cache_read.input_tokens` and
///   `gen_ai.usage.cache_creation.input_tokens` are parts of it — when they are larger, the input
///   was counted the Anthropic way, without them), `gen_ai.usage.output_tokens`, the model from
///   `gen_ai.response.model` or `gen_ai.request.model`, the provider from `gen_ai.provider.name` or
///   the older `gen_ai.system`. So any OpenLLMetry-, OpenLIT- or Logfire-instrumented service feeds
///   the ledger.
///
/// Not read: metrics (`resourceMetrics`: Claude Code's `claude_code.token.usage` and
/// `claude_code.cost.usage` counters sum the same requests its events report, so reading both would
/// count them twice). A tool's telemetry and its own session files describe the same requests with
/// different keys: import one or the other for a machine, not both.
///
/// Dedup key: `otel:<trace id>:<span id>` for spans; for log records the provider's response or
/// request id when the record carries one, else `otel:<session>:<time in ns>:<model>`.
package struct OpenTelemetryAdapter: LogAdapter {
    public init() {}
    public var name: String { "otel" }
    public var summary: String { "OpenTelemetry OTLP JSON files (Collector file exporter): Claude Code, Codex, Gemini CLI events, GenAI spans" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        if h.contains("\"resourceLogs\"") || h.contains("\"resourceSpans\"") { return 95 }
        if h.contains("\"resourceMetrics\"") { return 60 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenTelemetryParser(context: context, state: state)
    }
}

final class OpenTelemetryParser: StructuredLogParser {
    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "an OTLP export request"), line: line))
            return
        }
        var found = false
        for resource in o["resourceLogs"]?.array ?? [] {
            let service = Self.attributes(resource["resource"]?["attributes"])["service.name"]?.text
            for scope in resource["scopeLogs"]?.array ?? [] {
                for record in scope["logRecords"]?.array ?? [] {
                    found = true
                    logRecord(record, service: service, line: line, emit: emit)
                }
            }
        }
        for resource in o["resourceSpans"]?.array ?? [] {
            for scope in resource["scopeSpans"]?.array ?? [] {
                for span in scope["spans"]?.array ?? [] {
                    found = true
                    self.span(span, line: line, emit: emit)
                }
            }
        }
        if !found {
            if o["resourceLogs"] == nil && o["resourceSpans"] == nil && o["resourceMetrics"] == nil {
                emit(.malformed(reason: "expected an OTLP export request (resourceLogs, resourceSpans or resourceMetrics)", line: line))
            } else {
                emit(.skipped) // metrics, or an empty export
            }
        }
    }

    /// An OTLP `AnyValue` read as text or a number.
    struct Value {
        var raw: JSONValue
        var text: String? {
            if let s = raw["stringValue"]?.string { return s }
            if let i = raw["intValue"] { return LogSupport.text(i) }
            if let d = raw["doubleValue"] { return LogSupport.text(d) }
            if let b = raw["boolValue"]?.bool { return b ? "true" : "false" }
            return nil
        }
        /// A whole count from `intValue` (a JSON string or number) or a numeric `stringValue`.
        var count: Int? {
            guard let t = text else { return nil }
            // A doubleValue count is written like 1200 or 1200.0.
            return Int(t) ?? (t.hasSuffix(".0") ? Int(t.dropLast(2)) : nil)
        }
    }

    /// An OTLP attribute list `[{key, value}]` as a dictionary.
    static func attributes(_ list: JSONValue?) -> [String: Value] {
        var out: [String: Value] = [:]
        for item in list?.array ?? [] {
            if let key = item["key"]?.string, let value = item["value"] { out[key] = Value(raw: value) }
        }
        return out
    }

    /// A time in Unix nanoseconds (OTLP writes them as JSON strings).
    static func nanoseconds(_ value: JSONValue?) -> (Date, String)? {
        guard let value, let text = LogSupport.text(value), let ns = Int64(text), ns > 0 else { return nil }
        return (Date(timeIntervalSince1970: TimeInterval(ns / 1_000_000_000) + TimeInterval(ns % 1_000_000_000) / 1e9), text)
    }

    private func logRecord(_ record: JSONValue, service: String?, line: Int, emit: (LogItem) -> Void) {
        let a = Self.attributes(record["attributes"])
        let body = record["body"].map { Value(raw: $0).text } ?? nil
        let event = a["event.name"]?.text ?? body ?? ""
        let name = event.contains(".") ? event : (service.map { $0.replacingOccurrences(of: "-", with: "_") + "." } ?? "") + event
        let time = Self.nanoseconds(record["timeUnixNano"]) ?? Self.nanoseconds(record["observedTimeUnixNano"])
        let eventTime = a["event.timestamp"]?.text.flatMap { Timestamp.parse($0) }
        do throws(UsageProblem) {
            let usage: Usage
            switch name {
            case "claude_code.api_request":
                usage = try claudeCode(a)
            case "codex.sse_event" where a["event.kind"]?.text == "response.completed":
                usage = try codex(a)
            case "gemini_cli.api_response":
                usage = try geminiCLI(a)
            default:
                guard a["gen_ai.usage.input_tokens"] != nil || a["gen_ai.usage.output_tokens"] != nil else { emit(.skipped); return }
                usage = try genAI(a)
            }
            guard let when = eventTime ?? time?.0 else { throw UsageProblem("the record has no time (timeUnixNano or event.timestamp)") }
            let session = a["session.id"]?.text ?? a["conversation.id"]?.text ?? a["gen_ai.conversation.id"]?.text
            let id = a["request_id"]?.text ?? a["gen_ai.response.id"]?.text ?? a["response_id"]?.text
            let key = id.map { "otel:\(usage.provider):\($0)" }
                ?? "otel:\(session ?? "-"):\(time?.1 ?? Timestamp.iso8601(when)):\(usage.model)"
            emit(entry(usageRecord(usage, when, session: session, requestID: id), key: key, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }

    private func span(_ span: JSONValue, line: Int, emit: (LogItem) -> Void) {
        let a = Self.attributes(span["attributes"])
        guard a["gen_ai.usage.input_tokens"] != nil || a["gen_ai.usage.output_tokens"] != nil else { emit(.skipped); return }
        do throws(UsageProblem) {
            let usage = try genAI(a)
            guard let start = Self.nanoseconds(span["startTimeUnixNano"]) ?? Self.nanoseconds(span["endTimeUnixNano"]) else {
                throw UsageProblem("the span has no startTimeUnixNano")
            }
            let when = start.0
            guard let trace = span["traceId"]?.string, let spanID = span["spanId"]?.string, !trace.isEmpty, !spanID.isEmpty else {
                throw UsageProblem("the span has no traceId and spanId")
            }
            emit(entry(usageRecord(usage, when, session: a["gen_ai.conversation.id"]?.text ?? a["session.id"]?.text,
                              requestID: a["gen_ai.response.id"]?.text), key: "otel:\(trace):\(spanID)", line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }

    /// What one telemetry record says was billed.
    struct Usage {
        var provider: String
        var model: String
        var tokens: TokenCounts
        var cost: Money?
    }

    private func usageRecord(_ u: Usage, _ when: Date, session: String?, requestID: String?) -> UsageRecord {
        UsageRecord(timestamp: when, provider: u.provider, model: u.model, tokens: u.tokens, source: "otel",
                    channel: context.channel, project: context.project, tags: context.tags, reportedCost: u.cost,
                    requestID: requestID, sessionID: session)
    }

    private func count(_ a: [String: Value], _ key: String) throws(UsageProblem) -> Int {
        guard let v = a[key] else { return 0 }
        guard let n = v.count, n >= 0 else { throw UsageProblem("\(key) is not a whole number of tokens") }
        return n
    }

    private func model(_ a: [String: Value], _ keys: String...) throws(UsageProblem) -> String {
        for key in keys { if let m = a[key]?.text, !m.isEmpty { return m } }
        throw UsageProblem("the record names no model")
    }

    private func checked(_ t: TokenCounts) throws(UsageProblem) -> TokenCounts {
        if let why = t.quickInconsistency { throw UsageProblem(why) }
        return t
    }

    private func claudeCode(_ a: [String: Value]) throws(UsageProblem) -> Usage {
        var cost: Money?
        if let text = a["cost_usd"]?.text {
            guard let m = LogSupport.money(text) else { throw UsageProblem("cost_usd is not a decimal amount") }
            cost = m
        }
        let input = try count(a, "input_tokens"), read = try count(a, "cache_read_tokens")
        let write = try count(a, "cache_creation_tokens"), output = try count(a, "output_tokens")
        let t = TokenCounts(input: input, cacheRead: read, cacheWrite5m: write, output: output)
        return Usage(provider: "anthropic", model: try model(a, "model"), tokens: try checked(t), cost: cost)
    }

    private func codex(_ a: [String: Value]) throws(UsageProblem) -> Usage {
        let input = try count(a, "input_token_count"), cached = try count(a, "cached_token_count")
        guard cached <= input else { throw UsageProblem("cached_token_count (\(cached)) exceeds input_token_count (\(input))") }
        let output = try count(a, "output_token_count")
        let reasoning = try count(a, "reasoning_token_count")
        let t = TokenCounts(input: input - cached, cacheRead: cached, output: output, reasoning: reasoning)
        let m = try model(a, "model", "slug")
        return Usage(provider: LogSupport.provider(forModel: m) == "unknown" ? "openai" : LogSupport.provider(forModel: m),
                     model: m, tokens: try checked(t), cost: nil)
    }

    private func geminiCLI(_ a: [String: Value]) throws(UsageProblem) -> Usage {
        let input = try count(a, "input_token_count"), cached = try count(a, "cached_content_token_count")
        guard cached <= input else { throw UsageProblem("cached_content_token_count (\(cached)) exceeds input_token_count (\(input))") }
        let thoughts = try count(a, "thoughts_token_count")
        let toolUse = try count(a, "tool_token_count")
        let candidates = try count(a, "output_token_count")
        let t = TokenCounts(input: input - cached + toolUse, cacheRead: cached, output: candidates + thoughts, reasoning: thoughts)
        return Usage(provider: "google", model: try model(a, "model"), tokens: try checked(t), cost: nil)
    }

    private func genAI(_ a: [String: Value]) throws(UsageProblem) -> Usage {
        let input = try count(a, "gen_ai.usage.input_tokens")
        let readNew = try count(a, "gen_ai.usage.cache_read.input_tokens"), readOld = try count(a, "gen_ai.usage.cache_read_input_tokens")
        let writeNew = try count(a, "gen_ai.usage.cache_creation.input_tokens")
        let writeOld = try count(a, "gen_ai.usage.cache_creation_input_tokens")
        let output = try count(a, "gen_ai.usage.output_tokens")
        let reasoningNew = try count(a, "gen_ai.usage.reasoning.output_tokens"), reasoningOld = try count(a, "gen_ai.usage.reasoning_tokens")
        let read = max(readNew, readOld), write = max(writeNew, writeOld), reasoning = max(reasoningNew, reasoningOld)
        // The conventions count the cache inside the input; older Anthropic instrumentations did not.
        let uncached = input >= read + write ? input - read - write : input
        let t = TokenCounts(input: uncached, cacheRead: read, cacheWrite5m: write,
                            output: reasoning > output ? output + reasoning : output, reasoning: reasoning)
        let m = try model(a, "gen_ai.response.model", "gen_ai.request.model")
        let named = a["gen_ai.provider.name"]?.text ?? a["gen_ai.system"]?.text
        let provider = named.map(LogSupport.normalizedProvider) ?? LogSupport.provider(forModel: m)
        return Usage(provider: provider, model: m, tokens: try checked(t), cost: nil)
    }
}
