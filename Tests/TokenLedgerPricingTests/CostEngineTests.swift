import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

@Suite("The cost engine prices records exactly, component by component")
struct CostEngineTests {
    @Test("o3-mini with cached input and reasoning")
    func o3MiniCachedAndReasoning() throws {
        let book = try TestTables.book()
        // OpenAI usage: prompt 10,000 of which 8,000 cached; completion 3,000 of which 2,000 reasoning.
        let r = try record("o3-mini", at: "2025-03-01T12:00:00Z",
                           tokens: TokenCounts(input: 2_000, cacheRead: 8_000, output: 3_000, reasoning: 2_000))
        let cost = book.cost(of: r)
        #expect(cost.resolvedModel == "o3-mini-2025-01-31")
        // input      2,000 × $1.10/1M = $0.0022
        // cache read 8,000 × $0.55/1M = $0.0044
        // output     1,000 × $4.40/1M = $0.0044   (3,000 output − 2,000 reasoning)
        // reasoning  2,000 × $4.40/1M = $0.0088   (reasoning defaults to the output price)
        // total                        = $0.0198
        #expect(cost.costs == ["input": usd("0.0022"), "cache_read": usd("0.0044"), "output": usd("0.0044"), "reasoning": usd("0.0088")])
        #expect(cost.total == usd("0.0198"))
        #expect(cost.components.map(\.name) == ["input", "cache_read", "output", "reasoning"])
        #expect(cost.components.first?.unitPrice == usd("1.10"))
        #expect(cost.periodStart == "2025-01-31")
        #expect(cost.layers == ["bundled:openai"])
        #expect(Set(cost.components.map(\.layer)) == ["bundled"])
    }

    @Test("a batch request is half price; the only rounding is half-to-even at the picodollar")
    func batch() throws {
        let book = try TestTables.book()
        let r = try record("o3-mini-2025-01-31", at: "2025-03-01T00:00:00Z",
                           tokens: TokenCounts(input: 1_000_000, output: 200_000), batch: true)
        let cost = book.cost(of: r)
        // input  1,000,000 × $1.10/1M × 0.5 = $0.55
        // output   200,000 × $4.40/1M × 0.5 = $0.88 × 0.5 = $0.44
        // total                              = $0.99
        #expect(cost.costs == ["input": usd("0.55"), "output": usd("0.44")])
        #expect(cost.total == usd("0.99"))
        #expect(cost.components.first?.unitPrice == usd("0.55"))

        // $0.000001 per 1M tokens is 1 picodollar per token; batch halves it:
        // 1 token → 0.5 pUSD → 0 (half to even); 3 tokens → 1.5 pUSD → 2 (half to even).
        let one = book.cost(of: try record("tiny-test-model", at: "2025-02-01T00:00:00Z", tokens: TokenCounts(input: 1), batch: true))
        let three = book.cost(of: try record("tiny-test-model", at: "2025-02-01T00:00:00Z", tokens: TokenCounts(input: 3), batch: true))
        #expect(one.total == Money(picodollars: 0))
        #expect(three.total == Money(picodollars: 2))
    }

    @Test("a batch request for a model without a batch price is priced at the standard rate and says so")
    func batchWithoutBatchPrice() throws {
        let table = try PriceTable.parse("""
            [table]
            provider = "x"
            channel = "official"
            [[model]]
            id = "nobatch"
            [[model.period]]
            from = "2025-01-01"
            input = 1
            output = 2
            """, file: "x.toml")
        let cost = PriceBook(tables: [table]).cost(of: try record("nobatch", at: "2025-05-05T00:00:00Z", tokens: TokenCounts(input: 1_000_000), batch: true))
        #expect(cost.total == usd("1"))
        #expect(cost.notes.contains { $0.contains("standard rate") })
    }

    @Test("a flex-tier request uses the flex prices; priority uses its multiplier")
    func serviceTiers() throws {
        let book = try TestTables.book()
        let tokens = TokenCounts(input: 10_000, cacheRead: 20_000, output: 5_000, reasoning: 4_000)
        let flex = book.cost(of: try record("o3", at: "2025-07-01T00:00:00Z", tokens: tokens, tier: "flex"))
        // input      10,000 × $1.00/1M = $0.01
        // cache read 20,000 × $0.25/1M = $0.005
        // output      1,000 × $4.00/1M = $0.004
        // reasoning   4,000 × $4.00/1M = $0.016   (defaults to the *flex* output price)
        // total                        = $0.035
        #expect(flex.costs == ["input": usd("0.01"), "cache_read": usd("0.005"), "output": usd("0.004"), "reasoning": usd("0.016")])
        #expect(flex.total == usd("0.035"))

        let priority = book.cost(of: try record("o3", at: "2025-07-01T00:00:00Z", tokens: tokens, tier: "priority"))
        // standard × 1.75: input 10,000 × $2.00 × 1.75 = $0.035; cache read 20,000 × $0.50 × 1.75 = $0.0175;
        // output 1,000 × $8.00 × 1.75 = $0.014; reasoning 4,000 × $8.00 × 1.75 = $0.056; total $0.1225
        #expect(priority.total == usd("0.1225"))
        #expect(priority.components.first?.unitPrice == usd("3.5"))

        // "default", "auto" and unknown tiers use the standard prices:
        // 10,000 × $2 + 20,000 × $0.50 + 5,000 × $8 = $0.02 + $0.01 + $0.04 = $0.07
        #expect(book.cost(of: try record("o3", at: "2025-07-01T00:00:00Z", tokens: tokens, tier: "default")).total == usd("0.07"))
        let scale = book.cost(of: try record("o3", at: "2025-07-01T00:00:00Z", tokens: tokens, tier: "scale"))
        #expect(scale.total == usd("0.07"))
        #expect(scale.notes.contains { $0.contains("scale") })
    }

    @Test("Claude with 5-minute and 1-hour cache writes, cache reads and web search")
    func claudeCache() throws {
        let book = try TestTables.book()
        let r = try record("claude-sonnet-4-20250514", at: "2025-08-01T10:00:00Z", provider: "anthropic",
                           tokens: TokenCounts(input: 100, cacheRead: 50_000, cacheWrite5m: 10_000, cacheWrite1h: 20_000, output: 2_000),
                           units: UnitCounts(webSearchCalls: 3))
        let cost = book.cost(of: r)
        // input              100 × $3.00/1M = $0.0003
        // cache read      50,000 × $0.30/1M = $0.015
        // cache write 5m  10,000 × $3.75/1M = $0.0375
        // cache write 1h  20,000 × $6.00/1M = $0.12
        // output           2,000 × $15/1M   = $0.03
        // web search       3 × $10/1,000    = $0.03
        // total                             = $0.2328
        #expect(cost.costs == [
            "input": usd("0.0003"), "cache_read": usd("0.015"), "cache_write_5m": usd("0.0375"),
            "cache_write_1h": usd("0.12"), "output": usd("0.03"), "web_search": usd("0.03"),
        ])
        #expect(cost.total == usd("0.2328"))
        #expect(cost.components.last?.unitPrice == usd("0.01")) // per call
        // Each line names the price that billed it and the unit of its unit price: the cache read is billed by
        // cached_input, web search by the per-1k price but quoted per call.
        #expect(cost.components.map(\.component) == [.input, .cachedInput, .cacheWrite5m, .cacheWrite1h, .output, .webSearchPer1k])
        #expect(cost.components.map(\.unit) == Array(repeating: "per 1M tokens", count: 5) + ["per call"])
    }

    @Test("Gemini above 200k bills every token at the long-context rate; at exactly 200k it does not")
    func geminiLongContext() throws {
        let book = try TestTables.book()
        let above = book.cost(of: try record("gemini-2.5-pro", at: "2025-09-01T00:00:00Z", provider: "google",
                                              tokens: TokenCounts(input: 150_000, cacheRead: 60_000, output: 10_000, reasoning: 4_000)))
        // prompt = 150,000 + 60,000 = 210,000 > 200,000 → all tokens at the long-context prices:
        // input      150,000 × $2.50/1M = $0.375
        // cache read  60,000 × $0.25/1M = $0.015
        // output       6,000 × $15/1M   = $0.09
        // reasoning    4,000 × $15/1M   = $0.06
        // total                         = $0.54
        #expect(above.costs == ["input": usd("0.375"), "cache_read": usd("0.015"), "output": usd("0.09"), "reasoning": usd("0.06")])
        #expect(above.total == usd("0.54"))
        #expect(above.notes.contains { $0.contains("long-context") })

        let at = book.cost(of: try record("gemini-2.5-pro", at: "2025-09-01T00:00:00Z", provider: "google",
                                           tokens: TokenCounts(input: 140_000, cacheRead: 60_000, output: 10_000, reasoning: 4_000)))
        // prompt = 200,000, not above: 140,000 × $1.25 + 60,000 × $0.125 + 6,000 × $10 + 4,000 × $10 (per 1M)
        //        = $0.175 + $0.0075 + $0.06 + $0.04 = $0.2825
        #expect(at.total == usd("0.2825"))
    }

    @Test("an aggregate bucket of many requests decides the long-context tier on the average prompt")
    func aggregateLongContext() throws {
        let book = try TestTables.book()
        var bucket = try record("gemini-2.5-pro", at: "2025-09-01T00:00:00Z", provider: "google",
                                tokens: TokenCounts(input: 1_000_000, output: 100_000))
        bucket.requestCount = 10
        bucket.isAggregate = true
        let cost = book.cost(of: bucket)
        // 10 requests averaging 100,000 prompt tokens: standard prices, not the >200k tier:
        // 1,000,000 × $1.25/1M + 100,000 × $10/1M = $1.25 + $1.00 = $2.25
        #expect(cost.total == usd("2.25"))
        #expect(cost.notes.contains { $0.contains("average prompt (100000 tokens over 10 requests)") })
    }

    @Test("a price change mid-month: each record is priced at its own date")
    func priceChange() throws {
        let book = try TestTables.book()
        let tokens = TokenCounts(input: 1_000, output: 1_000)
        let before = book.cost(of: try record("o3", at: "2025-06-09T23:59:59Z", tokens: tokens))
        let after = book.cost(of: try record("o3", at: "2025-06-10T00:00:00Z", tokens: tokens))
        // before the cut: 1,000 × $10/1M + 1,000 × $40/1M = $0.01 + $0.04 = $0.05
        // after the cut:  1,000 × $2/1M  + 1,000 × $8/1M  = $0.002 + $0.008 = $0.01
        #expect(before.total == usd("0.05"))
        #expect(before.periodStart == "2025-04-16")
        #expect(after.total == usd("0.01"))
        #expect(after.periodStart == "2025-06-10")
        // A timestamp with an offset is compared in UTC: 2025-06-10T01:00+02:00 is still June 9 UTC.
        #expect(book.cost(of: try record("o3", at: "2025-06-10T01:00:00+02:00", tokens: tokens)).total == usd("0.05"))

        let tooEarly = book.cost(of: try record("o3", at: "2025-04-01T00:00:00Z", tokens: tokens))
        #expect(tooEarly.total == nil)
        #expect(tooEarly.resolvedModel == "o3-2025-04-16")
        #expect(tooEarly.reason == "o3-2025-04-16 has no price on 2025-04-01; its first price starts 2025-04-16.")
    }

    @Test("a 302ai-channel record uses the channel's prices, by record channel or by model prefix")
    func channel() throws {
        let book = try TestTables.book()
        let tokens = TokenCounts(input: 1_000, cacheRead: 1_000, output: 1_000)
        let viaField = book.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: tokens, channel: "302ai"))
        // input 1,000 × $1.10 (302ai) + cache read 1,000 × $0.55 (official; 302ai gives none) + output 1,000 × $4.40 (302ai)
        //   = $0.0011 + $0.00055 + $0.0044 = $0.00605
        #expect(viaField.total == usd("0.00605"))
        #expect(viaField.layersByComponent == ["input": "channel:302ai", "cache_read": "bundled", "output": "channel:302ai"])
        #expect(viaField.layers == ["channel:302ai", "bundled:openai"])
        #expect(viaField.periodStart == "2025-02-01")

        let viaPrefix = book.cost(of: try record("302ai/gpt-4o", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 1_000, output: 1_000)))
        // 302ai resells gpt-4o below list: 1,000 × $2.00/1M + 1,000 × $8.00/1M = $0.002 + $0.008 = $0.01
        // (officially 1,000 × $2.50 + 1,000 × $10 per 1M = $0.0125)
        #expect(viaPrefix.resolvedModel == "gpt-4o-2024-08-06")
        #expect(viaPrefix.total == usd("0.01"))

        let notResold = book.cost(of: try record("claude-sonnet-4", at: "2025-08-01T00:00:00Z", provider: "anthropic", tokens: tokens, channel: "302ai"))
        #expect(notResold.total == nil)
        #expect(notResold.reason?.contains("302ai has no price for claude-sonnet-4-20250514") == true)

        let unknownChannel = book.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: tokens, channel: "cheapai"))
        #expect(unknownChannel.reason == "there is no price channel named 'cheapai' (known channels: 302ai).")
        // A channel's period is its own price list: 302ai gives no batch price, so a batch record through it
        // bills at 302ai's standard rate (1,000 × $1.10 + 1,000 × $0.55 + 1,000 × $4.40 per 1M = $0.00605) and says so.
        let batchThrough = book.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: tokens, batch: true, channel: "302ai"))
        #expect(batchThrough.total == usd("0.00605"))
        #expect(batchThrough.notes.contains { $0.contains("standard rate") })
        // "official" means the provider itself.
        #expect(book.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: tokens, channel: "official")).layers == ["bundled:openai"])
    }

    @Test("a user contract discount applies from its date, on top of batch; overrides replace prices")
    func contractTerms() throws {
        let book = try TestTables.book(terms: """
            [[terms]]
            name = "acme-2026"
            provider = "openai"
            from = 2026-01-01
            discount_percent = 15
            """)
        let tokens = TokenCounts(input: 1_000_000, output: 100_000)
        let discounted = book.cost(of: try record("o3", at: "2026-02-01T09:00:00Z", tokens: tokens))
        // input  1,000,000 × $2.00/1M × 0.85 = $1.70
        // output   100,000 × $8.00/1M × 0.85 = $0.80 × 0.85 = $0.68
        // total                               = $2.38
        #expect(discounted.costs == ["input": usd("1.70"), "output": usd("0.68")])
        #expect(discounted.total == usd("2.38"))
        #expect(discounted.layers == ["terms:acme-2026", "bundled:openai"])
        #expect(Set(discounted.components.map(\.layer)) == ["terms:acme-2026"])

        // The day before the terms start: list price, $2.00 + $0.80 = $2.80.
        #expect(book.cost(of: try record("o3", at: "2025-12-31T23:00:00Z", tokens: tokens)).total == usd("2.80"))
        // Batch and discount multiply: 1,000,000 × $2.00/1M × 0.85 × 0.5 = $0.85; output $0.68 × 0.5 = $0.34.
        #expect(book.cost(of: try record("o3", at: "2026-02-01T09:00:00Z", tokens: tokens, batch: true)).total == usd("1.19"))
        // Other providers are untouched: 1,000,000 × $3 + 100,000 × $15 (per 1M) = $3 + $1.50.
        #expect(book.cost(of: try record("claude-sonnet-4", at: "2026-02-01T09:00:00Z", provider: "anthropic", tokens: tokens)).total == usd("4.50"))

        let deal = try TestTables.book(terms: """
            [[terms]]
            name = "o3-mini-deal"
            models = ["o3-mini"]
            input = 0.90
            output = 3.60
            """)
        let priced = deal.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 1_000_000, cacheRead: 1_000_000, output: 1_000_000)))
        // input 1M × $0.90 (terms) + cache read 1M × $0.55 (bundled, not overridden) + output 1M × $3.60 (terms) = $5.05
        #expect(priced.total == usd("5.05"))
        #expect(priced.layersByComponent == ["input": "terms:o3-mini-deal", "cache_read": "bundled", "output": "terms:o3-mini-deal"])
    }

    @Test("a config [[route]] prices a provider's records through a channel unless they name one")
    func route() throws {
        let book = try TestTables.book(terms: """
            [[route]]
            provider = "openai"
            channel = "302ai"
            from = 2025-03-01
            """)
        let tokens = TokenCounts(input: 1_000, output: 1_000)
        let routed = book.cost(of: try record("gpt-4o", at: "2025-03-02T00:00:00Z", tokens: tokens))
        // through 302ai: 1,000 × $2.00 + 1,000 × $8.00 (per 1M) = $0.01 (officially $0.0125)
        #expect(routed.total == usd("0.01"))
        #expect(routed.layers == ["channel:302ai", "bundled:openai"])
        #expect(routed.notes.first?.hasPrefix("priced through 302ai because the config routes openai there") == true)
        // Before the route starts, a record naming "official", and other providers: direct.
        #expect(book.cost(of: try record("gpt-4o", at: "2025-02-28T00:00:00Z", tokens: tokens)).total == usd("0.0125"))
        #expect(book.cost(of: try record("gpt-4o", at: "2025-03-02T00:00:00Z", tokens: tokens, channel: "official")).total == usd("0.0125"))
        #expect(book.cost(of: try record("gemini-2.5-pro", at: "2025-07-02T00:00:00Z", provider: "google", tokens: tokens)).layers == ["bundled:google"])

        #expect(throws: TOMLError(file: "config.toml", line: 3, reason: "[[route]] names the channel 'nochannel', which has no price table (known: 302ai)")) {
            try TestTables.book(terms: "[[route]]\nprovider = \"openai\"\nchannel = \"nochannel\"\n")
        }
    }

    @Test("an unknown model is unpriced with a reason, never $0")
    func unknownModel() throws {
        let book = try TestTables.book()
        let cost = book.cost(of: try record("gpt-99-turbo", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 10, output: 10)))
        #expect(cost.total == nil)
        #expect(cost.resolvedModel == nil)
        #expect(cost.components.isEmpty)
        #expect(cost.reason?.hasPrefix("no price table lists the model 'gpt-99-turbo'") == true)
        // A near miss is not guessed: "o3-mini-high" is not a model, though it suggests o3-mini.
        let near = book.cost(of: try record("o3-mini-high", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 10)))
        #expect(near.total == nil)
        // Bulk pricing skips the "did you mean" scan; the cost command asks for it.
        #expect(near.reason?.contains("Did you mean") == false)
        #expect(throws: PricingError.unknownModel(name: "o3-mini-high", suggestions: ["o3-mini", "o3-mini-2025-01-31"])) {
            try book.pricedCost(of: try record("o3-mini-high", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 10)))
        }
        // The empty book prices nothing.
        #expect(PriceBook().cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 1))).total == nil)
    }

    @Test("inconsistent token counts are unpriced, not mispriced")
    func inconsistent() throws {
        let book = try TestTables.book()
        let cost = book.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(output: 10, reasoning: 20)))
        #expect(cost.total == nil)
        #expect(cost.reason?.contains("reasoning") == true)
    }

    @Test("audio tokens are split from text at their own prices")
    func audio() throws {
        let table = try PriceTable.parse("""
            [table]
            provider = "openai"
            channel = "official"
            [[model]]
            id = "gpt-4o-audio-preview-2024-12-17"
            [[model.period]]
            from = "2024-12-17"
            input = 2.50
            output = 10.00
            audio_input = 40.00
            audio_output = 80.00
            """, file: "a.toml")
        let cost = PriceBook(tables: [table]).cost(of: try record("gpt-4o-audio-preview-2024-12-17", at: "2025-01-01T00:00:00Z",
            tokens: TokenCounts(input: 1_000, output: 500, audioInput: 600, audioOutput: 400)))
        // text in 400 × $2.50 = $0.001; audio in 600 × $40 = $0.024; text out 100 × $10 = $0.001; audio out 400 × $80 = $0.032 (per 1M)
        #expect(cost.costs == ["input": usd("0.001"), "audio_input": usd("0.024"), "output": usd("0.001"), "audio_output": usd("0.032")])
        #expect(cost.total == usd("0.058"))
    }
}

@Suite("Model names resolve exactly, by alias, or without provider prefixes — never fuzzily")
struct ModelResolutionTests {
    @Test("exact ids, aliases, prefixes and case", arguments: [
        ("o3-mini-2025-01-31", "o3-mini-2025-01-31"),
        ("o3-mini", "o3-mini-2025-01-31"),
        ("O3-Mini", "o3-mini-2025-01-31"),
        ("openai/gpt-4o", "gpt-4o-2024-08-06"),
        ("azure/o3-mini", "o3-mini-2025-01-31"),
        ("openrouter/openai/o3-mini", "o3-mini-2025-01-31"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("anthropic/claude-sonnet-4-0", "claude-sonnet-4-20250514"),
        (" gpt-4o ", "gpt-4o-2024-08-06"),
    ])
    func resolves(name: String, id: String) throws {
        #expect(try TestTables.book().resolve(model: name) == .resolved(modelID: id))
    }

    @Test("near misses stay unresolved", arguments: ["o3-mini-high", "gpt-4o-2024", "gpt4o", "o3mini", "", "gemini-2.5"])
    func unresolved(name: String) throws {
        #expect(try TestTables.book().resolve(model: name).modelID == nil)
    }

    @Test("the estimator's model facts are exposed")
    func modelFacts() throws {
        let model = try #require(try TestTables.book().model(id: "o3-mini"))
        #expect(model.id == "o3-mini-2025-01-31")
        #expect(model.encoding == "o200k_base")
        #expect(model.contextWindow == 200_000)
        #expect(model.maxOutput == 100_000)
        #expect(model.efforts == [.low, .medium, .high])
    }
}
