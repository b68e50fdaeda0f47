import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

/// What a record costs with the bundled tables, against the figures on each provider's page (as cited
/// in the tables' notes and pricing/README.md).
@Suite("The bundled tables bill what the providers' pages say")
struct BundledPricesTests {
    /// 100k uncached input, 50k cache reads, 10k output: a prompt of 150k, under every long-context tier.
    static let tokens = TokenCounts(input: 100_000, cacheRead: 50_000, output: 10_000)

    func cost(_ model: String, at time: String, provider: String, tokens: TokenCounts = tokens, batch: Bool = false) throws -> CostBreakdown {
        try PriceBook.bundled().cost(of: try record(model, at: time, provider: provider, tokens: tokens, batch: batch))
    }

    @Test("OpenAI batch: half of every token price, cached input included; gpt-image's published $0.63 cached figure")
    func openAIBatch() throws {
        // gpt-5.2 batch: 100k × $0.875 + 50k × $0.0875 + 10k × $7 = $0.161875.
        for model in ["gpt-5.2", "gpt-5.2-chat-latest", "gpt-5.2-codex"] {
            let c = try cost(model, at: "2026-01-10T12:00:00Z", provider: "openai", batch: true)
            #expect(c.total == usd("0.161875"), "\(model)")
            #expect(c.costs["cache_read"] == usd("0.004375"), "\(model)")
        }
        // gpt-5.2-pro batch: $10.50 / $84 (no cached price: cache reads bill as input).
        #expect(try cost("gpt-5.2-pro", at: "2026-01-10T12:00:00Z", provider: "openai", tokens: TokenCounts(input: 1_000_000, output: 1_000_000), batch: true).total == usd("94.5"))
        // gpt-image-1: $2.50 in, $0.63 cached (OpenAI's rounded figure, not $0.625), $20 out.
        let image1 = try cost("gpt-image-1", at: "2026-01-10T12:00:00Z", provider: "openai", batch: true)
        #expect(image1.costs == ["input": usd("0.25"), "cache_read": usd("0.0315"), "output": usd("0.2")])
        #expect(try cost("gpt-image-1.5", at: "2026-01-10T12:00:00Z", provider: "openai", batch: true).total == usd("0.3315"))
        #expect(try cost("gpt-image-1-mini", at: "2026-01-10T12:00:00Z", provider: "openai", batch: true).total == usd("0.145"))
        #expect(try cost("gpt-image-2", at: "2026-06-10T12:00:00Z", provider: "openai", batch: true).total == usd("0.33125"))
        // Without batch, gpt-image-1 is $5 / $1.25 / $40.
        #expect(try cost("gpt-image-1", at: "2026-01-10T12:00:00Z", provider: "openai").total == usd("0.9625"))
    }

    @Test("Anthropic batch: half price, Claude 3 Sonnet included")
    func anthropicBatch() throws {
        // claude-3-sonnet-20240229: 100k × $1.50 + 50k × $0.15 + 10k × $7.50 = $0.2325.
        #expect(try cost("claude-3-sonnet-20240229", at: "2024-06-01T12:00:00Z", provider: "anthropic", batch: true).total == usd("0.2325"))
    }

    @Test("Gemini batch halves input and output in both tiers; context caching stays at the standard rate")
    func geminiBatch() throws {
        // Up to 200k: 100k × $0.625 + 50k × $0.125 (not halved) + 10k × $5 = $0.11875.
        let short = try cost("gemini-2.5-pro", at: "2026-01-10T12:00:00Z", provider: "google", batch: true)
        #expect(short.costs == ["input": usd("0.0625"), "cache_read": usd("0.00625"), "output": usd("0.05")])
        // Prompt 250k (> 200k): 200k × $1.25 + 50k × $0.25 (long-context cached, not halved) + 10k × $7.50.
        let long = try cost("gemini-2.5-pro", at: "2026-01-10T12:00:00Z", provider: "google",
                            tokens: TokenCounts(input: 200_000, cacheRead: 50_000, output: 10_000), batch: true)
        #expect(long.costs == ["input": usd("0.25"), "cache_read": usd("0.0125"), "output": usd("0.075")])
    }

    @Test("xAI batch is 20% off every token type; grok-4.3's higher tier starts at 200,000 prompt tokens inclusive")
    func xaiBatchAndThreshold() throws {
        // 100k × $1.00 + 50k × $0.16 + 10k × $2.00 = $0.128 for grok-4.3 and the three grok-4.20 models.
        for model in ["grok-4.3", "grok-4.20-0309-reasoning", "grok-4.20-0309-non-reasoning", "grok-4.20-multi-agent-beta-0309"] {
            #expect(try cost(model, at: "2026-10-01T12:00:00Z", provider: "xai", batch: true).total == usd("0.128"), "\(model)")
        }
        // A prompt of 199,999 tokens bills at $1.25; one of exactly 200,000 at $2.50 (every token).
        let below = try cost("grok-4.3", at: "2026-10-01T12:00:00Z", provider: "xai", tokens: TokenCounts(input: 199_999))
        let at = try cost("grok-4.3", at: "2026-10-01T12:00:00Z", provider: "xai", tokens: TokenCounts(input: 200_000))
        #expect(below.total == usd("0.24999875"))
        #expect(at.total == usd("0.5"))
        #expect(at.notes.contains { $0.contains("is 200,000 tokens or more") })
        // Batch and long context together: 150k × $2.50 × 0.8 + 50k × $0.40 × 0.8 + 10k × $5 × 0.8.
        let both = try cost("grok-4.3", at: "2026-10-01T12:00:00Z", provider: "xai",
                            tokens: TokenCounts(input: 150_000, cacheRead: 50_000, output: 10_000), batch: true)
        #expect(both.total == usd("0.356"))
    }

    @Test("Gemini's long-context tier applies only above 200,000 (the page says 'over 200k')")
    func exclusiveThreshold() throws {
        let at = try cost("gemini-2.5-pro", at: "2026-01-10T12:00:00Z", provider: "google", tokens: TokenCounts(input: 200_000))
        let above = try cost("gemini-2.5-pro", at: "2026-01-10T12:00:00Z", provider: "google", tokens: TokenCounts(input: 200_001))
        #expect(at.total == usd("0.25"))
        #expect(above.total == usd("0.5000025"))
    }

    @Test("Mistral batch is half price; the Ministral 3 names are one model each")
    func mistral() throws {
        #expect(try cost("mistral-small-2603", at: "2026-10-01T12:00:00Z", provider: "mistral", batch: true).total == usd("0.010875"))
        let fourteen = try cost("ministral-14b-2512", at: "2026-01-10T12:00:00Z", provider: "mistral", batch: true)
        #expect(fourteen.total == usd("0.0115"))
        let book = try PriceBook.bundled()
        #expect(book.resolve(model: "ministral-3-14b-2512") == .resolved(modelID: "ministral-14b-2512"))
        #expect(book.resolve(model: "ministral-3-8b-2512") == .resolved(modelID: "ministral-8b-2512"))
        #expect(book.resolve(model: "ministral-3-3b-2512") == .resolved(modelID: "ministral-3b-2512"))
        #expect(try cost("ministral-3-3b-2512", at: "2026-01-10T12:00:00Z", provider: "mistral", batch: true).total == usd("0.00575"))
        // Mistral Large 4 at $0.70 / $0.07 / $2.10 from 2026-10-29; $1.36 / $0.14 / $4.18 the week before.
        #expect(try cost("mistral-large-4", at: "2026-11-01T12:00:00Z", provider: "mistral").total == usd("0.0945"))
        #expect(try cost("mistral-large-4", at: "2026-11-01T12:00:00Z", provider: "mistral", batch: true).total == usd("0.04725"))
        #expect(try cost("mistral-large-4", at: "2026-10-25T12:00:00Z", provider: "mistral").total == usd("0.1848"))
    }

    @Test("DeepSeek has no batch API: a batch record bills at the standard rate and says so")
    func deepSeekNoBatch() throws {
        let c = try cost("deepseek-chat", at: "2025-10-01T12:00:00Z", provider: "deepseek", batch: true)
        // 100k × $0.28 + 50k × $0.028 + 10k × $0.42 = $0.0336.
        #expect(c.total == usd("0.0336"))
        #expect(c.notes.contains { $0.contains("standard rate") })
    }

    @Test("deprecated models still in logs are priced; speech models bill audio tokens at their own price")
    func deprecatedAndAudio() throws {
        let million = TokenCounts(input: 1_000_000, output: 1_000_000)
        #expect(try cost("claude-3-sonnet-20240229", at: "2024-06-01T12:00:00Z", provider: "anthropic", tokens: million).total == usd("18"))
        #expect(try cost("gpt-3.5-turbo-0613", at: "2024-01-01T12:00:00Z", provider: "openai", tokens: million).total == usd("3.5"))
        // Gemini 1.5 Pro after the 2024-10-01 cut, prompt under 128k: 100k × $1.25 + 100k × $5.
        #expect(try cost("gemini-1.5-pro-002", at: "2025-01-10T12:00:00Z", provider: "google", tokens: TokenCounts(input: 100_000, output: 100_000)).total == usd("0.625"))
        // gpt-4o-transcribe: 200 text × $2.50 + 800 audio × $6 + 100 output × $10 = $0.0063.
        let transcribe = try cost("gpt-4o-transcribe", at: "2025-06-01T12:00:00Z", provider: "openai",
                                  tokens: TokenCounts(input: 1_000, output: 100, audioInput: 800))
        #expect(transcribe.costs == ["input": usd("0.0005"), "audio_input": usd("0.0048"), "output": usd("0.001")])
        #expect(try cost("gpt-4o-mini-tts", at: "2025-06-01T12:00:00Z", provider: "openai",
                         tokens: TokenCounts(input: 1_000_000, output: 1_000_000, audioOutput: 1_000_000)).total == usd("12.6"))
    }

    @Test("OpenRouter's slugs resolve to the provider's model by an explicit alias, never by guessing")
    func openRouterNames() throws {
        let book = try PriceBook.bundled()
        #expect(book.resolve(model: "anthropic/claude-4.5-haiku-20251001") == .resolved(modelID: "claude-haiku-4-5-20251001"))
        #expect(book.resolve(model: "openrouter/anthropic/claude-4.5-haiku-20251001") == .resolved(modelID: "claude-haiku-4-5-20251001"))
        #expect(book.resolve(model: "mistralai/mistral-large") == .resolved(modelID: "mistral-large-2407"))
        #expect(book.resolve(model: "deepseek/deepseek-r1-0528") == .resolved(modelID: "deepseek-reasoner"))
        // The slug's tail alone is not a name the provider uses: no alias, no guess.
        #expect(book.resolve(model: "claude-4.5-haiku-20251001").modelID == nil)
        #expect(book.resolve(model: "mistral-large").modelID == nil)
        // A model only resellers sell resolves to the OpenRouter channel's own entry; its tail alone does not.
        #expect(book.resolve(model: "meta-llama/llama-3.1-70b-instruct") == .resolved(modelID: "meta-llama/llama-3.1-70b-instruct"))
        #expect(book.resolve(model: "llama-3.1-70b-instruct").modelID == nil)
    }
}
