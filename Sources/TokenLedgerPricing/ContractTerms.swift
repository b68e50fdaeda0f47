import TokenLedgerCore

/// A user's negotiated prices from the config file's `[[terms]]` sections: a percentage discount and/or
/// per-component price overrides, for a provider, some models and a date range. The outermost layer.
///
/// ```toml
/// [[terms]]
/// name = "acme-2026"            # shown as the layer "terms:acme-2026"
/// provider = "openai"           # optional: only this provider's models
/// models = ["gpt-4o*", "o3"]    # optional: ids or aliases; a trailing * matches a prefix
/// channel = "official"          # optional: only direct ("official") or only one reseller's records
/// from = 2026-01-01             # optional: first day (UTC)
/// until = 2026-12-31            # optional: last day, inclusive
/// discount_percent = 15         # optional: off every price this entry does not override
/// input = 0.90                  # optional overrides, USD per 1M tokens (any period component key)
/// ```
public struct ContractTerms: Sendable, Hashable {
    public var name: String
    public var provider: String?
    /// Lower-cased ids/aliases; a trailing `*` matches any id with that prefix. Empty means every model.
    public var models: [String]
    public var channel: String?
    public var from: Int?
    public var until: Int?
    /// The fraction off (0.15 for 15%); applied as `1 − discount` to every price not overridden here.
    public var discount: Rate?
    /// Explicit prices that replace the layers below.
    public var prices: ComponentPrices
    public var location: SourceLocation

    public init(
        name: String, provider: String? = nil, models: [String] = [], channel: String? = nil, from: Int? = nil,
        until: Int? = nil, discount: Rate? = nil, prices: ComponentPrices = ComponentPrices(),
        location: SourceLocation = SourceLocation(file: "config.toml", line: 1)
    ) {
        self.name = name
        self.provider = provider?.lowercased()
        self.models = models.map { $0.lowercased() }
        self.channel = channel?.lowercased()
        self.from = from
        self.until = until
        self.discount = discount
        self.prices = prices
        self.location = location
    }

    /// The layer name components priced by these terms carry.
    public var layerName: String { "terms:\(name)" }

    static let keys: Set<String> = PriceComponent.keys.union(["name", "provider", "model", "models", "channel", "from", "until", "discount_percent"])

    /// Reads every `[[terms]]` section of a config file; any mistake is an error with file:line (exit 2).
    package static func parse(config: ConfigFile) throws(TOMLError) -> [ContractTerms] {
        try parse(config.tables("terms"))
    }

    /// Reads `[[terms]]` tables.
    package static func parse(_ tables: [TOMLTable]) throws(TOMLError) -> [ContractTerms] {
        var out: [ContractTerms] = []
        for t in tables {
            if let (key, location) = t.unknownKeys(allowed: keys).first {
                throw TOMLError(location: location, reason: "unknown key '\(key)' in [[terms]]; use name, provider, models, channel, from, until, discount_percent or a price such as input = 0.90")
            }
            let name = try t.requiredString("name")
            var models = try t.strings("models") ?? []
            if let one = try t.string("model") { models.append(one) }
            var from: Int?, until: Int?
            if let text = try t.date("from") { from = PriceDate.parse(text) }
            if let text = try t.date("until") { until = PriceDate.parse(text) }
            if let from, let until, until < from {
                throw t.error("until", "the terms '\(name)' end (until) before they start (from)")
            }
            var discount: Rate?
            if let value = t["discount_percent"] {
                guard let text = value.numberText, let percent = Rate(text: text + "%"), percent.numerator <= percent.denominator else {
                    throw t.error("discount_percent", "'discount_percent' of the terms '\(name)' must be a number from 0 to 100, such as 15")
                }
                discount = percent
            }
            var prices = ComponentPrices()
            for component in PriceComponent.allCases {
                guard let value = t[component.rawValue] else { continue }
                guard let text = value.numberText, let d = ExactDecimal(text), d.significand >= 0,
                      d.normalized().fractionDigits <= 6, let money = Money(decimalText: text)
                else {
                    throw t.error(component.rawValue, "'\(component.rawValue)' of the terms '\(name)' must be a non-negative price in USD \(component.unit) with at most six decimals")
                }
                prices[component] = money
            }
            if discount == nil && prices.isEmpty {
                throw TOMLError(location: t.location, reason: "the terms '\(name)' give neither discount_percent nor any price; add one or remove the section")
            }
            out.append(ContractTerms(
                name: name, provider: try t.string("provider"), models: models, channel: try t.string("channel"),
                from: from, until: until, discount: discount, prices: prices, location: t.location
            ))
        }
        return out
    }

    /// True when these terms cover `model` (from a table of `provider`) on `day` through `channel` (nil = direct).
    public func applies(to model: PricedModel, day: Int, channel: String?) -> Bool {
        if let provider, provider != model.provider.lowercased() { return false }
        if let self_channel = self.channel, self_channel != (channel ?? "official") { return false }
        if let from, day < from { return false }
        if let until, day > until { return false }
        if models.isEmpty { return true }
        let names = [model.id.lowercased()] + model.aliases.map { $0.lowercased() }
        return models.contains { pattern in
            if pattern.hasSuffix("*") {
                let prefix = pattern.dropLast()
                return names.contains { $0.hasPrefix(prefix) }
            }
            return names.contains(pattern)
        }
    }
}
