import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

@Suite("Batch pricing with a memo gives exactly the results of pricing each record alone")
struct PricingMemoTests {
    @Test("long-context prompts on either side of the threshold, in both orders, priced from one memo")
    func longContextAroundTheMemo() throws {
        let book = try PriceBook.bundled()
        // claude-sonnet-4-5: $3 / $15 per 1M; a prompt over 200,000 bills every token at $6 / $22.50.
        let below = try record("claude-sonnet-4-5", at: "2025-11-01T10:00:00Z", provider: "anthropic",
                               tokens: TokenCounts(input: 200_000, output: 1_000))
        let above = try record("claude-sonnet-4-5", at: "2025-11-01T11:00:00Z", provider: "anthropic",
                               tokens: TokenCounts(input: 200_001, output: 1_000))
        for order in [[below, above, below], [above, below, above]] {
            var memo = PricingMemo()
            for r in order {
                let memoized = book.cost(of: r, memo: &memo)
                #expect(memoized == book.cost(of: r))
                // 200,000 × $3/1M + 1,000 × $15/1M = $0.615; 200,001 × $6/1M + 1,000 × $22.50/1M = $1.222506
                #expect(memoized.total == (r.tokens.input == 200_000 ? usd("0.615") : usd("1.222506")))
                #expect(memoized.notes.contains { $0.hasPrefix("long-context prices") } == (r.tokens.input > 200_000))
            }
        }
    }

    @Test("channels, service tiers, batch, unknown models and dates before the first price: memoized equals alone")
    func everyPathMatches() throws {
        let book = try PriceBook.bundled()
        let tokens = TokenCounts(input: 1_234, cacheRead: 5_000, output: 777, reasoning: 100)
        let records = [
            try record("gpt-4o", at: "2025-06-01T00:00:00Z", tokens: tokens),
            try record("gpt-4o", at: "2025-06-01T23:59:59Z", tokens: tokens, tier: "default"),
            try record("gpt-4o", at: "2025-06-01T12:00:00Z", tokens: tokens, tier: " Priority "),
            try record("gpt-4o", at: "2025-06-01T12:00:00Z", tokens: tokens, tier: "priority"),
            try record("gpt-4o", at: "2025-06-01T12:00:00Z", tokens: tokens, tier: "flex"),
            try record("gpt-4o", at: "2025-06-02T00:00:00Z", tokens: tokens, batch: true),
            try record("o3-mini", at: "2025-06-01T12:00:00Z", tokens: tokens, channel: "302ai"),
            try record("o3-mini", at: "2025-06-01T12:00:00Z", tokens: tokens, channel: "official"),
            try record("302ai/o3-mini", at: "2025-06-01T12:00:00Z", tokens: tokens),
            try record("gpt-4o", at: "2025-06-01T12:00:00Z", tokens: tokens, channel: "no-such-channel"),
            try record("no-such-model", at: "2025-06-01T12:00:00Z", tokens: tokens),
            try record("o3-mini", at: "2020-01-01T00:00:00Z", tokens: tokens),
            try record("o3-mini", at: "2025-06-01T12:00:00Z", tokens: TokenCounts(input: -1)),
        ]
        var memo = PricingMemo()
        // Twice over, so the second pass is served from the memo.
        for r in records + records {
            #expect(book.cost(of: r, memo: &memo) == book.cost(of: r))
        }
        // Not itemized (the ledger's import and reprice): the same breakdown without its components.
        var lean = PricingMemo()
        for r in records + records {
            var itemized = book.cost(of: r)
            #expect(!itemized.components.isEmpty || itemized.total == nil)
            itemized.components = []
            #expect(book.cost(of: r, memo: &lean, itemized: false) == itemized)
        }
        #expect(book.cost(of: records[10], memo: &memo).total == nil)
        #expect(book.cost(of: records[3], memo: &memo).components.first?.unitPrice == usd("4.25"))
    }

    @Test("records sharing a remembered model, day and modifiers: each billed on its own quantities, notes and errors as alone")
    func rememberedPricesBillEachRecord() throws {
        let book = try PriceBook.bundled()
        // The same model name as separate String objects (each log line spells it anew).
        let model = String("gpt-4o-mini".reversed().reversed())
        let records = [
            try record("gpt-4o-mini", at: "2025-06-01T08:00:00Z", tokens: TokenCounts(input: 1_000, output: 10)),
            try record(model, at: "2025-06-01T09:00:00Z", tokens: TokenCounts(input: 2_000, cacheRead: 500, output: 40)),
            // Seconds of audio gpt-4o-mini has no price for: a note, the tokens billed.
            try record(model, at: "2025-06-01T10:00:00Z", tokens: TokenCounts(input: 3_000, output: 50), units: UnitCounts(audioSeconds: 30)),
            // Only quantities it has no price for: unpriced, never $0.
            try record(model, at: "2025-06-01T11:00:00Z", tokens: TokenCounts(), units: UnitCounts(characters: 120)),
            try record(model, at: "2025-06-01T12:00:00Z", tokens: TokenCounts(input: 10, output: 5, reasoning: 6)),
            try record(model, at: "2025-06-01T13:00:00Z", tokens: TokenCounts(input: 10, output: 5), batch: true),
            try record(model, at: "2025-06-02T13:00:00Z", tokens: TokenCounts(input: 10, output: 5)),
        ]
        var memo = PricingMemo()
        for r in records + records {
            #expect(book.cost(of: r, memo: &memo) == book.cost(of: r), "\(r.timestamp) \(r.tokens)")
        }
        #expect(book.cost(of: records[2], memo: &memo).notes.contains { $0.contains("not billed") })
        #expect(book.cost(of: records[3], memo: &memo).total == nil)
        #expect(book.cost(of: records[4], memo: &memo).total == nil)  // reasoning above output: inconsistent
    }

    @Test("the ledger's bill from remembered prices (PresetBill) equals the full bill, record by record")
    func presetBillMatchesTheFullBill() throws {
        // The bundled tables, and the same with a 15 % contract discount (a multiplier of 17/20).
        let bundled = try PriceBook.bundled()
        let discounted = bundled.with(terms: try ContractTerms.parse(config: try ConfigFile.parse("""
            [[terms]]
            name = "acme"
            provider = "openai"
            from = 2025-01-01
            discount_percent = 15
            """)))
        // Models with and without cache, reasoning, audio and web-search prices; standard, batch and priority.
        let models = [("gpt-4o-mini", "openai"), ("gpt-4o", "openai"), ("gpt-4o-audio-preview", "openai"), ("claude-3-5-sonnet", "anthropic")]
        var records: [UsageRecord] = []
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for i in 0..<400 {
            let (model, provider) = models[next(models.count)]
            let input = next(5) == 0 ? 0 : next(200_000)
            let output = next(4) == 0 ? 0 : next(20_000)
            var tokens = TokenCounts(
                input: input, cacheRead: next(3) == 0 ? next(50_000) : 0, cacheWrite5m: next(6) == 0 ? next(9_000) : 0,
                cacheWrite1h: next(9) == 0 ? next(9_000) : 0, output: output, reasoning: next(3) == 0 ? output / 2 : 0)
            if next(8) == 0 { tokens.audioInput = input / 3 }
            if next(8) == 0 { tokens.audioOutput = output / 4 }
            var units = UnitCounts()
            if next(10) == 0 { units.webSearchCalls = next(30) }
            if next(40) == 0 { units.audioSeconds = next(90) }
            if i % 97 == 0 { units.webSearchCalls = -2 }   // a negative quantity: the full bill's error
            if i % 89 == 0 { tokens.reasoning = output + 1 }  // inconsistent counts
            records.append(try record(model, at: "2025-06-01T\(10 + next(10)):00:00Z", provider: provider, tokens: tokens,
                                      units: units, batch: next(4) == 0, tier: next(3) == 0 ? "priority" : nil))
        }
        // One record of nothing at all, and one of only what the model has no price for.
        records.append(try record("gpt-4o-mini", at: "2025-06-01T10:00:00Z", tokens: TokenCounts()))
        records.append(try record("gpt-4o-mini", at: "2025-06-01T10:00:00Z", tokens: TokenCounts(), units: UnitCounts(characters: 50)))
        for book in [bundled, discounted] {
            var memo = PricingMemo()
            var served = 0
            for r in records + records {
                if memo.recentIndex(of: r) != nil { served += 1 }
                var alone = book.cost(of: r)
                alone.components = []
                #expect(book.cost(of: r, memo: &memo, itemized: false) == alone, "\(r.model) \(r.tokens) \(r.units)")
            }
            // Most records were billed from remembered prices, so the preset bill was what answered.
            #expect(served > records.count)
        }
        #expect(records.contains { r in bundled.cost(of: r).total == nil })
        #expect(records.contains { r in discounted.cost(of: r).total != bundled.cost(of: r).total })
    }
}
