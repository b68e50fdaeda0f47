import Foundation
import TokenLedgerCore

/// Why one response or row could not become a usage record; becomes `LogItem.malformed`.
struct UsageProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// OpenAI's `usage` object → canonical `TokenCounts`, written once for every adapter that reads
/// OpenAI-shaped responses (openai-chat, openai-responses, openai-batch, openrouter).
///
/// Both spellings are read: Chat Completions (`prompt_tokens`, `completion_tokens`,
/// `prompt_tokens_details`, `completion_tokens_details`) and Responses (`input_tokens`,
/// `output_tokens`, `input_tokens_details`, `output_tokens_details`). Details objects may be absent
/// or null (older responses); missing details count as 0.
///
/// The rule (see `UsageRecord`): OpenAI's prompt count *includes* cached and cache-write tokens, so
/// `input = prompt − cached − cache_write`, `cacheRead = cached`, `cacheWrite5m = cache_write`.
/// Reasoning, audio and image output are subsets of `completion_tokens` and stay inside `output`.
/// Audio and image input are subsets of the uncached input; OpenAI does not say how many cached
/// tokens were audio or image, so a breakdown larger than the uncached input is capped at it (the
/// excess was cached, and is billed at the cached rate).
enum OpenAIUsageTokens {
    /// The canonical buckets of one `usage` object as `provider` means its fields (see
    /// `docs/agents.md`, "Provider usage semantics"). OpenAI-compatible APIs share the field names but
    /// not always their meaning, so the provider decides, never the shape:
    /// - "xai": Chat Completions' `completion_tokens` does NOT include
    ///   `completion_tokens_details.reasoning_tokens` (total = prompt + completion + reasoning); output =
    ///   completion + reasoning. The Responses API's `output_tokens` does (total = input + output), and
    ///   its `input_tokens` leaves the cached tokens out when they are more than it.
    /// - "google" (the Gemini API's OpenAI-compatible endpoint): `completion_tokens` leaves out the
    ///   thoughts, which show only as `total_tokens − prompt − completion`; that excess is reasoning,
    ///   added to output.
    /// - every provider: the cached part of the prompt is `prompt_tokens_details.cached_tokens`, else
    ///   DeepSeek's `prompt_cache_hit_tokens`, else the top-level `cached_tokens` Moonshot (Kimi)
    ///   writes; each is a part of `prompt_tokens`.
    /// - all others (OpenAI, OpenRouter, Mistral, Groq, Together, Fireworks, DeepSeek, Moonshot,
    ///   Alibaba/DashScope): reasoning is part of `completion_tokens`.
    static func tokens(_ usage: JSONValue, provider: String = "openai") throws(UsageProblem) -> TokenCounts {
        guard case .object(let u) = usage else { throw UsageProblem("usage is not an object") }
        let promptDetails: JSONValue?
        let outputDetails: JSONValue?
        var prompt: Int
        var completion: Int
        let chatNames: Bool
        if let p = u["prompt_tokens"] {
            guard let value = p.int else { throw UsageProblem("usage.prompt_tokens is not a whole number") }
            prompt = value
            completion = try count(u["completion_tokens"], "usage.completion_tokens")
            promptDetails = u["prompt_tokens_details"]
            outputDetails = u["completion_tokens_details"]
            chatNames = true
        } else if let i = u["input_tokens"] {
            guard let value = i.int else { throw UsageProblem("usage.input_tokens is not a whole number") }
            prompt = value
            completion = try count(u["output_tokens"], "usage.output_tokens")
            promptDetails = u["input_tokens_details"]
            outputDetails = u["output_tokens_details"]
            chatNames = false
        } else {
            throw UsageProblem("usage has neither prompt_tokens nor input_tokens")
        }
        var cached = try count(promptDetails?["cached_tokens"], "cached_tokens")
        if promptDetails?["cached_tokens"] == nil || promptDetails?["cached_tokens"]?.isNull == true {
            if let hit = u["prompt_cache_hit_tokens"], !hit.isNull {
                cached = try count(hit, "prompt_cache_hit_tokens")
            } else if let moonshot = u["cached_tokens"], !moonshot.isNull {
                cached = try count(moonshot, "usage.cached_tokens")
            }
        }
        let cacheWrite = try count(promptDetails?["cache_write_tokens"], "cache_write_tokens")
        // xAI's Responses API: `input_tokens` includes the cached tokens, except in answers whose cached
        // count is larger than it, where it is the uncached part alone (read so by xAI's provider in
        // vercel/ai, `convert-xai-responses-usage.ts`).
        if provider == "xai" && !chatNames && cached + cacheWrite > prompt { prompt += cached }
        try checkCached(prompt: prompt, cached: cached, cacheWrite: cacheWrite)
        var reasoning = try count(outputDetails?["reasoning_tokens"], "reasoning_tokens")
        switch provider {
        case "xai" where chatNames:
            completion += reasoning
        case "xai":
            // Responses API: reasoning is part of `output_tokens` (total = input + output), unlike its
            // Chat Completions. An answer whose reasoning is larger than its output and whose total
            // counts it apart is read the Chat way.
            if reasoning > completion, let total = u["total_tokens"]?.int, total >= prompt + completion + reasoning {
                completion += reasoning
            }
        case "google" where chatNames:
            if reasoning == 0, let total = u["total_tokens"]?.int, total > prompt + completion {
                reasoning = total - prompt - completion
            }
            if reasoning > 0, let total = u["total_tokens"]?.int, total >= prompt + completion + reasoning {
                completion += reasoning
            }
        default:
            break
        }
        return try tokens(
            prompt: prompt, completion: completion, cached: cached, cacheWrite: cacheWrite,
            imageInput: try count(promptDetails?["image_tokens"], "image_tokens"),
            audioInput: try count(promptDetails?["audio_tokens"], "audio_tokens"),
            reasoning: reasoning,
            audioOutput: try count(outputDetails?["audio_tokens"], "completion audio_tokens"),
            imageOutput: try count(outputDetails?["image_tokens"], "completion image_tokens"))
    }

    /// The provider's own cost for the request, when `usage` carries one: xAI's
    /// `cost_in_usd_ticks` (whole ticks, 10¹⁰ per USD, so one tick is 100 picodollars) or
    /// OpenRouter's `cost` (USD). nil when absent; throws when present but not an amount.
    static func reportedCost(_ usage: JSONValue?) throws(UsageProblem) -> Money? {
        if let ticks = usage?["cost_in_usd_ticks"], !ticks.isNull {
            guard let n = ticks.int, n >= 0 else { throw UsageProblem("usage.cost_in_usd_ticks is not a whole number of ticks") }
            return Money(picodollars: Int128(n) * 100)
        }
        if let cost = usage?["cost"], !cost.isNull {
            guard let text = LogSupport.text(cost), let m = LogSupport.money(text) else {
                throw UsageProblem("usage.cost is not a decimal amount")
            }
            return m
        }
        return nil
    }

    /// What `usage` bills besides tokens: Mistral's `prompt_audio_seconds` (the duration of the audio
    /// a Voxtral chat request sent, billed by the minute; `UsageInfo.prompt_audio_seconds` in Mistral's
    /// SDKs, a whole number). Absent or null: none. Throws when present but not a whole number.
    static func units(_ usage: JSONValue?) throws(UsageProblem) -> UnitCounts {
        var units = UnitCounts()
        if let seconds = usage?["prompt_audio_seconds"], !seconds.isNull {
            guard let n = seconds.int, n >= 0 else { throw UsageProblem("usage.prompt_audio_seconds is not a whole number of seconds") }
            units.audioSeconds = n
        }
        return units
    }

    /// The canonical buckets from OpenAI's counts (see the rule above), for `tokens(_:)` and for the
    /// chat adapter's member-by-member reader (`OpenAIChatLine`), so both derive them the same way.
    static func tokens(prompt: Int, completion: Int, cached: Int, cacheWrite: Int, imageInput: Int, audioInput: Int,
                       reasoning: Int, audioOutput: Int, imageOutput: Int) throws(UsageProblem) -> TokenCounts {
        try checkCached(prompt: prompt, cached: cached, cacheWrite: cacheWrite)
        var t = TokenCounts()
        t.cacheRead = cached
        t.cacheWrite5m = cacheWrite
        t.input = prompt - cached - cacheWrite
        t.imageInput = min(imageInput, t.input)
        t.audioInput = min(audioInput, t.input - t.imageInput)
        t.output = completion
        t.reasoning = reasoning
        t.audioOutput = audioOutput
        t.imageOutput = imageOutput
        if let problem = t.quickInconsistency { throw UsageProblem(problem) }
        return t
    }

    private static func checkCached(prompt: Int, cached: Int, cacheWrite: Int) throws(UsageProblem) {
        // Checked arithmetic: a damaged log can carry counts near Int.max or below zero.
        let (afterCached, overflowed) = prompt.subtractingReportingOverflow(cached)
        let (uncached, overflowedAgain) = afterCached.subtractingReportingOverflow(cacheWrite)
        if overflowed || overflowedAgain || uncached < 0 {
            throw UsageProblem("cached (\(cached)) and cache-write (\(cacheWrite)) tokens exceed the \(prompt) prompt tokens")
        }
    }

    /// A token count that may be absent or null (0), but never text or a fraction.
    @inline(__always)
    static func count(_ value: JSONValue?, _ name: String) throws(UsageProblem) -> Int {
        guard let value else { return 0 }
        if case .null = value { return 0 }
        guard let n = value.int else { throw UsageProblem("\(name) is not a whole number") }
        return n
    }
}

/// What TokenLedger reads from one OpenAI-shaped response object (a Chat Completion, a stream's
/// final chunk, or a Responses API object), shared by the OpenAI and OpenRouter adapters.
struct OpenAIResponseSummary {
    var id: String
    var timestamp: Date
    var model: String
    var serviceTier: String?
    var effort: EffortTier
    var tokens: TokenCounts
    /// Who served it: `provider` when given, else the response's own `provider` field, else
    /// Groq's `x_groq` mark, else the model's family; "unknown" when none says (the import then takes
    /// the provider of the price table that lists the model).
    var provider: String
    /// The provider's own cost figure (`usage.cost_in_usd_ticks`, `usage.cost`).
    var reportedCost: Money?
    /// What it bills besides tokens (`OpenAIUsageTokens.units`: Mistral's audio seconds).
    var units = UnitCounts()

    /// Reads `object`; nil when it carries no usage (a stream chunk before the last, a failed or
    /// cancelled response). Throws when it should carry usage but it cannot be read. `provider`
    /// fixes the provider (OpenRouter: its own normalised usage); nil works it out as above.
    static func read(_ object: JSONObject, provider fixed: String? = nil) throws(UsageProblem) -> OpenAIResponseSummary? {
        // Groq's older streams put the final usage in `x_groq.usage`; Moonshot's (Kimi) streams in
        // the last chunk's `choices[0].usage`.
        var found = object["usage"]
        if found == nil || found?.isNull == true { found = object["x_groq"]?["usage"] }
        if found == nil || found?.isNull == true { found = object["choices"]?[0]?["usage"] }
        guard let usage = found, !usage.isNull else { return nil }
        guard let id = object["id"]?.string, !id.isEmpty else {
            throw UsageProblem("the response has no id, so it cannot be told apart from others")
        }
        guard let created = object["created"] ?? object["created_at"], let date = LogSupport.date(created) else {
            throw UsageProblem("the response has no created time")
        }
        let model = object["model"]?.string ?? ""
        if model.isEmpty { throw UsageProblem("the response has no model") }
        let provider: String
        if let fixed { provider = fixed }
        else if let own = object["provider"]?.string, !own.isEmpty { provider = LogSupport.normalizedProvider(own) }
        else if object["x_groq"]?.object != nil { provider = "groq" }
        else { provider = LogSupport.provider(forModel: model) }
        let tokens = try OpenAIUsageTokens.tokens(usage, provider: provider)
        let reportedCost = try OpenAIUsageTokens.reportedCost(usage)
        // Responses echo `reasoning.effort`; Chat Completions do not, but some loggers save the request's
        // `reasoning_effort` next to the response.
        let effortText = object["reasoning"]?["effort"]?.string ?? object["reasoning_effort"]?.string
        return OpenAIResponseSummary(
            id: id, timestamp: date, model: model, serviceTier: object["service_tier"]?.string,
            effort: effortText.map { EffortTier(rawValue: $0) } ?? .unknown, tokens: tokens,
            provider: provider, reportedCost: reportedCost, units: try OpenAIUsageTokens.units(usage))
    }
}

extension TokenCounts {
    /// `inconsistency`, but free when the counts are consistent (the hot path: one comparison chain
    /// instead of building the list of named buckets for every record).
    var quickInconsistency: String? {
        if countsInRange && audioInput + imageInput <= input && reasoning + audioOutput + imageOutput <= output
        {
            return nil
        }
        return inconsistency
    }
}
