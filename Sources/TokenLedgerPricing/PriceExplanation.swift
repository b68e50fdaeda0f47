import Foundation
import TokenLedgerCore

/// Everything `prices show` says about one model at one time, worked out by the engine: the components
/// shown and the layer that set each, the periods that apply, and the effective prices of every variant
/// the engine can bill that day (batch, long context, service tiers, time windows). The CLI only
/// renders it.
public struct PriceExplanation: Sendable {
    /// The prices of a long-context request: the tier, at its smallest prompt, and as a batch request.
    public struct LongContextPrices: Sendable {
        public var tier: LongContextTier
        public var prices: EffectivePrices
        public var batch: EffectivePrices?
    }

    /// The prices of a request inside a time window, and as a batch request.
    public struct WindowPrices: Sendable {
        public var window: TimeWindow
        public var prices: EffectivePrices
        public var batch: EffectivePrices?
    }

    /// The model's own entry (the official one, or the channel's for a reseller-only model).
    public var model: PricedModel
    /// The UTC day asked about.
    public var day: Int
    /// The prices of a standard request at the time asked.
    public var prices: EffectivePrices
    /// The components worth listing, in table order: every one a layer wrote (official, channel,
    /// terms) plus input, cached input, output and reasoning, each with its effective price.
    public var components: [(component: PriceComponent, price: EffectivePrice)]
    public var officialPeriod: PricePeriod?
    /// The channel's period when the prices go through a channel.
    public var channelPeriod: PricePeriod?
    /// The period whose batch, tiers and long context apply (the channel's through a channel).
    public var modifiers: PricePeriod?
    /// A batch request's prices, when the model has batch prices.
    public var batch: EffectivePrices?
    public var longContext: LongContextPrices?
    /// Each service tier priced differently, by name.
    public var serviceTiers: [(name: String, prices: EffectivePrices)]
    /// Each time window of the official period (priced inside it, on a day it applies).
    public var windows: [WindowPrices]
    /// User tables that supplied a period of this model (layer user:FILE).
    public var userFiles: [String]
}

extension PriceBook {
    /// Explains `model`'s prices at `date` through `channel`: what `prices show` and `prices list --json`
    /// print. Throws what pricing a request would throw (unknown model, no period, unknown channel).
    public func explain(model name: String, at date: Date, channel: String? = nil) throws(PricingError) -> PriceExplanation {
        let prices = try prices(for: name, at: date, channel: channel)
        guard let entry = model(id: prices.modelID) else { throw .unknownModel(name: name, suggestions: []) }
        let day = PriceDate.day(of: date)
        let official = entry.period(on: day)
        let channelPeriod = prices.channel.flatMap { channelModel($0, id: entry.id)?.period(on: day) }
        // Components to show: every one a layer wrote, plus reasoning (which bills even when unwritten).
        var shown: Set<PriceComponent> = [.input, .cachedInput, .output, .reasoning]
        if let official { shown.formUnion(official.prices.components) }
        if let channelPeriod { shown.formUnion(channelPeriod.prices.components) }
        for terms in terms where terms.applies(to: entry, day: day, channel: prices.channel) {
            shown.formUnion(terms.prices.components)
        }
        let components = shown.sorted().compactMap { c in prices.price(of: c).map { (component: c, price: $0) } }
        // Through a channel only the channel's own modifiers apply.
        let modifiers = prices.channel == nil ? official : channelPeriod
        func variant(_ timeOfDay: TimeOfDay?, tier: String? = nil, batch: Bool = false, prompt: Int = 0) -> EffectivePrices? {
            try? self.prices(for: entry.id, at: date, timeOfDay: timeOfDay, channel: channel, serviceTier: tier, batch: batch, promptTokens: prompt)
        }
        let moment = TimeOfDay(date)
        var batch: EffectivePrices?
        if modifiers?.hasBatch == true, let b = variant(moment, batch: true), b.batchApplied { batch = b }
        var longContext: PriceExplanation.LongContextPrices?
        if let lc = modifiers?.longContext, let long = variant(moment, prompt: lc.smallestPrompt) {
            longContext = .init(tier: lc, prices: long, batch: batch == nil ? nil : variant(moment, batch: true, prompt: lc.smallestPrompt))
        }
        var tiers: [(name: String, prices: EffectivePrices)] = []
        for name in (modifiers?.serviceTiers.keys.sorted() ?? []) {
            if let t = variant(moment, tier: name) { tiers.append((name, t)) }
        }
        var windows: [PriceExplanation.WindowPrices] = []
        for window in official?.windows ?? [] {
            // A moment inside the window on a weekday it applies (no date: never a skipped holiday).
            let inside = TimeOfDay(second: window.start * 60, weekday: window.days.first ?? moment.weekday)
            guard let w = variant(inside) else { continue }
            windows.append(.init(window: window, prices: w, batch: batch == nil ? nil : variant(inside, batch: true)))
        }
        return PriceExplanation(
            model: entry, day: day, prices: prices, components: components, officialPeriod: official,
            channelPeriod: channelPeriod, modifiers: modifiers, batch: batch, longContext: longContext,
            serviceTiers: tiers, windows: windows,
            userFiles: Set(entry.periods.filter { $0.layer != nil }.map(\.location.file)).sorted())
    }
}
