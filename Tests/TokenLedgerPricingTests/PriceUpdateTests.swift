import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

@Suite("prices update: public price files converted exactly and compared with the tables")
struct PriceUpdateTests {
    static func fixture(_ name: String) -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/pricing/\(name)")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    static let today = PriceDate.parse("2026-12-04")!

    func plan(_ json: String, book: PriceBook? = nil, onlyNew: Bool = false) throws -> PriceUpdate {
        let source = try PriceSourceFile.read(json: json)
        return PriceUpdate.plan(source: source, book: try book ?? TestTables.book(), existing: [:], folder: "/prices",
                                today: Self.today, onlyNew: onlyNew)
    }

    @Test("genai-prices: per-1M numbers kept exactly, dated periods and long-context tiers mapped, time-of-day prices reported")
    func genaiPrices() throws {
        let source = try PriceSourceFile.read(json: Self.fixture("genai-prices-sample.json"))
        #expect(source.format == .genaiPrices)
        let flash = try #require(source.models.first { $0.name == "deepseek-v4-flash" })
        #expect(flash.provider == "deepseek")
        #expect(flash.periods.map { $0.from.map(PriceDate.text) } == [nil, "2026-08-17", "2026-09-10"])
        #expect(flash.periods[0].prices[.cachedInput]?.decimalString == "0.0028")
        #expect(flash.periods[2].prices[.output]?.decimalString == "0.6")
        #expect(source.notConverted.contains { $0.model == "deepseek-v4-flash" && $0.reason.contains("time of day") })
        let luna = try #require(source.models.first { $0.name == "gpt-5.6-luna" })
        #expect(luna.periods.last?.longContext?.threshold == 272_000)
        #expect(luna.periods.first?.prices[.cacheWrite5m]?.decimalString == "1.25")
        let grok = try #require(source.models.first { $0.name == "grok-4.5" })
        #expect(grok.provider == "xai")
        #expect(grok.periods[0].longContext?.prices[.output]?.decimalString == "12")

        let update = try plan(Self.fixture("genai-prices-sample.json"))
        // o3, o3-mini, Claude Sonnet 4 (by its alias claude-sonnet-4-0) and Gemini 2.5 Pro agree with the tables.
        #expect(update.unchanged == 4)
        #expect(update.changes.map(\.kind) == [.added, .added, .added, .added])
        // Match rules: o3's exact names include o3-2025-04-16 (an alias); Claude Opus 5.5 matches dated snapshots.
        #expect(source.models.first { $0.name == "o3" }?.aliases == ["o3-2025-04-16"])
        let opus = try #require(update.tables.first { $0.provider == "anthropic" }?.models.first { $0.id == "claude-opus-5-5" })
        #expect(opus.datedSnapshots)
        #expect(PriceTableWriter.toml(update.tables.first { $0.provider == "anthropic" }!).contains("dated_snapshots = true"))
        let added = try #require(update.changes.first { $0.modelID == "deepseek-v4-flash" })
        #expect(added.from == "2026-09-10")
        #expect(added.dated)
        let table = try #require(update.tables.first { $0.provider == "deepseek" })
        #expect(table.file == "/prices/genai-prices-deepseek.toml")
        // The written table reads back with the same exact prices and dates.
        let text = PriceTableWriter.toml(table)
        let back = try PriceTable.parse(text, file: table.file)
        #expect(back.models.first?.periods.map(\.fromText) == ["2020-01-01", "2026-08-17", "2026-09-10"])
        #expect(back.models.first?.periods.first?.prices[.cachedInput] == usd("0.0028"))
    }

    @Test("a dated change in the source becomes a period from that date, over the price it replaces")
    func datedChange() throws {
        // Someone's stale user table says o3 costs $3 input from 2025-06-10; genai-prices says $2.
        var stale = try PriceTable.parse("""
            [table]
            provider = "openai"
            channel = "official"

            [[model]]
            id = "o3"

            [[model.period]]
            from = "2025-06-10"
            input = 3.00
            cached_input = 0.50
            output = 8.00
            batch = 0.5
            """, file: "stale.toml")
        stale.userLayer = "user:stale.toml"
        let book = try TestTables.book().layering([stale])
        let update = try plan(Self.fixture("genai-prices-sample.json"), book: book)
        let change = try #require(update.changes.first { $0.kind == .changed })
        #expect(change.modelID == "o3-2025-04-16")
        #expect(change.from == "2025-06-10")
        #expect(change.prices.map(\.component) == [.input])
        #expect(change.prices.first?.old == usd("3.00"))
        #expect(change.prices.first?.new == usd("2"))
        let period = try #require(update.tables.first { $0.provider == "openai" }?.models.first { $0.id == "o3-2025-04-16" }?.periods.first)
        #expect(period.batch == Rate(text: "0.5")) // copied from the period it replaces
        #expect(period.prices[.output] == usd("8.00"))
        // --only-new leaves it alone and says so.
        let careful = try plan(Self.fixture("genai-prices-sample.json"), book: book, onlyNew: true)
        #expect(careful.changes.allSatisfy { $0.kind == .added })
        #expect(careful.leftAlone.map(\.modelID) == ["o3-2025-04-16"])
    }

    @Test("LiteLLM: per-token floats become exact per-1M prices through the import-litellm converter; undated changes start today")
    func litellm() throws {
        let source = try PriceSourceFile.read(json: Self.fixture("litellm-sample.json"))
        #expect(source.format == .litellm)
        let tts = try #require(source.models.first { $0.name == "gpt-4o-mini-tts" })
        #expect(tts.periods.first?.prices[.input]?.decimalString == "2.5")
        #expect(tts.periods.first?.from == nil)
        // Gemini 2.5 Pro is listed under vertex_ai-language-models only: not read (Google AI Studio is 'gemini').
        #expect(!source.models.contains { $0.name == "gemini-2.5-pro" })

        // o3-mini, gpt-4o and Claude Sonnet 4 agree; the TTS models and whisper-1 are not in the test tables.
        let update = try plan(Self.fixture("litellm-sample.json"))
        #expect(update.unchanged == 3)
        #expect(update.changes.map(\.modelID) == ["gpt-4o-mini-tts", "tts-1", "whisper-1"])
        // Priced by the second and by the character, converted to our units exactly.
        let whisper = try #require(update.changes.first { $0.modelID == "whisper-1" })
        #expect(whisper.prices.map(\.component) == [.audioPerMinute])
        #expect(whisper.prices.first?.new == usd("0.006"))
        let speech = try #require(update.changes.first { $0.modelID == "tts-1" })
        #expect(speech.prices.map(\.component) == [.per1MCharacters])
        #expect(speech.prices.first?.new == usd("15"))
        #expect(update.changes.first?.from == "2020-01-01")
        #expect(update.changes.first?.dated == false)

        // An undated difference starts today: records already billed keep their price.
        let json = #"{"o3-mini": {"litellm_provider": "openai", "input_cost_per_token": 9.9e-07, "output_cost_per_token": 4.4e-06, "cache_read_input_token_cost": 5.5e-07}}"#
        let changed = try plan(json)
        let change = try #require(changed.changes.first)
        #expect(change.kind == .changed)
        #expect(change.from == "2026-12-04")
        #expect(change.prices.map(\.component) == [.input])
        #expect(change.prices.first?.new == usd("0.99"))
        let merged = try TestTables.book().layering(changed.tables.map { var t = $0; t.userLayer = "user:litellm-openai.toml"; return t })
        #expect(merged.model(id: "o3-mini")?.periods.map(\.fromText) == ["2025-01-31", "2026-12-04"])
    }

    @Test("a file that is neither format is one sentence")
    func badShape() throws {
        #expect(throws: PriceSourceFile.Error.unknownShape) { try PriceSourceFile.read(json: "[1, 2]") }
        #expect(throws: PriceSourceFile.Error.self) { try PriceSourceFile.read(json: "{not json") }
    }

    @Test("genai-prices' per-hour audio and per-1M-character prices become per-minute and per-character prices, exactly")
    func unitPrices() throws {
        let json = """
            [{"id": "openai", "models": [
              {"id": "whisper-1", "prices": {"audio_hours": 0.36, "input_audio_hours": 0.36}},
              {"id": "tts-1", "prices": {"input_mchars": 15}},
              {"id": "odd-transcriber", "prices": {"audio_hours": 0.1}}
            ]}]
            """
        let source = try PriceSourceFile.read(json: json)
        // $0.36 an hour = $0.006 a minute; $15 per 1M characters as written.
        #expect(source.models.first { $0.name == "whisper-1" }?.periods.first?.prices[.audioPerMinute] == usd("0.006"))
        #expect(source.models.first { $0.name == "tts-1" }?.periods.first?.prices[.per1MCharacters] == usd("15"))
        // $0.10 an hour is $0.001666… a minute: not exact, so not converted (and said so).
        #expect(!source.models.contains { $0.name == "odd-transcriber" })
        #expect(source.notConverted.contains { $0.model == "odd-transcriber" && $0.reason.contains("per hour is not a whole number") })
        // Against the bundled tables both agree: nothing to change.
        let update = PriceUpdate.plan(source: source, book: try PriceBook.bundled(), existing: [:], folder: "/prices",
                                      today: Self.today, onlyNew: false)
        #expect(update.unchanged == 2 && update.changes.isEmpty)
    }
}

