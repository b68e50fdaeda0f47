import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenAI Chat Completions responses saved by an application: a JSON file (one response or an
/// array), JSON Lines (one response per line), or a raw SSE stream whose final chunk
/// (`"choices": []`) carries the usage (`stream_options.include_usage`). A line may also wrap the
/// response as `{"request": {…}, "response": {…}}`, which gives the request's `reasoning_effort`.
/// Dedup key: `openai:<chatcmpl id>`. Tokens: see `OpenAIUsageTokens`.
package struct OpenAIChatAdapter: LogAdapter {
    public init() {}
    public var name: String { "openai-chat" }
    public var summary: String { "OpenAI Chat Completions responses: JSON, JSON Lines or SSE streams (final usage chunk)" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        if h.contains("\"custom_id\"") || h.contains("\"usageMetadata\"") { return 0 }
        let chat = h.containsPair("object", "chat.completion") || h.containsPair("object", "chat.completion.chunk")
        let openAIish = chat || (h.contains("\"prompt_tokens\"") && h.contains("\"choices\""))
        guard openAIish else { return 0 }
        // OpenRouter answers in the same shape; its own adapter claims those files more strongly.
        if OpenRouterAdapter.looksLikeOpenRouter(h) { return 20 }
        return chat ? 90 : 60
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenAIChatParser(context: context, state: state)
    }
}

final class OpenAIChatParser: StructuredLogParser {
    static let keys: JSONParser.KeySet = ["id", "object", "created", "created_at", "model", "usage", "service_tier",
                                    "reasoning_effort", "reasoning", "response", "request", "error", "provider",
                                    "x_groq", "choices"]
    override var topLevelKeys: JSONParser.KeySet? { Self.keys }
    /// The file's model names and service tiers, each model with its provider family.
    private var names = OpenAIChatLine.NameMemo(provider: LogSupport.provider(forModel:))

    override func handleFast(line: UnsafeRawBufferPointer, number: Int, take: (consuming LogItem) -> Void) -> Bool {
        guard let r = OpenAIChatLine.read(line, names: &names) else { return false }
        // Providers whose counts mean something else than OpenAI's are read the general way.
        if r.provider == "xai" || r.provider == "google" { return false }
        take(entry(record(r.id, r.timestamp, r.model, r.serviceTier, r.effort, r.tokens, r.provider, nil, UnitCounts()), key: r.key, line: number))
        return true
    }

    /// The record of one response, however it was read. The provider is the one that served it
    /// (the response's own `provider`, else the model's family), never this file format's: a
    /// DeepSeek or xAI response in the Chat Completions shape is DeepSeek's or xAI's.
    @inline(__always)
    private func record(_ id: String, _ timestamp: Date, _ model: String, _ serviceTier: String?, _ effort: EffortTier,
                        _ tokens: TokenCounts, _ provider: String, _ reportedCost: Money?, _ units: UnitCounts) -> UsageRecord {
        UsageRecord(
            timestamp: timestamp, provider: provider, model: model, effort: effort, serviceTier: serviceTier, tokens: tokens,
            units: units, source: "openai-chat", channel: context.channel, project: context.project, tags: context.tags,
            reportedCost: reportedCost, requestID: id)
    }

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(var o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "a chat completion object"), line: line))
            return
        }
        var requestEffort: String?
        if o["usage"] == nil, case .object(let wrapped)? = o["response"] {
            requestEffort = o["request"]?["reasoning_effort"]?.string ?? o["request"]?["reasoning"]?["effort"]?.string
            o = wrapped
        }
        do {
            guard let r = try OpenAIResponseSummary.read(o) else {
                // Stream chunks before the last carry `"usage": null`: part of a record, not a record.
                if o["object"]?.string != "chat.completion.chunk" { emit(.skipped) }
                return
            }
            let effort = r.effort.isKnown || requestEffort == nil ? r.effort : EffortTier(requestEffort)
            emit(entry(record(r.id, r.timestamp, r.model, r.serviceTier, effort, r.tokens, r.provider, r.reportedCost, r.units),
                       key: "openai:" + r.id, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }
}
