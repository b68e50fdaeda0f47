import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPricing

/// Small price tables written for the tests (so they never depend on the bundled data files), with
/// real-shaped entries. Prices are USD per 1M tokens.
enum TestTables {
    static let openai = """
        [table]
        provider = "openai"
        channel = "official"
        source = "https://openai.com/api/pricing/"
        checked = "2026-11-20"

        [[model]]
        id = "o3-mini-2025-01-31"
        aliases = ["o3-mini"]
        encoding = "o200k_base"
        context_window = 200000
        max_output = 100000
        efforts = ["low", "medium", "high"]

        [[model.period]]
        from = "2025-01-31"
        input = 1.10
        cached_input = 0.55
        output = 4.40
        batch = 0.5

        [[model]]
        id = "o3-2025-04-16"
        aliases = ["o3"]
        encoding = "o200k_base"
        context_window = 200000
        max_output = 100000
        efforts = ["low", "medium", "high"]

        [[model.period]]
        from = "2025-04-16"
        input = 10.00
        cached_input = 2.50
        output = 40.00
        batch = 0.5

        [[model.period]]
        from = "2025-06-10"
        input = 2.00
        cached_input = 0.50
        output = 8.00
        batch = 0.5

        [model.period.flex]
        input = 1.00
        cached_input = 0.25
        output = 4.00

        [model.period.priority]
        multiplier = 1.75

        [[model]]
        id = "gpt-4o-2024-08-06"
        aliases = ["gpt-4o"]
        encoding = "o200k_base"
        context_window = 128000
        max_output = 16384
        efforts = []

        [[model.period]]
        from = "2024-08-06"
        input = 2.50
        cached_input = 1.25
        output = 10.00
        batch = 0.5

        [[model]]
        id = "tiny-test-model"
        efforts = []

        [[model.period]]
        from = "2025-01-01"
        input = 0.000001
        output = 0.000001
        batch = 0.5
        """

    static let anthropic = """
        [table]
        provider = "anthropic"
        channel = "official"
        source = "https://www.anthropic.com/pricing#api"
        checked = "2026-11-20"

        [[model]]
        id = "claude-sonnet-4-20250514"
        aliases = ["claude-sonnet-4-0", "claude-sonnet-4"]
        encoding = "approximate"
        context_window = 200000
        max_output = 64000
        efforts = []

        [[model.period]]
        from = "2025-05-14"
        input = 3.00
        cached_input = 0.30
        cache_write_5m = 3.75
        cache_write_1h = 6.00
        output = 15.00
        batch = 0.5
        web_search_per_1k = 10.00
        """

    static let google = """
        [table]
        provider = "google"
        channel = "official"
        source = "https://ai.google.dev/gemini-api/docs/pricing"
        checked = "2026-11-20"

        [[model]]
        id = "gemini-2.5-pro"
        encoding = "approximate"
        context_window = 1048576
        max_output = 65536
        efforts = []

        [[model.period]]
        from = "2025-06-17"
        input = 1.25
        cached_input = 0.125
        output = 10.00
        batch = 0.5

        [model.period.long_context]
        threshold = 200000
        input = 2.50
        cached_input = 0.25
        output = 15.00
        """

    static let channel302 = """
        [table]
        provider = "openai"
        channel = "302ai"
        source = "https://302.ai/pricing"
        checked = "2026-11-20"

        [[model]]
        id = "o3-mini-2025-01-31"

        [[model.period]]
        from = "2025-02-01"
        input = 1.10
        output = 4.40
        official = { input = 1.10, output = 4.40 }

        [[model]]
        id = "gpt-4o-2024-08-06"

        [[model.period]]
        from = "2024-09-01"
        input = 2.00
        output = 8.00
        official = { input = 2.50, output = 10.00 }
        """

    static let files: [(file: String, text: String)] = [
        ("openai.toml", openai), ("anthropic.toml", anthropic), ("google.toml", google), ("302ai.toml", channel302),
    ]

    /// A book over the test tables, with optional contract terms from config text.
    static func book(terms config: String? = nil) throws -> PriceBook {
        let tables = try files.map { try PriceTable.parse($0.text, file: $0.file) }
        var terms: [ContractTerms] = []
        if let config { terms = try ContractTerms.parse(config: ConfigFile.parse(config)) }
        return PriceBook(tables: tables, terms: terms)
    }
}

/// A usage record at an ISO time.
func record(
    _ model: String, at time: String, provider: String = "openai", tokens: TokenCounts, units: UnitCounts = UnitCounts(),
    batch: Bool = false, tier: String? = nil, channel: String? = nil
) throws -> UsageRecord {
    UsageRecord(
        timestamp: try #require(Timestamp.parse(time)), provider: provider, model: model, serviceTier: tier,
        isBatch: batch, tokens: tokens, units: units, source: "test", channel: channel
    )
}

func usd(_ text: String) -> Money { Money(decimalText: text) ?? Money(picodollars: -1) }

extension CostBreakdown {
    /// Component costs by name.
    var costs: [String: Money] { Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0.cost) }) }
    var layersByComponent: [String: String] { Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0.layer) }) }
    var reason: String? {
        if case .unpriced(let reason) = status { return reason }
        return nil
    }
}
