import Foundation
import TokenLedgerCore

extension PriceBook {
    /// Prices one usage record at its own timestamp. Never returns $0 for an unknown model: the
    /// result is `.unpriced` with a reason instead.
    /// Cost: a few hash look-ups to resolve the model, a pass over its price periods, and exact integer
    /// arithmetic per billed component; no I/O.
    public func cost(of record: UsageRecord) -> CostBreakdown {
        var memo = PricingMemo.disabled
        return cost(of: record, memo: &memo)
    }

    /// `cost(of:)` for one record of a batch: `memo` (one per batch and price book) remembers model
    /// resolutions and prices, so records of the same model and day cost a few look-ups. Same results.
    /// `itemized: false` leaves `components` empty (same total, model, period, layers and notes): for
    /// the ledger, which stores only those; the per-component unit prices and the array cost a
    /// bulk import about a tenth of its reading thread.
    package func cost(of record: UsageRecord, memo: inout PricingMemo, itemized: Bool = true) -> CostBreakdown {
        do {
            return try pricedCost(of: record, suggest: false, memo: &memo, itemized: itemized)
        } catch {
            let resolved = resolution(of: record, memo: &memo).ref.map { tables[$0.table].models[$0.model].id }
            if let stated = record.reportedCost, Self.providerStatedSources.contains(record.source) {
                return Self.statedCost(stated, of: record, resolvedModel: resolved, because: error)
            }
            return CostBreakdown(resolvedModel: resolved, status: .unpriced(reason: error.message), components: [])
        }
    }

    /// Sources whose reported cost is what the provider billed for that request (OpenRouter's
    /// `usage.cost`, xAI's `cost_in_usd_ticks` in a chat or Responses body). Costs a tool worked out
    /// itself (Claude Code's `costUSD`, LiteLLM's, OpenCode's, a CSV column) are not: they stay
    /// beside the computed cost for reconciliation only.
    static let providerStatedSources: Set<String> = ["openrouter", "openai-chat", "openai-responses"]

    /// The cost the export itself states (OpenRouter's `usage.cost`, an OpenAI Costs API amount), used
    /// when no table can price the record: a figure the provider billed, in the layer
    /// "stated:SOURCE", never computed from a price.
    static func statedCost(_ stated: Money, of record: UsageRecord, resolvedModel: String?, because error: PricingError) -> CostBreakdown {
        CostBreakdown(
            resolvedModel: resolvedModel, status: .priced(total: stated), components: [],
            layers: ["stated:\(record.source)"],
            notes: ["the cost is the one the \(record.source) record states (the provider-stated cost), not computed from a price table, because \(error.message)"])
    }

    /// Like `cost(of:)`, but an unpriceable record is a thrown `PricingError` (for the `cost` command).
    /// `suggest` adds a "did you mean" list to an unknown-model error (a scan of every id; off for bulk pricing).
    public func pricedCost(of record: UsageRecord, suggest: Bool = true) throws(PricingError) -> CostBreakdown {
        var memo = PricingMemo.disabled
        return try pricedCost(of: record, suggest: suggest, memo: &memo)
    }

    func pricedCost(of record: UsageRecord, suggest: Bool, memo: inout PricingMemo, itemized: Bool = true) throws(PricingError) -> CostBreakdown {
        // Records of a model, day, channel, service tier and batch flag seen before in this memo, whose
        // prices depend on nothing else: the prices found by comparing those fields (no hashing, no
        // resolution). A fifth of the pricing of a chat import's record went to the two hashed look-ups.
        if let index = memo.recentIndex(of: record) {
            let t = record.tokens
            if !t.countsInRange || t.audioInput + t.imageInput > t.input || t.reasoning + t.audioOutput + t.imageOutput > t.output,
               let why = t.inconsistency {
                throw .inconsistentTokens(why)
            }
            if !itemized, let breakdown = memo.recent[index].bill.cost(t, record.units) { return breakdown }
            return try bill(record, at: memo.recent[index].prices, notes: memo.recent[index].prices.notes, itemized: itemized)
        }
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
            serviceTier: record.serviceTier, batch: record.isBatch, promptTokens: t.promptTokens / requests, memo: &memo,
            rememberFor: record
        )
        if requests > 1, tables[ref.table].models[ref.model].period(on: day)?.longContext != nil {
            prices.notes.append("long-context tier decided on the average prompt (\(t.promptTokens / requests) tokens over \(requests) requests); per-request sizes are unknown")
        }
        return try bill(record, at: prices, notes: prices.notes, itemized: itemized)
    }

    /// The bill of `record` at `prices`, resolved for it: one line per billed quantity, the total, and
    /// `notes` (the prices' own, plus one per quantity the model has no price for).
    private func bill(_ record: UsageRecord, at prices: EffectivePrices, notes: [String], itemized: Bool) throws(PricingError) -> CostBreakdown {
        let t = record.tokens
        var notes = notes
        var components: [CostComponent] = []
        // One allocation for the lines that bill (growing by appends took two or three).
        if itemized {
            components.reserveCapacity((0..<Self.billedLineCount).reduce(0) { $0 + (Self.billedLine($1, t, record.units).quantity != 0 ? 1 : 0) })
        }
        var total = Money.zero
        var billedAny = false
        var unbilled: [String] = []
        for line in 0..<Self.billedLineCount {
            let (name, quantity, key) = Self.billedLine(line, t, record.units)
            guard quantity != 0 else { continue }
            guard quantity > 0 else { throw .inconsistentTokens("\(name) is negative (\(quantity))") }
            guard let price = prices.price(of: key) else {
                unbilled.append(Self.quantityText(quantity, of: key))
                notes.append("\(Self.quantityText(quantity, of: key)) not billed: \(prices.modelID) has no \(key.rawValue) price")
                continue
            }
            guard let cost = Self.cost(quantity: quantity, base: price.base, rate: price.rate, per: key.quantityPerPrice) else { throw .tooLarge }
            if itemized {
                let unitPrice = Money(picodollars: Money.divideRoundingHalfEven(
                    price.base.picodollars * price.rate.numerator, by: price.rate.denominator * (key == .webSearchPer1k ? 1_000 : 1)))
                components.append(CostComponent(name: name, component: key, quantity: quantity, unitPrice: unitPrice, cost: cost, layer: price.layer))
            }
            total += cost
            billedAny = true
        }
        if !billedAny {
            // Nothing the record holds has a price: its cost is unknown, never $0.
            let billing = PriceComponent.allCases.filter { prices.price(of: $0) != nil && $0.fallback == nil && $0 != .webSearchPer1k }
            if !unbilled.isEmpty {
                var units: [String] = []
                for unit in billing.map(\.billingUnit) where !units.contains(unit) { units.append(unit) }
                throw .unbilledQuantities(modelID: prices.modelID, quantities: unbilled, billedBy: units)
            }
            if prices.price(of: .input) == nil && prices.price(of: .output) == nil, let unit = billing.first(where: \.isUnit) {
                throw .missingQuantity(modelID: prices.modelID, unit: unit.billingUnit)
            }
        }
        var breakdown = CostBreakdown(
            resolvedModel: prices.modelID, status: .priced(total: total), components: components,
            periodStart: prices.channelPeriodStart ?? prices.periodStart, layers: prices.layers, notes: notes
        )
        breakdown.timeWindow = prices.timeWindow?.description
        return breakdown
    }

    /// The number of lines `billedLine` numbers.
    static let billedLineCount = 14

    /// "120 seconds of audio", "3 generated images" for notes and unpriced causes.
    static func quantityText(_ quantity: Int, of key: PriceComponent) -> String {
        switch key {
        case .webSearchPer1k: return "\(quantity) web search calls"
        case .perImage: return "\(quantity) generated images"
        case .audioPerMinute: return "\(quantity) seconds of audio"
        case .per1MCharacters: return "\(quantity) characters"
        default: return "\(quantity) \(key.rawValue) tokens"
        }
    }

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
        case 11: ("image_generated", units.imagesGenerated, .perImage)
        case 12: ("audio_seconds", units.audioSeconds, .audioPerMinute)
        default: ("characters", units.characters, .per1MCharacters)
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
