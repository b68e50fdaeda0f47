import Foundation
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

/// Why a request cannot be priced. Its message is the `.unpriced` reason; the CLI exits 2 with it.
public enum PricingError: UserFacingError, Equatable {
    case unknownModel(name: String, suggestions: [String])
    case noPeriod(modelID: String, date: String, firstFrom: String?)
    case unknownChannel(name: String, known: [String])
    case channelLacksModel(channel: String, modelID: String)
    case channelNoPeriod(channel: String, modelID: String, date: String)
    case inconsistentTokens(String)
    case tooLarge

    public var message: String {
        switch self {
        case .unknownModel(let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : " Did you mean: \(suggestions.joined(separator: ", "))?"
            return name.isEmpty
                ? "the record names no model, so it cannot be priced."
                : "no price table lists the model '\(name)' (by id or alias); see 'tokenledger prices list', or add its price with 'tokenledger prices update' or a table in ~/.config/tokenledger/prices/.\(hint)"
        case .noPeriod(let id, let date, let first):
            let when = first.map { "; its first price starts \($0)" } ?? ""
            return "\(id) has no price on \(date)\(when)."
        case .unknownChannel(let name, let known):
            let list = known.isEmpty ? "none are bundled" : "known channels: \(known.joined(separator: ", "))"
            return "there is no price channel named '\(name)' (\(list))."
        case .channelLacksModel(let channel, let id):
            return "the channel \(channel) has no price for \(id), so its cost through \(channel) is unknown."
        case .channelNoPeriod(let channel, let id, let date):
            return "the channel \(channel) has no price for \(id) on \(date)."
        case .inconsistentTokens(let why):
            return "the token counts are inconsistent (\(why)), so the record cannot be priced."
        case .tooLarge:
            return "the token counts are too large to price."
        }
    }

    public var exitStatus: ExitStatus { .usage }
}

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

    private struct Layered {
        var price: Money
        var layer: String
        /// Set by a service tier or by terms: the tier multiplier does not apply.
        var exempt: Bool
        /// A multiplier already on this price (a time window's, on the standard prices it does not name).
        var rate: Rate = .one
        /// An explicit batch price: the batch multiplier does not apply.
        var batchPriced = false
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
        // A period a user table supplied carries its "user:FILE" layer; the bundled ones say "bundled".
        let bundledLayer = official.layer ?? (table.userLayer ?? "bundled")
        // Indexed by PriceComponent.ordinal: the hot path does no hashing.
        var explicit = [Layered?](repeating: nil, count: PriceComponent.count)
        official.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: bundledLayer, exempt: false) }
        var notes: [String] = routeNote.map { [$0] } ?? []
        // A time window replaces the standard prices it names and multiplies the others it covers.
        var window: TimeWindow?
        if let moment, let index = official.windowIndex(at: moment) {
            let w = official.windows[index]
            window = w
            if let m = w.multiplier {
                for i in explicit.indices { explicit[i]?.rate = m }
            }
            w.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: bundledLayer, exempt: false) }
            notes.append("\(w.name) prices: the request's time falls in the window \(w.description)")
        }
        var layers = [official.layer ?? table.layerName]
        var batchRate = official.batch
        var batchPrices = official.batchPrices
        var batchUnchanged = official.batchUnchanged
        var tiers = official.serviceTiers
        var longContext = official.longContext
        // The layer whose period supplies batch, tiers and long context (the channel's replaces the official's).
        var modifiersLayer = bundledLayer
        var channelPeriodStart: String?

        if let channel {
            guard let channelTable = channelTable(channel) else { throw .unknownChannel(name: channel, known: channelNames) }
            guard let channelModel = channelModel(channel, id: model.id) else { throw .channelLacksModel(channel: channel, modelID: model.id) }
            guard let period = channelModel.period(on: day) else { throw .channelNoPeriod(channel: channel, modelID: model.id, date: PriceDate.text(day)) }
            let layer = period.layer ?? channelTable.layerName
            // An assumed channel price is "the official price": follow the official one in force (a later
            // bundled period or the user's update included) rather than the copy the channel table recorded.
            if !period.assumed {
                period.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: layer, exempt: false) }
            }
            // A channel's period is its own price list: only the modifiers it gives apply.
            batchRate = period.batch
            batchPrices = period.batchPrices
            batchUnchanged = period.batchUnchanged
            tiers = period.serviceTiers
            longContext = period.longContext
            modifiersLayer = layer
            layers.insert(layer, at: 0)
            channelPeriodStart = period.fromText
            if period.assumed {
                notes.append("\(channel) price assumed equal to the official one (not confirmed on \(channel)'s own price list): the official price in force is used")
            }
        }

        var longContextApplied = false
        if let lc = longContext, lc.applies(toPrompt: promptTokens) {
            // A time window's multiplier covers the long-context prices too (DeepSeek's peak doubles every rate).
            let windowRate = window?.multiplier ?? .one
            lc.prices.forEach { c, p in
                explicit[c.ordinal] = Layered(price: p, layer: modifiersLayer, exempt: false, rate: window?.prices[c] == nil ? windowRate : .one)
            }
            longContextApplied = true
            notes.append("long-context prices: the prompt (\(promptTokens) tokens) \(lc.rule), so every token bills at the higher rate")
        }

        var tierMultiplier: Rate?
        var tierApplied: String?
        if let name = serviceTier.map(Self.normalizedTier), let tier = tiers[name] {
            tier.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: modifiersLayer, exempt: true) }
            tierMultiplier = tier.multiplier
            tierApplied = name
        }

        let batchAvailable = batchRate != nil || !batchPrices.isEmpty
        if batch && batchAvailable {
            batchPrices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: modifiersLayer, exempt: true, batchPriced: true) }
        }

        let matching = terms.filter { $0.applies(to: model, day: day, channel: channel) }
        for t in matching {
            t.prices.forEach { c, p in explicit[c.ordinal] = Layered(price: p, layer: t.layerName, exempt: true) }
        }

        var components = [EffectivePrice?](repeating: nil, count: PriceComponent.count)
        // Components a batch request leaves at the standard price: listed in `unchanged`, or priced
        // through one that is (cached audio falls back to cached input).
        var batchExempt = [Bool](repeating: false, count: PriceComponent.count)
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
        for t in matching {
            guard let discount = t.discount else { continue }
            for i in components.indices {
                guard var price = components[i], price.layer != t.layerName else { continue }
                price.rate = price.rate.times(discount.complement)
                price.layer = t.layerName
                components[i] = price
            }
        }
        var termsLayers: [String] = []
        for t in matching.reversed() where !termsLayers.contains(t.layerName) { termsLayers.append(t.layerName) }
        layers.insert(contentsOf: termsLayers, at: 0)

        var batchApplied = false
        if batch {
            if batchAvailable {
                if let b = batchRate {
                    for c in PriceComponent.allCases where c.isPerMillionTokens && !batchExempt[c.ordinal] {
                        guard var price = components[c.ordinal] else { continue }
                        price.rate = price.rate.times(b)
                        components[c.ordinal] = price
                    }
                }
                batchApplied = true
            } else {
                notes.append("batch request priced at the standard rate: \(model.id) has no batch price in the tables")
            }
        }
        if let requested = serviceTier?.lowercased(), tierApplied == nil,
           !["", "default", "auto", "standard"].contains(requested) {
            notes.append("service tier '\(requested)' has no separate prices for \(model.id); standard prices used")
        }
        let prices = EffectivePrices(
            modelID: model.id, provider: model.provider, channel: channel, periodStart: official.fromText,
            channelPeriodStart: channelPeriodStart, layers: layers, byOrdinal: components, batchApplied: batchApplied,
            serviceTierApplied: tierApplied, longContextApplied: longContextApplied, timeWindow: window, notes: notes
        )
        return (prices, longContext)
    }

    /// Prices one usage record at its own timestamp. Never returns $0 for an unknown model: the
    /// result is `.unpriced` with a reason instead.
    public func cost(of record: UsageRecord) -> CostBreakdown {
        var memo = PricingMemo.disabled
        return cost(of: record, memo: &memo)
    }

    /// `cost(of:)` for one record of a batch: `memo` (one per batch and price book) remembers model
    /// resolutions and prices, so records of the same model and day cost a few look-ups. Same results.
    /// `itemized: false` leaves `components` empty (same total, model, period, layers and notes): for
    /// the ledger, which stores only those; the per-component unit prices and the array cost a
    /// bulk import about a tenth of its reading thread.
    public func cost(of record: UsageRecord, memo: inout PricingMemo, itemized: Bool = true) -> CostBreakdown {
        do {
            return try pricedCost(of: record, suggest: false, memo: &memo, itemized: itemized)
        } catch {
            return CostBreakdown(resolvedModel: resolution(of: record, memo: &memo).ref.map { tables[$0.table].models[$0.model].id },
                                 status: .unpriced(reason: error.message), components: [])
        }
    }

    /// Like `cost(of:)`, but an unpriceable record is a thrown `PricingError` (for the `cost` command).
    /// `suggest` adds a "did you mean" list to an unknown-model error (a scan of every id; off for bulk pricing).
    public func pricedCost(of record: UsageRecord, suggest: Bool = true) throws(PricingError) -> CostBreakdown {
        var memo = PricingMemo.disabled
        return try pricedCost(of: record, suggest: suggest, memo: &memo)
    }

    func pricedCost(of record: UsageRecord, suggest: Bool, memo: inout PricingMemo, itemized: Bool = true) throws(PricingError) -> CostBreakdown {
        let resolution = resolution(of: record, memo: &memo)
        let channel = resolution.channel
        let mayRoute = resolution.mayRoute
        guard let ref = resolution.ref else {
            throw .unknownModel(name: record.model.trimmingCharacters(in: .whitespaces),
                                suggestions: suggest ? suggestions(for: splitChannel(record.model).model) : [])
        }
        let t = record.tokens
        // Cheap test first; `inconsistency` builds its message only when something is wrong.
        // Range first: with every count ≤ plausibleMaximum no sum below can overflow.
        if !t.countsInRange || t.audioInput + t.imageInput > t.input || t.reasoning + t.audioOutput + t.imageOutput > t.output,
           let why = t.inconsistency {
            throw .inconsistentTokens(why)
        }
        // The long-context tier is a per-request rule. A record standing for N requests (a usage-API
        // bucket) does not know each prompt's size, so the tier is decided on the average prompt.
        let requests = max(1, record.requestCount)
        let day = PriceDate.day(of: record.timestamp)
        var prices = try prices(
            ref: ref, day: day, moment: TimeOfDay(record.timestamp), channel: channel, mayRoute: mayRoute,
            serviceTier: record.serviceTier, batch: record.isBatch, promptTokens: t.promptTokens / requests, memo: &memo
        )
        if requests > 1, tables[ref.table].models[ref.model].period(on: day)?.longContext != nil {
            prices.notes.append("long-context tier decided on the average prompt (\(t.promptTokens / requests) tokens over \(requests) requests); per-request sizes are unknown")
        }
        var notes = prices.notes
        var components: [CostComponent] = []
        // One allocation for the lines that bill (growing by appends took two or three).
        if itemized {
            components.reserveCapacity((0..<Self.billedLineCount).reduce(0) { $0 + (Self.billedLine($1, t, record.units).quantity != 0 ? 1 : 0) })
        }
        var total = Money.zero
        for line in 0..<Self.billedLineCount {
            let (name, quantity, key) = Self.billedLine(line, t, record.units)
            guard quantity != 0 else { continue }
            guard let price = prices.price(of: key) else {
                notes.append("\(quantity) \(name == "web_search" ? "web search calls" : "generated images") not billed: \(prices.modelID) has no \(key.rawValue) price")
                continue
            }
            // Units per price: 1M tokens, 1k calls, 1 image.
            let per: Int128 = key == .webSearchPer1k ? 1_000 : key == .perImage ? 1 : 1_000_000
            guard let cost = Self.cost(quantity: quantity, base: price.base, rate: price.rate, per: per) else { throw .tooLarge }
            if itemized {
                let unitPrice = Money(picodollars: Money.divideRoundingHalfEven(
                    price.base.picodollars * price.rate.numerator, by: price.rate.denominator * (key == .webSearchPer1k ? 1_000 : 1)))
                components.append(CostComponent(name: name, quantity: quantity, unitPrice: unitPrice, cost: cost, layer: price.layer))
            }
            total += cost
        }
        var breakdown = CostBreakdown(
            resolvedModel: prices.modelID, status: .priced(total: total), components: components,
            periodStart: prices.channelPeriodStart ?? prices.periodStart, layers: prices.layers, notes: notes
        )
        breakdown.timeWindow = prices.timeWindow?.description
        return breakdown
    }

    /// The number of lines `billedLine` numbers.
    static let billedLineCount = 12

    /// Line `index` of a bill, in bill order: its component name, quantity and price. A switch rather
    /// than an array literal, which cost an allocation per priced record.
    @inline(__always)
    static func billedLine(_ index: Int, _ t: TokenCounts, _ units: UnitCounts) -> (name: String, quantity: Int, key: PriceComponent) {
        switch index {
        case 0: ("input", t.input - t.audioInput - t.imageInput, .input)
        case 1: ("cache_read", t.cacheRead, .cachedInput)
        case 2: ("cache_write_5m", t.cacheWrite5m, .cacheWrite5m)
        case 3: ("cache_write_1h", t.cacheWrite1h, .cacheWrite1h)
        case 4: ("output", t.output - t.reasoning - t.audioOutput - t.imageOutput, .output)
        case 5: ("reasoning", t.reasoning, .reasoning)
        case 6: ("audio_input", t.audioInput, .audioInput)
        case 7: ("audio_output", t.audioOutput, .audioOutput)
        case 8: ("image_input", t.imageInput, .imageInput)
        case 9: ("image_output", t.imageOutput, .imageOutput)
        case 10: ("web_search", units.webSearchCalls, .webSearchPer1k)
        default: ("image_generated", units.imagesGenerated, .perImage)
        }
    }

    /// quantity × base × rate / per, rounded half-to-even at the picodollar; nil on Int128 overflow.
    static func cost(quantity: Int, base: Money, rate: Rate, per: Int128) -> Money? {
        let (a, o1) = Int128(quantity).multipliedReportingOverflow(by: base.picodollars)
        guard !o1 else { return nil }
        let (b, o2) = a.multipliedReportingOverflow(by: rate.numerator)
        guard !o2 else { return nil }
        let (d, o3) = rate.denominator.multipliedReportingOverflow(by: per)
        guard !o3 else { return nil }
        return Money(picodollars: Money.divideRoundingHalfEven(b, by: d))
    }
}

extension Rate {
    /// The exact product, reduced.
    func times(_ other: Rate) -> Rate {
        let n = numerator * other.numerator
        let d = denominator * other.denominator
        let g = Rate.gcd(n, d)
        return Rate(numerator: n / g, denominator: d / g)
    }

    static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
        var (x, y) = (a.magnitude, b.magnitude)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : Int128(x)
    }
}
