import Foundation
import TokenLedgerCore

// The layers of a price (official table → time window → channel → long context → service tier →
// batch → contract terms), each one step on a `PriceStack`. FORMAT.md, "Layering", states the rules.

extension PriceBook {
    /// The prices that apply to a request for `model` (id, alias or prefixed name) at `date` (its day
    /// picks the price period, its UTC time of day a time window), through `channel`, with the given
    /// service tier, batch flag and prompt size (for the long-context tier).
    /// Layers: official table → channel → contract terms. Cost: a few dictionary look-ups.
    public func prices(
        for model: String, at date: Date, channel: String? = nil, serviceTier: String? = nil,
        batch: Bool = false, promptTokens: Int = 0
    ) throws(PricingError) -> EffectivePrices {
        try prices(for: model, at: date, timeOfDay: TimeOfDay(date), channel: channel, serviceTier: serviceTier,
                   batch: batch, promptTokens: promptTokens)
    }

    /// `prices(for:at:...)` with the time of day given apart from the date: `timeOfDay` picks a time
    /// window of the day's period (nil: none, the standard prices), for listing each window's prices.
    public func prices(
        for model: String, at date: Date, timeOfDay: TimeOfDay?, channel: String? = nil, serviceTier: String? = nil,
        batch: Bool = false, promptTokens: Int = 0
    ) throws(PricingError) -> EffectivePrices {
        let split = splitChannel(model)
        let channelName = Self.normalizedChannel(channel) ?? split.channel
        let mayRoute = channel == nil && split.channel == nil
        guard let ref = resolveRef(split.model) else {
            throw .unknownModel(name: model.trimmingCharacters(in: .whitespaces), suggestions: suggestions(for: split.model))
        }
        return try prices(ref: ref, day: PriceDate.day(of: date), moment: timeOfDay, channel: channelName, mayRoute: mayRoute,
                          serviceTier: serviceTier, batch: batch, promptTokens: promptTokens)
    }

    static func normalizedChannel(_ channel: String?) -> String? {
        guard let c = channel?.trimmingCharacters(in: .whitespaces).lowercased(), !c.isEmpty, c != "official" else { return nil }
        return c
    }

    /// A service tier name trimmed and lower-cased. Tiers as logged ("default", "priority") are
    /// already in that form and skip Foundation's trimming, which bridges through NSString.
    static func normalizedTier(_ tier: String) -> String {
        if tier.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }) {
            return tier
        }
        return tier.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// `mayRoute`: the request named no channel (not even "official"), so a config `[[route]]` may pick one.
    func prices(ref: ModelRef, day: Int, moment: TimeOfDay?, channel: String?, mayRoute: Bool, serviceTier: String?, batch: Bool, promptTokens: Int) throws(PricingError) -> EffectivePrices {
        try pricesAndLongContext(ref: ref, day: day, moment: moment, channel: channel, mayRoute: mayRoute, serviceTier: serviceTier,
                                 batch: batch, promptTokens: promptTokens).prices
    }

    /// `prices(ref:...)` and the long-context tier that could apply (nil: none); the prompt size
    /// changes nothing else, which lets `PricingMemo` reuse the prices below the tier. `moment` (the
    /// request's UTC time of day) picks a time window of the official period; nil ignores windows.
    func pricesAndLongContext(
        ref: ModelRef, day: Int, moment: TimeOfDay?, channel: String?, mayRoute: Bool, serviceTier: String?, batch: Bool, promptTokens: Int
    ) throws(PricingError) -> (prices: EffectivePrices, longContext: LongContextTier?) {
        let table = tables[ref.table]
        let model = table.models[ref.model]
        var channel = channel
        var routeNote: String?
        if channel == nil, mayRoute, !routes.isEmpty, let route = routes.first(where: { $0.applies(provider: model.provider, day: day) }) {
            channel = route.channel
            routeNote = "priced through \(route.channel) because the config routes \(route.provider) there ([[route]] at \(route.location))"
        }
        guard let official = model.period(on: day) else {
            throw .noPeriod(modelID: model.id, date: PriceDate.text(day), firstFrom: model.periods.first?.fromText)
        }
        var stack = PriceStack(official: official, table: table)
        if let routeNote { stack.notes.append(routeNote) }
        if let moment { stack.applyWindow(at: moment) }
        if let channel { try stack.applyChannel(channel, model: model, day: day, book: self) }
        stack.applyLongContext(promptTokens: promptTokens)
        stack.applyServiceTier(serviceTier)
        if batch { stack.applyBatchPrices() }
        let matching = terms.filter { $0.applies(to: model, day: day, channel: channel) }
        stack.applyTermsPrices(matching)
        var components = stack.resolve()
        stack.applyTermsDiscounts(matching, to: &components)
        let batchApplied = batch && stack.applyBatchMultiplier(to: &components, modelID: model.id)
        if let requested = serviceTier?.lowercased(), stack.tierApplied == nil,
           !["", "default", "auto", "standard"].contains(requested) {
            stack.notes.append("service tier '\(requested)' has no separate prices for \(model.id); standard prices used")
        }
        let prices = EffectivePrices(
            modelID: model.id, provider: model.provider, channel: channel, periodStart: official.fromText,
            channelPeriodStart: stack.channelPeriodStart, layers: stack.layers, byOrdinal: components, batchApplied: batchApplied,
            serviceTierApplied: stack.tierApplied, longContextApplied: stack.longContextApplied, timeWindow: stack.window, notes: stack.notes
        )
        return (prices, stack.longContext)
    }
}

/// One request's prices while the layers are applied, indexed by `PriceComponent.ordinal` (the hot path
/// does no hashing): each step replaces the explicit prices its layer names and records what it did.
struct PriceStack {
    /// An explicit price and what may still change it.
    struct Layered {
        var price: Money
        var layer: String
        /// Set by a service tier or by terms: the tier multiplier does not apply.
        var exempt: Bool
        /// A multiplier already on this price (a time window's, on the standard prices it does not name).
        var rate: Rate = .one
        /// An explicit batch price: the batch multiplier does not apply.
        var batchPriced = false
    }

    let official: PricePeriod
    var explicit: [Layered?]
    var notes: [String] = []
    var layers: [String]
    /// The official period's layer ("bundled", or "user:FILE" for a user table's period).
    let bundledLayer: String
    /// The layer whose period supplies batch, tiers and long context (a channel's replaces the official's).
    var modifiersLayer: String
    var batchRate: Rate?
    var batchPrices: ComponentPrices
    var batchUnchanged: [PriceComponent]
    var tiers: [String: ServiceTierPrices]
    var longContext: LongContextTier?
    var window: TimeWindow?
    var channelPeriodStart: String?
    var longContextApplied = false
    var tierMultiplier: Rate?
    var tierApplied: String?

    init(official: PricePeriod, table: PriceTable) {
        self.official = official
        // A reseller-only model's own entry is a channel's: its prices carry the channel's layer.
        let layer = official.layer ?? (table.userLayer ?? (table.isOfficial ? "bundled" : table.layerName))
        bundledLayer = layer
        var explicit = [Layered?](repeating: nil, count: PriceComponent.count)
        official.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: false) }
        self.explicit = explicit
        layers = [official.layer ?? table.layerName]
        modifiersLayer = bundledLayer
        batchRate = official.batch
        batchPrices = official.batchPrices
        batchUnchanged = official.batchUnchanged
        tiers = official.serviceTiers
        longContext = official.longContext
    }

    var batchAvailable: Bool { batchRate != nil || !batchPrices.isEmpty }

    /// A time window replaces the standard prices it names and multiplies the others it covers.
    mutating func applyWindow(at moment: TimeOfDay) {
        guard let index = official.windowIndex(at: moment) else { return }
        let w = official.windows[index]
        window = w
        if let m = w.multiplier {
            for i in explicit.indices { explicit[i]?.rate = m }
        }
        let layer = bundledLayer
        w.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: false) }
        notes.append("\(w.name) prices: the request's time falls in the window \(w.description)")
    }

    /// A channel's period is its own price list: its prices replace the official ones (unless assumed
    /// equal to them) and only the modifiers it gives apply.
    mutating func applyChannel(_ channel: String, model: PricedModel, day: Int, book: PriceBook) throws(PricingError) {
        guard let channelTable = book.channelTable(channel) else { throw .unknownChannel(name: channel, known: book.channelNames) }
        guard let channelModel = book.channelModel(channel, id: model.id) else { throw .channelLacksModel(channel: channel, modelID: model.id) }
        guard let period = channelModel.period(on: day) else { throw .channelNoPeriod(channel: channel, modelID: model.id, date: PriceDate.text(day)) }
        let layer = period.layer ?? channelTable.layerName
        // An assumed channel price is "the official price": follow the official one in force (a later
        // bundled period or the user's update included) rather than the copy the channel table recorded.
        if !period.assumed {
            period.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: false) }
        }
        batchRate = period.batch
        batchPrices = period.batchPrices
        batchUnchanged = period.batchUnchanged
        tiers = period.serviceTiers
        longContext = period.longContext
        modifiersLayer = layer
        // A reseller-only model's own entry is already the official layer: name it once.
        if layers.first != layer { layers.insert(layer, at: 0) }
        channelPeriodStart = period.fromText
        if period.assumed {
            notes.append("\(channel) price assumed equal to the official one (not confirmed on \(channel)'s own price list): the official price in force is used")
        }
    }

    /// Every token of a request whose prompt reaches the long-context tier bills at its prices.
    mutating func applyLongContext(promptTokens: Int) {
        guard let lc = longContext, lc.applies(toPrompt: promptTokens) else { return }
        // A time window's multiplier covers the long-context prices too (DeepSeek's peak doubles every rate).
        let windowRate = window?.multiplier ?? .one
        let layer = modifiersLayer
        let windowPrices = window?.prices
        lc.prices.forEach { c, p in
            explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: false, rate: windowPrices?[c] == nil ? windowRate : .one)
        }
        longContextApplied = true
        notes.append("long-context prices: the prompt (\(promptTokens) tokens) \(lc.rule), so every token bills at the higher rate")
    }

    /// A service tier's explicit prices replace the others; its multiplier applies to the rest later.
    mutating func applyServiceTier(_ serviceTier: String?) {
        guard let name = serviceTier.map(PriceBook.normalizedTier), let tier = tiers[name] else { return }
        let layer = modifiersLayer
        tier.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: true) }
        tierMultiplier = tier.multiplier
        tierApplied = name
    }

    /// Explicit batch prices (OpenAI's published $0.63) replace the standard ones for a batch request.
    mutating func applyBatchPrices() {
        guard batchAvailable else { return }
        let layer = modifiersLayer
        batchPrices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: true, batchPriced: true) }
    }

    /// Contract terms' explicit prices win over every table.
    mutating func applyTermsPrices(_ matching: [ContractTerms]) {
        for t in matching {
            t.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: t.layerName, exempt: true) }
        }
        var termsLayers: [String] = []
        for t in matching.reversed() where !termsLayers.contains(t.layerName) { termsLayers.append(t.layerName) }
        layers.insert(contentsOf: termsLayers, at: 0)
    }

    /// Components a batch request leaves at the standard price: listed in `unchanged`, or priced
    /// through one that is (cached audio falls back to cached input), or an explicit batch price.
    private(set) var batchExempt = [Bool](repeating: false, count: PriceComponent.count)

    /// Each component's price: its own explicit price or its fallback's (FORMAT.md's defaults), with
    /// the service tier's multiplier on those the tier does not exempt.
    mutating func resolve() -> [EffectivePrice?] {
        var components = [EffectivePrice?](repeating: nil, count: PriceComponent.count)
        for component in PriceComponent.allCases {
            var c: PriceComponent? = component
            var found: Layered?
            var source = component
            while let current = c, found == nil {
                found = explicit[current.ordinal]
                source = current
                c = current.fallback
            }
            guard let winner = found else { continue }
            var rate = winner.rate
            if !winner.exempt, let m = tierMultiplier { rate = rate.times(m) }
            batchExempt[component.ordinal] = winner.batchPriced || batchUnchanged.contains(component) || batchUnchanged.contains(source)
            components[component.ordinal] = EffectivePrice(base: winner.price, rate: rate, layer: winner.layer, official: official.prices.resolved(component))
        }
        return components
    }

    /// A contract discount multiplies every price its terms did not set themselves.
    func applyTermsDiscounts(_ matching: [ContractTerms], to components: inout [EffectivePrice?]) {
        for t in matching {
            guard let discount = t.discount else { continue }
            for i in components.indices {
                guard var price = components[i], price.layer != t.layerName else { continue }
                price.rate = price.rate.times(discount.complement)
                price.layer = t.layerName
                components[i] = price
            }
        }
    }

    /// The batch multiplier on every token price not exempt; false (with a note) when the model has no
    /// batch price, so the request bills at the standard rate.
    mutating func applyBatchMultiplier(to components: inout [EffectivePrice?], modelID: String) -> Bool {
        guard batchAvailable else {
            notes.append("batch request priced at the standard rate: \(modelID) has no batch price in the tables")
            return false
        }
        if let b = batchRate {
            for c in PriceComponent.allCases where c.isPerMillionTokens && !batchExempt[c.ordinal] {
                guard var price = components[c.ordinal] else { continue }
                price.rate = price.rate.times(b)
                components[c.ordinal] = price
            }
        }
        return true
    }
}
