import TokenLedgerCore

/// The price of one component for one request, with where it came from.
public struct EffectivePrice: Sendable, Hashable {
    /// The price as the winning layer wrote it: USD per 1M tokens, per image, or per 1k web-search calls.
    public var base: Money
    /// Every multiplier applied on top (service-tier multiplier, contract discount, batch), as one exact fraction.
    public var rate: Rate
    /// "bundled", "channel:302ai" or "terms:<name>": the outermost layer that set or changed this price.
    public var layer: String
    /// The official (bundled) standard price of this component, for comparison with channels and terms.
    public var official: Money?

    /// The price after every multiplier, rounded half-to-even at the picodollar (display only; costs
    /// multiply the exact fraction).
    public var price: Money { base.multiplied(by: rate) }
}

/// Everything that decides the prices of one request: model, day, channel and modifiers, resolved.
public struct EffectivePrices: Sendable, Hashable {
    public var modelID: String
    public var provider: String
    /// The channel the request went through; nil for the provider itself.
    public var channel: String?
    /// Start of the official price period used.
    public var periodStart: String
    /// Start of the channel's price period, when a channel priced it.
    public var channelPeriodStart: String?
    /// Layers that set at least one price, outermost first ("terms:acme", "channel:302ai", "bundled:openai").
    public var layers: [String]
    /// Indexed by `PriceComponent.ordinal`; nil for unit items the model does not bill.
    var byOrdinal: [EffectivePrice?]
    /// Which modifiers applied: the batch multiplier, a service tier, the long-context tier.
    public var batchApplied: Bool
    public var serviceTierApplied: String?
    public var longContextApplied: Bool
    /// The daily UTC window whose prices applied (DeepSeek's peak hours), if any.
    public var timeWindow: TimeWindow?
    public var notes: [String]

    /// The effective price of every billed component.
    public var components: [PriceComponent: EffectivePrice] {
        var out: [PriceComponent: EffectivePrice] = [:]
        for c in PriceComponent.allCases { out[c] = byOrdinal[c.ordinal] }
        return out
    }

    /// The effective price of one component (no allocation).
    public func price(of component: PriceComponent) -> EffectivePrice? { byOrdinal[component.ordinal] }
}
