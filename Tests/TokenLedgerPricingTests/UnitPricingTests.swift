import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

/// Models billed by something other than tokens: minutes of audio, characters of text. Each expected
/// figure is worked out by hand from the bundled price (pricing/openai.toml, pricing/mistral.toml).
@Suite("Per-minute and per-character prices")
struct UnitPricingTests {
    @Test("whisper-1: $0.006 a minute, billed per second (754 s = $0.0754)")
    func whisperSeconds() throws {
        let book = try PriceBook.bundled()
        let r = try record("whisper-1", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(audioSeconds: 754))
        let cost = book.cost(of: r)
        // 754 s × $0.006 / 60 s = $0.0754.
        #expect(cost.total == usd("0.0754"))
        #expect(cost.components.map(\.name) == ["audio_seconds"])
        #expect(cost.components.first?.quantity == 754)
        #expect(cost.components.first?.unitPrice == usd("0.006")) // per minute, as the table writes it
        #expect(cost.components.first?.component == .audioPerMinute)
        #expect(cost.components.first?.unit == "per minute of audio")
    }

    @Test("voxtral-small: tokens and audio minutes on one bill, a third of a picodollar rounded half-to-even")
    func voxtralTokensAndMinutes() throws {
        let book = try PriceBook.bundled()
        let r = try record("voxtral-small-latest", at: "2025-08-01T12:00:00Z", provider: "mistral",
                           tokens: TokenCounts(input: 1_000), units: UnitCounts(audioSeconds: 7))
        let cost = book.cost(of: r)
        // input 1,000 × $0.10 / 1M = $0.0001; audio 7 s × $0.004 / 60 = $0.000466666666666… → $0.000466666667.
        #expect(cost.costs == ["input": usd("0.0001"), "audio_seconds": usd("0.000466666667")])
        #expect(cost.total == usd("0.000566666667"))
    }

    @Test("tts-1 and tts-1-hd: $15 and $30 per 1M characters")
    func speechCharacters() throws {
        let book = try PriceBook.bundled()
        let hd = try record("tts-1-hd", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(characters: 123_457))
        // 123,457 × $30 / 1M = $3.70371.
        #expect(book.cost(of: hd).total == usd("3.70371"))
        let standard = try record("tts-1", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(characters: 4_200))
        // 4,200 × $15 / 1M = $0.063.
        #expect(book.cost(of: standard).total == usd("0.063"))
    }

    @Test("a per-minute model whose record states no seconds is unpriced with the cause, never $0")
    func missingSeconds() throws {
        let book = try PriceBook.bundled()
        var r = try record("whisper-1", at: "2026-11-26T00:00:00Z", tokens: TokenCounts())
        r.requestCount = 3
        let cost = book.cost(of: r)
        #expect(cost.total == nil)
        #expect(cost.reason == "whisper-1 bills by minutes of audio and the record does not state them, so its cost is unknown.")
        // Tokens alone do not price it either: whisper-1 has no token price.
        let tokens = book.cost(of: try record("whisper-1", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(input: 500)))
        #expect(tokens.total == nil)
        #expect(tokens.reason?.contains("500 input tokens") == true)
        #expect(tokens.reason?.contains("bills by minutes of audio") == true)
    }

    @Test("seconds of audio for a model billed by tokens (gpt-4o-transcribe) are unpriced, never $0")
    func secondsForTokenModel() throws {
        let book = try PriceBook.bundled()
        let r = try record("gpt-4o-transcribe", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(audioSeconds: 300))
        let cost = book.cost(of: r)
        #expect(cost.total == nil)
        #expect(cost.reason == "the record states only 300 seconds of audio, which gpt-4o-transcribe has no price for (gpt-4o-transcribe bills by tokens), so its cost is unknown.")
        // With tokens the tokens are billed and the seconds are named in a note.
        let both = book.cost(of: try record("gpt-4o-transcribe", at: "2026-11-26T00:00:00Z",
                                            tokens: TokenCounts(input: 1_000, output: 100), units: UnitCounts(audioSeconds: 300)))
        // 1,000 × $2.50 / 1M + 100 × $10 / 1M = $0.0025 + $0.001.
        #expect(both.total == usd("0.0035"))
        #expect(both.notes.contains("300 seconds of audio not billed: gpt-4o-transcribe has no audio_per_minute price"))
    }

    @Test("images generated for a model with no per-image price, and nothing else, are unpriced")
    func imagesWithoutPrice() throws {
        let book = try PriceBook.bundled()
        let cost = book.cost(of: try record("gpt-image-1", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(imagesGenerated: 4)))
        #expect(cost.total == nil)
        #expect(cost.reason?.contains("4 generated images") == true)
    }

    @Test("a period priced only per minute needs no token price; one with neither is still refused")
    func readerAcceptsUnitOnlyPeriods() throws {
        let header = "[table]\nprovider = \"x\"\nchannel = \"official\"\n\n[[model]]\nid = \"m\"\nencoding = \"approximate\"\n\n[[model.period]]\nfrom = \"2025-01-01\"\n"
        let table = try PriceTable.parse(header + "audio_per_minute = 0.006\n", file: "x.toml")
        #expect(table.models[0].periods[0].prices[.audioPerMinute] == usd("0.006"))
        #expect(table.models[0].periods[0].prices[.input] == nil)
        let (_, problems) = PriceTableReader.read(header + "web_search_per_1k = 10\n", file: "x.toml")
        #expect(problems.map(\.message).contains("the period of m from 2025-01-01 has no 'input' price (required)"))
    }

    @Test("a negative quantity is refused as inconsistent")
    func negativeSeconds() throws {
        let book = try PriceBook.bundled()
        let cost = book.cost(of: try record("whisper-1", at: "2026-11-26T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(audioSeconds: -5)))
        #expect(cost.total == nil)
        #expect(cost.reason?.contains("audio_seconds is negative (-5)") == true)
    }

    @Test("the 2026-05-07 realtime models: gpt-realtime-whisper per minute, gpt-realtime-2 text output $24")
    func realtimeModels() throws {
        let book = try PriceBook.bundled()
        // 90 s × $0.017 / 60 = $0.0255.
        let whisper = try record("gpt-realtime-whisper", at: "2026-06-01T00:00:00Z", tokens: TokenCounts(), units: UnitCounts(audioSeconds: 90))
        #expect(book.cost(of: whisper).total == usd("0.0255"))
        // 1M text output at $24 (OpenAI's model page), not gpt-realtime-1.5's $16.
        #expect(book.cost(of: try record("gpt-realtime-2", at: "2026-06-01T00:00:00Z", tokens: TokenCounts(output: 1_000_000))).total == usd("24"))
        #expect(book.cost(of: try record("gpt-realtime-2", at: "2026-05-06T23:59:59Z", tokens: TokenCounts(output: 1_000_000))).total == nil)
    }

    @Test("reports group both unit causes as 'no quantity the model bills by'")
    func unpricedCause() {
        #expect(PricingError.missingQuantity(modelID: "whisper-1", unit: "minutes of audio").cause == .missingQuantity)
        #expect(PricingError.unbilledQuantities(modelID: "gpt-4o-transcribe", quantities: ["300 seconds of audio"], billedBy: ["tokens"]).cause == .missingQuantity)
        #expect(PricingError.channelLacksModel(channel: "302ai", modelID: "x").cause == .noChannelPrice)
    }
}

