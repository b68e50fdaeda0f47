import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

@Suite("The bundled price tables")
struct BundledTablesTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the embedded copy equals pricing/*.toml (run scripts/embed-pricing after editing a table)")
    func inSync() throws {
        let dir = Self.packageRoot.appendingPathComponent("pricing")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".toml") }.sorted()
        let onDisk = try names.map { ("pricing/" + $0, try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) }
        #expect(BundledTables.files.map(\.0) == onDisk.map(\.0),
                "the set of tables differs from pricing/*.toml; run scripts/embed-pricing")
        for (file, text) in onDisk {
            let same = BundledTables.files.first { $0.0 == file }?.1 == text
            #expect(same, "\(file) differs from its embedded copy; run scripts/embed-pricing")
        }
    }

    @Test("they load, pass prices check, and price o3-mini-2025-01-31 at $1.10 / $0.55 / $4.40 with batch half")
    func load() throws {
        let book = try PriceBook.bundled()
        let (_, problems) = PriceCheck.check(BundledTables.files.map { (file: $0.0, text: $0.1) })
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
        #expect(book.resolve(model: "o3-mini") == .resolved(modelID: "o3-mini-2025-01-31"))
        let prices = try book.prices(for: "o3-mini-2025-01-31", at: try #require(Timestamp.parse("2025-06-01")))
        #expect(prices.components[.input]?.price == usd("1.10"))
        #expect(prices.components[.cachedInput]?.price == usd("0.55"))
        #expect(prices.components[.output]?.price == usd("4.40"))
        let batch = try book.prices(for: "o3-mini", at: try #require(Timestamp.parse("2025-06-01")), batch: true)
        #expect(batch.components[.input]?.price == usd("0.55"))
        #expect(batch.components[.output]?.price == usd("2.20"))
        #expect(book.channelNames.contains("302ai"))
    }
}

@Suite("prices check finds every problem with its file and line")
struct PriceCheckTests {
    @Test("bad numbers, unknown keys, missing components, overlapping periods, channel ids and drift")
    func problems() {
        let official = """
            [table]
            provider = "openai"
            channel = "official"

            [[model]]
            id = "m-1"
            aliases = ["m"]
            colour = "blue"

            [[model.period]]
            from = "2025-02-01"
            input = 1.1234567
            output = 4

            [[model.period]]
            from = "2025-01-01"
            input = 1
            output = 2

            [[model]]
            id = "m-2"
            aliases = ["m"]

            [[model.period]]
            from = "2025-01-01"
            input = 1

            [model.period.flx]
            input = 1
            """
        let channel = """
            [table]
            provider = "openai"
            channel = "302ai"

            [[model]]
            id = "m-2"

            [[model.period]]
            from = "2025-01-01"
            input = 1
            output = 2
            official = { input = 2, output = 2 }

            [[model]]
            id = "nope"

            [[model.period]]
            from = "2025-01-01"
            input = 1
            output = 2
            official = { input = 1, output = 2 }

            [[model]]
            id = "m"

            [[model.period]]
            from = "2025-01-01"
            input = 1
            output = 2
            """
        let (_, problems) = PriceCheck.check([("official.toml", official), ("302ai.toml", channel)])
        let lines = problems.map { "\($0.location.file):\($0.location.line)" }
        let text = problems.map(\.description).joined(separator: "\n")
        #expect(lines == [
            "302ai.toml:8",      // drift: official input 2 recorded, the table says 1
            "302ai.toml:8",      // drift: official output 2 recorded, the table has none
            "302ai.toml:14",     // 'nope' is in no official table
            "302ai.toml:23",     // 'm' is an alias, not a canonical id
            "official.toml:8",   // unknown key colour
            "official.toml:12",  // seven decimals
            "official.toml:15",  // period out of order
            "official.toml:20",  // alias 'm' claimed twice
            "official.toml:24",  // no output price
            "official.toml:28",  // unknown tier sub-table
        ], "\(text)")
        #expect(text.contains("drift"))
        #expect(text.contains("more than six decimal places"))
        #expect(text.contains("unknown key 'colour'"))
        #expect(text.contains("unknown key 'flx'"))
        #expect(text.contains("no 'output' price"))
        #expect(text.contains("use the canonical id 'm-1'"))
    }

    @Test("a syntax error is one problem at its line")
    func syntax() {
        let (tables, problems) = PriceCheck.check([("x.toml", "[table]\nprovider = openai\n")])
        #expect(tables.isEmpty)
        #expect(problems.map(\.description) == ["x.toml:2: 'openai' is not a number, boolean, date or quoted string"])
    }
}
