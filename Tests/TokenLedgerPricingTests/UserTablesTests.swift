import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

/// User price tables layered over the bundled ones: bundled → user → channel → terms.
@Suite("User price tables layer over the bundled tables")
struct UserTablesTests {
    static func user(_ body: String, provider: String = "openai", channel: String = "official", file: String = "mine.toml") throws -> PriceTable {
        var table = try PriceTable.parse("""
            [table]
            provider = "\(provider)"
            channel = "\(channel)"
            checked = "2026-12-01"

            \(body)
            """, file: "/home/u/.config/tokenledger/prices/\(file)")
        table.userLayer = "user:\(file)"
        return table
    }

    @Test("a model only a user table lists is priced, and its layer is user:FILE")
    func addsModel() throws {
        let book = try TestTables.book().layering([Self.user("""
            [[model]]
            id = "gpt-9-mini"
            aliases = ["gpt-9-mini-latest"]
            encoding = "o200k_base"

            [[model.period]]
            from = "2026-12-01"
            input = 0.30
            cached_input = 0.03
            output = 1.20
            """)])
        let cost = book.cost(of: try record("openai/gpt-9-mini-latest", at: "2026-12-02T10:00:00Z",
                                            tokens: TokenCounts(input: 10_000, cacheRead: 90_000, output: 5_000)))
        // input 10,000 × 0.30/1M = 0.003; cache read 90,000 × 0.03/1M = 0.0027; output 5,000 × 1.20/1M = 0.006
        #expect(cost.resolvedModel == "gpt-9-mini")
        #expect(cost.total == usd("0.0117"))
        #expect(cost.layers == ["user:mine.toml"])
        #expect(Set(cost.components.map(\.layer)) == ["user:mine.toml"])
        // Before its first price: unpriced, and the reason says when prices start.
        let early = book.cost(of: try record("gpt-9-mini", at: "2026-11-30T10:00:00Z", tokens: TokenCounts(input: 1, output: 1)))
        #expect(early.total == nil)
        #expect(early.reason == "gpt-9-mini has no price on 2026-11-30; its first price starts 2026-12-01.")
    }

    @Test("a user period from a date adds a price change; earlier records keep the bundled price")
    func addsPeriod() throws {
        let book = try TestTables.book().layering([Self.user("""
            [[model]]
            id = "o3"

            [[model.period]]
            from = "2026-12-01"
            input = 1.00
            cached_input = 0.25
            output = 4.00
            batch = 0.5
            """)])
        let tokens = TokenCounts(input: 1_000_000, output: 1_000_000)
        let before = book.cost(of: try record("o3", at: "2026-11-30T23:59:59Z", tokens: tokens))
        let after = book.cost(of: try record("o3", at: "2026-12-01T00:00:00Z", tokens: tokens))
        #expect(before.total == usd("10.00"))     // bundled 2025-06-10 period: 2 + 8
        #expect(before.layers == ["bundled:openai"])
        #expect(after.total == usd("5.00"))       // user period: 1 + 4
        #expect(after.layers == ["user:mine.toml"])
        #expect(after.periodStart == "2026-12-01")
        let model = try #require(book.model(id: "o3"))
        #expect(model.periods.map(\.fromText) == ["2025-04-16", "2025-06-10", "2026-12-01"])
        #expect(model.efforts.count == 3) // the bundled facts stay
    }

    @Test("a user period from before the first bundled one replaces every bundled price")
    func replaces() throws {
        let book = try TestTables.book().layering([Self.user("""
            [[model]]
            id = "o3-mini-2025-01-31"

            [[model.period]]
            from = "2020-01-01"
            input = 1.00
            output = 4.00
            """)])
        let model = try #require(book.model(id: "o3-mini"))
        #expect(model.periods.count == 1)
        let cost = book.cost(of: try record("o3-mini", at: "2025-03-01T00:00:00Z", tokens: TokenCounts(input: 1_000_000, output: 1_000_000)))
        #expect(cost.total == usd("5.00"))
        #expect(cost.layers == ["user:mine.toml"])
    }

    @Test("bundled → user → channel → terms: each layer wins over the one below and is named")
    func layeringOrder() throws {
        let terms = """
            [[terms]]
            name = "acme"
            provider = "openai"
            models = ["o3-mini-2025-01-31"]
            discount_percent = 10
            """
        let user = try Self.user("""
            [[model]]
            id = "o3-mini-2025-01-31"

            [[model.period]]
            from = "2026-12-01"
            input = 1.00
            cached_input = 0.50
            output = 4.00
            """)
        let channelUser = try Self.user("""
            [[model]]
            id = "o3-mini"

            [[model.period]]
            from = "2026-12-01"
            input = 0.90
            output = 3.60
            official = { input = 1.00, output = 4.00 }
            """, channel: "302ai", file: "302ai-mine.toml")
        let file = try ConfigFile.parse(terms)
        let base = try TestTables.book().layering([user, channelUser])
        let book = base.with(terms: try ContractTerms.parse(config: file))
        let at = try #require(Timestamp.parse("2026-12-02T00:00:00Z"))
        let direct = try book.prices(for: "o3-mini", at: at)
        #expect(direct.price(of: .input)?.base == usd("1.00"))
        #expect(direct.layers == ["terms:acme", "user:mine.toml"])
        let channel = try book.prices(for: "o3-mini", at: at, channel: "302ai")
        #expect(channel.price(of: .input)?.base == usd("0.90"))
        #expect(channel.price(of: .input)?.price == usd("0.81")) // 10% off the channel price
        #expect(channel.layers == ["terms:acme", "user:302ai-mine.toml", "user:mine.toml"])
        // Without terms the channel's own number is the one shown, set by the user's channel table.
        let plain = try base.prices(for: "o3-mini", at: at, channel: "302ai")
        #expect(plain.price(of: .input)?.layer == "user:302ai-mine.toml")
        #expect(plain.price(of: .input)?.official == usd("1.00"))
    }

    @Test("user tables are read from the prices folder and [[prices]] path, in that order; a bad one names FILE:LINE")
    func loading() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tl-user-tables-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let folder = home.appendingPathComponent("config/tokenledger/prices")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let table = """
            [table]
            provider = "openai"
            channel = "official"

            [[model]]
            id = "gpt-9-mini"

            [[model.period]]
            from = "2026-12-01"
            input = 0.30
            output = 1.20
            """
        try Data(table.utf8).write(to: folder.appendingPathComponent("a.toml"))
        try Data(table.replacingOccurrences(of: "0.30", with: "0.25").utf8).write(to: home.appendingPathComponent("team.toml"))
        let paths = Paths(environment: ["HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path])
        let config = try ConfigFile.parse("[[prices]]\npath = \"team.toml\"\n", file: home.appendingPathComponent("config.toml").path)
        let files = try UserPriceTables.files(config: config, paths: paths)
        #expect(files.map(\.lastPathComponent) == ["a.toml", "team.toml"])
        let book = try PriceBook.load(config: config, paths: paths)
        let prices = try book.prices(for: "gpt-9-mini", at: try #require(Timestamp.parse("2026-12-02T00:00:00Z")))
        #expect(prices.price(of: .input)?.base == usd("0.25")) // the config's table is layered last
        #expect(prices.layers == ["user:team.toml"])

        try Data(table.replacingOccurrences(of: "output = 1.20", with: "output = 1.2.0").utf8).write(to: folder.appendingPathComponent("b.toml"))
        #expect {
            _ = try PriceBook.load(config: config, paths: paths)
        } throws: { error in
            let message = (error as? UserFacingError)?.message ?? ""
            return message.hasPrefix(folder.appendingPathComponent("b.toml").path + ":11:") && (error as? UserFacingError)?.exitStatus == .usage
        }
        let missing = try ConfigFile.parse("[[prices]]\npath = \"/nonexistent/prices.toml\"\n")
        #expect(throws: UserPriceTables.Error.self) { _ = try UserPriceTables.files(config: missing, paths: Paths(environment: [:])) }
    }

    @Test("a channel price marked assumed says so in every cost through it, and survives a write and read")
    func assumedChannelPrice() throws {
        var channel = try Self.user("""
            [[model]]
            id = "o3-2025-04-16"

            [[model.period]]
            from = "2025-06-10"
            input = 2.00
            output = 8.00
            official = { input = 2.00, output = 8.00 }
            assumed = true
            """, channel: "302ai", file: "302ai-assumed.toml")
        let book = try TestTables.book().layering([channel])
        let cost = book.cost(of: try record("o3", at: "2025-07-01T00:00:00Z", tokens: TokenCounts(input: 1_000, output: 100), channel: "302ai"))
        #expect(cost.notes.contains("302ai price assumed equal to the official one (not confirmed on 302ai's own price list): the official price in force is used"))
        // It follows the official price: a user's new official period moves it too.
        let cut = try Self.user("""
            [[model]]
            id = "o3"

            [[model.period]]
            from = "2026-12-01"
            input = 1.00
            output = 4.00
            """)
        let later = try record("o3", at: "2026-12-02T00:00:00Z", tokens: TokenCounts(input: 1_000_000, output: 1_000_000), channel: "302ai")
        #expect(book.layering([cut]).cost(of: later).total == usd("5.00"))
        let direct = book.cost(of: try record("o3", at: "2025-07-01T00:00:00Z", tokens: TokenCounts(input: 1_000, output: 100)))
        #expect(!direct.notes.contains { $0.contains("assumed") })
        channel.userLayer = nil
        let text = PriceTableWriter.toml(channel)
        #expect(text.contains("assumed = true"))
        #expect(try PriceTable.parse(text, file: "x.toml").models.first?.periods.first?.assumed == true)
        // Only a boolean is accepted.
        #expect(throws: PriceTableError.self) { try PriceTable.parse(text.replacingOccurrences(of: "assumed = true", with: "assumed = \"yes\""), file: "x.toml") }
    }

    @Test("a model declaring dated_snapshots is named by NAME-YYYYMMDD too; a bad date or an undeclared model is not")
    func datedSnapshots() throws {
        let book = try TestTables.book().layering([Self.user("""
            [[model]]
            id = "claude-opus-5-5"
            dated_snapshots = true

            [[model.period]]
            from = "2026-01-01"
            input = 4
            output = 20
            """, provider: "anthropic")])
        let tokens = TokenCounts(input: 1_000_000, output: 100_000)
        let dated = book.cost(of: try record("claude-opus-5-5-20261105", at: "2026-12-02T00:00:00Z", provider: "anthropic", tokens: tokens))
        #expect(dated.resolvedModel == "claude-opus-5-5")
        #expect(dated.total == usd("6.00")) // 4 + 0.1 × 20
        #expect(book.resolve(model: "anthropic/claude-opus-5-5-20261105").modelID == "claude-opus-5-5")
        #expect(book.resolve(model: "claude-opus-5-5-20261345").modelID == nil)   // not a date
        #expect(book.resolve(model: "claude-opus-5-5-2026110").modelID == nil)    // seven digits
        // A model that does not declare it (gemini-2.5-pro): its dated names stay unknown rather than guessed.
        #expect(book.resolve(model: "o3-mini-2025-01-31").modelID == "o3-mini-2025-01-31")
        #expect(book.resolve(model: "gemini-2.5-pro-20260101").modelID == nil)
    }
}
