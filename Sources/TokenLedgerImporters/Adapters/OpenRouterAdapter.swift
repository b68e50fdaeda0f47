import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenRouter chat responses (OpenAI shape plus `provider` and `usage.cost`; JSON, JSON Lines or SSE
/// with the usage in the final chunk) and the activity CSV export, read by header name.
///
/// Records: provider "openrouter", model the slug exactly as logged ("openai/gpt-4o-mini"; pricing
/// resolves the prefix), the upstream provider in the `upstream` tag, `reportedCost` exact from
/// `usage.cost` (for BYOK requests plus `cost_details.upstream_inference_cost`, which the user's own
/// key paid). Tokens as OpenAI's (`OpenAIUsageTokens`). CSV: `created_at` has no zone and is read in
/// the import's naive time zone (UTC unless told otherwise); `tokens_prompt` includes
/// `tokens_cached`; `tokens_reasoning` is part of `tokens_completion` (when a row reports more
/// reasoning than completion, the two are added instead); `cost_total` (+ `byok_usage_inference`)
/// → reportedCost; `api_key_name` is stored only as a short hash. Error bodies are skipped.
/// Dedup key: `openrouter:<generation id>`, the same for a saved response and its CSV row.
package struct OpenRouterAdapter: LogAdapter {
    public init() {}
    public var name: String { "openrouter" }
    public var summary: String { "OpenRouter responses with usage.cost (JSON, JSONL, SSE) and the activity CSV export" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        if let columns = h.csvHeader, columns.has("generation_id") && columns.has("tokens_prompt") { return 95 }
        // The one-needle questions first: most heads lack them (an answer other adapters may already
        // have asked for), so the pair's every `"id"` is not looked at.
        if h.contains("\"choices\"") && h.containsPair("id", "gen-*") { return 95 }
        if h.contains("\"prompt_tokens\"") && Self.looksLikeOpenRouter(h) { return 85 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenRouterParser(context: context, state: state, acceptsCSV: true)
    }

    /// OpenRouter's marks on an OpenAI-shaped response: `gen-` ids, `usage.cost` with an upstream
    /// `provider`, or the name itself.
    static func looksLikeOpenRouter(_ h: FileHead) -> Bool {
        h.containsPair("id", "gen-*") || (h.contains("\"provider\"") && h.contains("\"cost\""))
            || h.contains("openrouter") || h.contains("OPENROUTER")
    }
}

final class OpenRouterParser: StructuredLogParser {
    static let keys: JSONParser.KeySet = ["id", "object", "created", "model", "usage", "service_tier", "provider", "reasoning", "error"]
    override var topLevelKeys: JSONParser.KeySet? { Self.keys }

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "an OpenRouter chat completion object"), line: line))
            return
        }
        do throws(UsageProblem) {
            guard let r = try OpenAIResponseSummary.read(o, provider: "openrouter") else {
                if o["object"]?.string != "chat.completion.chunk" { emit(.skipped) }
                return
            }
            let usage = o["usage"]
            let byok = usage?["is_byok"]?.bool ?? false
            var cost = try money(usage?["cost"], "usage.cost")
            if byok, let upstream = try money(usage?["cost_details"]?["upstream_inference_cost"], "upstream_inference_cost") {
                cost = (cost ?? .zero) + upstream
            }
            var extra: [String: String] = [:]
            if let upstream = o["provider"]?.string { extra["upstream"] = upstream }
            if byok { extra["byok"] = "true" }
            let record = UsageRecord(
                timestamp: r.timestamp, provider: "openrouter", model: r.model, effort: r.effort,
                serviceTier: r.serviceTier, tokens: r.tokens, source: "openrouter", channel: nil,
                project: context.project, tags: tags(extra), reportedCost: cost, requestID: r.id)
            emit(entry(record, key: "openrouter:" + r.id, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }

    override func handle(row: CSVRow, line: Int, emit: (LogItem) -> Void) {
        do throws(UsageProblem) {
            guard let id = row.first(["generation_id", "id"]) else { throw UsageProblem("the row has no generation_id") }
            // The activity export's created_at is UTC without a zone: UTC unless the user gave --tz.
            let zone = context.naiveTimeZoneIsDefault ? TimeZone(identifier: "UTC")! : context.naiveTimeZone
            guard let created = row["created_at"], let date = Timestamp.parse(created, naiveZone: zone) else {
                throw UsageProblem("created_at is missing or not a date")
            }
            guard let model = row.first(["model_permaslug", "model"]) else { throw UsageProblem("the row has no model_permaslug") }
            func count(_ name: String) throws(UsageProblem) -> Int {
                guard let text = row[name] else { return 0 }
                guard let n = JSONValue.string(text).int, n >= 0 else { throw UsageProblem("\(name) \"\(text)\" is not a token count") }
                return n
            }
            let prompt = try count("tokens_prompt")
            let cached = try count("tokens_cached")
            let completion = try count("tokens_completion")
            let reasoning = try count("tokens_reasoning")
            guard cached <= prompt else { throw UsageProblem("tokens_cached (\(cached)) exceeds tokens_prompt (\(prompt))") }
            let t = TokenCounts(input: prompt - cached, cacheRead: cached,
                                output: reasoning > completion ? completion + reasoning : completion, reasoning: reasoning)
            var cost = try money(row["cost_total"].map { .string($0) }, "cost_total")
            if let upstream = try money(row["byok_usage_inference"].map { .string($0) }, "byok_usage_inference"), upstream != .zero {
                cost = (cost ?? .zero) + upstream
            }
            var extra: [String: String] = [:]
            if let upstream = row["provider_name"] { extra["upstream"] = upstream }
            if let app = row["app_name"] { extra["app"] = app }
            if OpenAIAdminReport.flag(text: row["cancelled"]) == true { extra["cancelled"] = "true" }
            let record = UsageRecord(
                timestamp: date, provider: "openrouter", model: model, tokens: t, source: "openrouter", channel: nil,
                project: context.project, tags: tags(extra), reportedCost: cost, requestID: id,
                apiKeyHash: row["api_key_name"].map { SHA256.shortHash(of: $0) })
            emit(entry(record, key: "openrouter:" + id, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }

    /// USD from a JSON number or text, exact (rounded only below a picodollar); nil when absent.
    private func money(_ value: JSONValue?, _ name: String) throws(UsageProblem) -> Money? {
        guard let value, !value.isNull else { return nil }
        guard let text = LogSupport.text(value), let m = LogSupport.money(text) else {
            throw UsageProblem("\(name) is not a decimal amount")
        }
        return m
    }
}
