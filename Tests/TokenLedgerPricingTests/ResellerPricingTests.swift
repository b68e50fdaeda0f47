import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

/// Models only resellers sell (the OpenRouter channel table) and the cost an export states.
@Suite("Reseller-only models and provider-stated costs")
struct ResellerPricingTests {
    static let million = TokenCounts(input: 1_000_000, output: 1_000_000)

    @Test("meta-llama/llama-3.1-70b-instruct is priced from the OpenRouter table, each period by its date")
    func llamaThroughOpenRouter() throws {
        let book = try PriceBook.bundled()
        func total(_ model: String, _ time: String, channel: String? = nil) throws -> Money? {
            book.cost(of: try record(model, at: time, provider: "openrouter", tokens: Self.million, channel: channel)).total
        }
        // $0.10 + $0.28 until 2026-10-18; $0.40 + $0.40 from 2026-10-19; $0.72 + $0.72 from 2026-11-03.
        #expect(try total("meta-llama/llama-3.1-70b-instruct", "2025-06-01T00:00:00Z") == usd("0.38"))
        #expect(try total("meta-llama/llama-3.1-70b-instruct", "2026-10-18T23:59:59Z") == usd("0.38"))
        #expect(try total("meta-llama/llama-3.1-70b-instruct", "2026-10-19T00:00:00Z") == usd("0.80"))
        #expect(try total("meta-llama/llama-3.1-70b-instruct", "2026-11-10T00:00:00Z") == usd("1.44"))
        // Named with the channel prefix or the channel: the same price.
        #expect(try total("openrouter/meta-llama/llama-3.1-70b-instruct", "2026-11-10T00:00:00Z") == usd("1.44"))
        #expect(try total("meta-llama/llama-3.1-70b-instruct", "2026-11-10T00:00:00Z", channel: "openrouter") == usd("1.44"))
        let cost = book.cost(of: try record("meta-llama/llama-3.1-70b-instruct", at: "2026-11-10T00:00:00Z", tokens: Self.million))
        #expect(cost.layers == ["channel:openrouter"])
        #expect(cost.resolvedModel == "meta-llama/llama-3.1-70b-instruct")
        // Before the model existed: no price, not $0.
        #expect(try total("meta-llama/llama-3.1-70b-instruct", "2024-07-01T00:00:00Z") == nil)
        // Through another reseller that does not list it: unknown.
        let other = book.cost(of: try record("meta-llama/llama-3.1-70b-instruct", at: "2026-11-10T00:00:00Z", tokens: Self.million, channel: "302ai"))
        #expect(other.reason == "the channel 302ai has no price for meta-llama/llama-3.1-70b-instruct, so its cost through 302ai is unknown.")
    }

    @Test("a model no table prices takes the cost the OpenRouter response states, named as the provider-stated cost")
    func statedCost() throws {
        let book = try PriceBook.bundled()
        var r = try record("nousresearch/hermes-3-llama-3.1-70b", at: "2026-11-10T00:00:00Z", provider: "openrouter", tokens: Self.million)
        r.source = "openrouter"
        r.reportedCost = usd("0.0123")
        let cost = book.cost(of: r)
        #expect(cost.total == usd("0.0123"))
        #expect(cost.layers == ["stated:openrouter"])
        #expect(cost.notes.first?.hasPrefix("the cost is the one the openrouter record states (the provider-stated cost), not computed from a price table, because no price table lists the model") == true)
        // A cost a tool worked out itself (Claude Code's costUSD) is not the provider's bill: unpriced.
        r.source = "claude-code"
        #expect(book.cost(of: r).total == nil)
        // A table price wins over the stated figure, which stays for reconciliation.
        var priced = try record("meta-llama/llama-3.1-70b-instruct", at: "2026-11-10T00:00:00Z", provider: "openrouter", tokens: Self.million)
        priced.source = "openrouter"
        priced.reportedCost = usd("1.50")
        #expect(book.cost(of: priced).total == usd("1.44"))
    }

    @Test("prices check: a reseller-only entry may not shadow an official model nor record official prices")
    func checks() throws {
        let channel = """
            [table]
            provider = "openrouter"
            channel = "openrouter"

            [[model]]
            id = "o3-mini-2025-01-31"
            reseller_only = true
            encoding = "approximate"

            [[model.period]]
            from = "2025-02-01"
            input = 1
            output = 2

            [[model]]
            id = "vendor/open-model"
            reseller_only = true
            encoding = "approximate"

            [[model.period]]
            from = "2025-02-01"
            input = 1
            output = 2
            official = { input = 1, output = 2 }
            """
        let problems = PriceCheck.check([(file: "openai.toml", text: TestTables.openai), (file: "openrouter.toml", text: channel)]).problems.map(\.message)
        #expect(problems.contains { $0.contains("marks 'o3-mini-2025-01-31' reseller_only, but the official table lists it") })
        #expect(problems.contains { $0.contains("vendor/open-model is reseller_only: its periods have no official price to record") })
        // A plain channel entry may not carry model facts.
        let (_, readProblems) = PriceTableReader.read("[table]\nprovider = \"openai\"\nchannel = \"c\"\n\n[[model]]\nid = \"o3-mini-2025-01-31\"\nencoding = \"approximate\"\n\n[[model.period]]\nfrom = \"2025-02-01\"\ninput = 1\noutput = 2\n", file: "c.toml")
        #expect(readProblems.map(\.message).contains("unknown key 'encoding' in a channel's [[model]] (only id, notes and periods; the model's facts only with reseller_only = true)"))
    }
}
