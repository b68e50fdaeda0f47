import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

@Suite("Converting LiteLLM's price JSON")
struct LiteLLMImportTests {
    static let sample: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/pricing/litellm-sample.json")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    @Test("per-token floats become exact per-1M prices; batch, priority and >200k tiers map; the rest is reported")
    func convert() throws {
        let result = try LiteLLMImport.convert(json: Self.sample, provider: nil, from: "2025-01-01", checked: "2026-11-25")
        // The output is a valid table on its own.
        let table = try PriceTable.parse(result.toml, file: "litellm.toml")
        let book = PriceBook(tables: [table])
        let day = try #require(PriceDate.parse("2025-06-01"))
        func price(_ id: String, _ c: PriceComponent) -> String? {
            book.model(id: id)?.period(on: day)?.prices[c]?.decimalString
        }
        // o3-mini: 1.1e-06 → 1.1, 5.5e-07 → 0.55, 4.4e-06 → 4.4 per 1M
        #expect(price("o3-mini", .input) == "1.1")
        #expect(price("o3-mini", .cachedInput) == "0.55")
        #expect(price("o3-mini", .output) == "4.4")
        // gpt-4o: batch 1.25e-06 / 2.5e-06 = 0.5 (and 5e-06 / 1e-05 = 0.5): one multiplier
        let gpt4o = try #require(book.model(id: "gpt-4o")?.period(on: day))
        #expect(gpt4o.batch == Rate(text: "0.5"))
        #expect(gpt4o.serviceTiers["priority"]?.prices[.input]?.decimalString == "4.25")
        #expect(gpt4o.serviceTiers["priority"]?.prices[.cachedInput]?.decimalString == "2.125")
        #expect(gpt4o.serviceTiers["priority"]?.prices[.output]?.decimalString == "17")
        // Claude Sonnet 4: 1h cache writes and the >200k tier
        let sonnet = try #require(book.model(id: "claude-sonnet-4-20250514")?.period(on: day))
        #expect(sonnet.prices[.cacheWrite5m]?.decimalString == "3.75")
        #expect(sonnet.prices[.cacheWrite1h]?.decimalString == "6")
        #expect(sonnet.longContext?.threshold == 200_000)
        #expect(sonnet.longContext?.prices[.input]?.decimalString == "6")
        #expect(sonnet.longContext?.prices[.output]?.decimalString == "22.5")
        #expect(book.model(id: "gemini-2.5-pro")?.period(on: day)?.longContext?.prices[.cachedInput]?.decimalString == "0.25")
        #expect(book.model(id: "claude-sonnet-4-20250514")?.contextWindow == 1_000_000)
        // Not priced per token: skipped with a reason; per-second audio: reported, not dropped silently.
        #expect(result.skipped.map(\.model) == ["dall-e-3"])
        #expect(result.unmapped.contains { $0.model == "gpt-4o-mini-tts" && $0.key == "output_cost_per_second" })
        #expect(result.converted == 7)
    }

    @Test("whisper-1's $0.0001 a second is $0.006 a minute; tts-1's $0.000015 a character is $15 per 1M characters")
    func unitPrices() throws {
        let result = try LiteLLMImport.convert(json: Self.sample, provider: "openai", from: "2025-01-01", checked: "2026-11-25")
        let book = PriceBook(tables: [try PriceTable.parse(result.toml, file: "litellm.toml")])
        let day = try #require(PriceDate.parse("2025-06-01"))
        let whisper = try #require(book.model(id: "whisper-1")?.period(on: day))
        #expect(whisper.prices[.audioPerMinute]?.decimalString == "0.006")
        #expect(whisper.prices[.input] == nil)
        let tts = try #require(book.model(id: "tts-1")?.period(on: day))
        #expect(tts.prices[.per1MCharacters]?.decimalString == "15")
        #expect(tts.prices[.output] == nil)
        // The transcription's output-per-second equals its input price: listed, never added on top.
        #expect(result.unmapped.contains { $0.model == "whisper-1" && $0.key == "output_cost_per_second" })
        #expect(!result.skipped.contains { $0.model == "whisper-1" || $0.model == "tts-1" })
    }

    @Test("a provider filter keeps only that provider; an unknown one is a usage error")
    func provider() throws {
        let result = try LiteLLMImport.convert(json: Self.sample, provider: "anthropic", from: "2025-01-01", checked: "2026-11-25")
        #expect(result.converted == 1)
        #expect(result.toml.contains("provider = \"anthropic\""))
        #expect(throws: LiteLLMImport.Error.noModels(provider: "nosuch")) {
            try LiteLLMImport.convert(json: Self.sample, provider: "nosuch", from: "2025-01-01", checked: "2026-11-25")
        }
        #expect(throws: LiteLLMImport.Error.self) {
            try LiteLLMImport.convert(json: "{", provider: nil, from: "2025-01-01", checked: "2026-11-25")
        }
    }

    @Test("exact ratios only: 1.25e-06 of 2.5e-06 is 0.5; a ratio needing rounding is not a multiplier")
    func ratio() throws {
        let (a, b, c) = (try #require(ExactDecimal("1.25e-06")), try #require(ExactDecimal("2.5e-06")), try #require(ExactDecimal("3e-06")))
        #expect(LiteLLMImport.ratio(a, b) == "0.5")
        #expect(LiteLLMImport.ratio(try #require(ExactDecimal("1e-06")), c) == nil)
    }
}
