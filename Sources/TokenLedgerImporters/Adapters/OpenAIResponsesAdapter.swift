import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenAI Responses API objects (`"object": "response"`) saved as JSON, JSON Lines, or raw SSE
/// streams, where the terminal `response.completed` / `.incomplete` / `.failed` event carries the
/// final `response` with its usage. The effort tier comes from the echoed `reasoning.effort`.
/// Failed, cancelled, queued or in-progress responses without usage cost nothing and are skipped.
/// Each `web_search_call` item in `output` counts as one web-search call (billed per call).
/// Dedup key: `openai:<resp id>`.
package struct OpenAIResponsesAdapter: LogAdapter {
    public init() {}
    public var name: String { "openai-responses" }
    public var summary: String { "OpenAI Responses API objects and streams (response.completed), with reasoning.effort" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        if h.contains("\"custom_id\"") { return 0 }
        if h.containsPair("object", "response") || h.contains("event: response.") || h.containsPair("type", "response.*") {
            return 90
        }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenAIResponsesParser(context: context, state: state)
    }
}

final class OpenAIResponsesParser: StructuredLogParser {
    static let keys: JSONParser.KeySet = ["type", "response", "object", "status", "id", "created_at", "model", "usage",
                                    "reasoning", "service_tier", "error", "output", "provider"]
    override var topLevelKeys: JSONParser.KeySet? { Self.keys }

    /// Stream events whose `response` is final.
    static let terminalEvents: Set<String> = ["response.completed", "response.incomplete", "response.failed", "response.cancelled"]

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "a Responses API object or stream event"), line: line))
            return
        }
        var response = o
        if let type = o["type"]?.string, type.hasPrefix("response.") {
            // A stream event: only the terminal ones carry the final usage; the rest are parts of it.
            guard Self.terminalEvents.contains(type) else {
                // Usage on a non-terminal event means the event's type is not what it says (a damaged
                // "response.completed"): set aside with its line rather than passed over.
                if case .object(let r)? = o["response"], case .object? = r["usage"] {
                    emit(.malformed(reason: "the \(type) event carries usage, which only a final event (response.completed, response.incomplete, response.failed, response.cancelled) has; its type may be damaged", line: line))
                }
                return
            }
            guard case .object(let r)? = o["response"] else {
                emit(.malformed(reason: "the \(type) event has no response object", line: line))
                return
            }
            response = r
        } else if o["object"]?.string != "response", case .object(let r)? = o["response"] {
            response = r // a {"request": …, "response": …} wrapper
        }
        do {
            guard let r = try OpenAIResponseSummary.read(response) else {
                emit(.skipped) // failed, cancelled, queued or in progress: no usage, no cost
                return
            }
            var tags = context.tags
            if let status = response["status"]?.string, status != "completed", tags["status"] == nil { tags["status"] = status }
            // Built-in web search is billed per call; each call is one `web_search_call` output item.
            var units = UnitCounts()
            if let output = response["output"]?.array {
                units.webSearchCalls = output.reduce(0) { $0 + ($1["type"]?.string == "web_search_call" ? 1 : 0) }
            }
            let record = UsageRecord(
                timestamp: r.timestamp, provider: r.provider, model: r.model, effort: r.effort,
                serviceTier: r.serviceTier, tokens: r.tokens, units: units, source: "openai-responses",
                channel: context.channel, project: context.project, tags: tags, reportedCost: r.reportedCost, requestID: r.id)
            emit(entry(record, key: "openai:" + r.id, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }
}
