import Foundation
import TokenLedgerCore

/// Remembers, for one batch of records priced with ONE `PriceBook`, how each logged model name
/// resolved and the prices of each (model, day, channel, service tier, batch) seen, so pricing many
/// records of the same model and day costs a few dictionary look-ups instead of a full price
/// resolution each. Results are identical to unmemoized pricing. Memory: one entry per distinct
/// model name and per distinct price key; use a fresh memo per batch (and never across price books).
package struct PricingMemo: Sendable {
    struct NameKey: Hashable {
        var model: String
        var channel: String?
    }

    /// How a record's model and channel fields resolve.
    struct Resolution {
        var channel: String?
        var mayRoute: Bool
        var ref: PriceBook.ModelRef?
    }

    struct PricesKey: Hashable {
        var ref: PriceBook.ModelRef
        var day: Int
        /// The index of the official period's time window the request falls in; -1 for none.
        var window: Int
        var channel: String?
        var mayRoute: Bool
        var serviceTier: String?
        var batch: Bool
    }

    /// Prices resolved below the long-context tier (nil: the model has none); a prompt the tier
    /// applies to is priced afresh.
    struct Entry {
        var prices: EffectivePrices
        var longContext: LongContextTier?
    }

    /// The prices of a record's model, day, channel, service tier and batch flag, when they depend on
    /// nothing else: the model's period has no time windows and no long-context tier, so the time of
    /// day and the prompt size change nothing. Found by comparing those fields, without hashing.
    struct Recent {
        var model: String
        var channel: String?
        var serviceTier: String?
        var batch: Bool
        var day: Int
        var prices: EffectivePrices
        /// The ledger's bill at `prices`, made ready once.
        var bill: PresetBill
    }

    /// The bill the ledger stores (`itemized: false`) at one set of prices, made ready when they are
    /// remembered: each component's price as one exact fraction of picodollars per unit of quantity,
    /// and the breakdown's names, layers and notes. A record then costs one multiplication and one
    /// rounded division per quantity it holds, and a copy of that breakdown with its total; billing it
    /// from the prices copied them and their breakdown twice, and looked each price up with its layer.
    ///
    /// It answers only what it knows to be the full bill's answer: nil for a record with a negative
    /// quantity, a quantity without a price, nothing billed, or a product beyond Int128, which the full
    /// bill then words (a note, an unpriced cause or an error).
    final class PresetBill: Sendable {
        /// Per `PriceComponent.ordinal`: quantity × numerator / denominator, rounded half-to-even at the
        /// picodollar, is the cost of that quantity — numerator = base picodollars × rate numerator,
        /// denominator = rate denominator × quantity per price, as `PriceBook.cost(quantity:…)` works
        /// it out. Nil without a price, when either product overflows, or for a zero rate on a non-zero
        /// base (whose quantity × base the full bill still checks for overflow).
        let fractions: [(numerator: Int128, denominator: Int128)?]
        /// The breakdown of every record at these prices, with a total of 0. (Copied and given its
        /// total: making it afresh from its fields measured a copy and a release more.)
        let breakdown: CostBreakdown

        init(_ prices: EffectivePrices) {
            fractions = PriceComponent.allCases.map { key in
                guard let price = prices.price(of: key) else { return nil }
                let (numerator, o1) = price.base.picodollars.multipliedReportingOverflow(by: price.rate.numerator)
                let (denominator, o2) = price.rate.denominator.multipliedReportingOverflow(by: key.quantityPerPrice)
                guard !o1, !o2, numerator != 0 || price.base.picodollars == 0 else { return nil }
                return (numerator, denominator)
            }
            var breakdown = CostBreakdown(
                resolvedModel: prices.modelID, status: .priced(total: .zero), components: [],
                periodStart: prices.channelPeriodStart ?? prices.periodStart, layers: prices.layers, notes: prices.notes)
            breakdown.timeWindow = prices.timeWindow?.description
            self.breakdown = breakdown
        }

        /// The breakdown of a record of `tokens` and `units` (consistent counts, checked by the caller),
        /// or nil when the full bill must say what it is (see above).
        func cost(_ tokens: TokenCounts, _ units: UnitCounts) -> CostBreakdown? {
            var total: Int128 = 0
            var billedAny = false
            for line in 0..<PriceBook.billedLineCount {
                let (_, quantity, key) = PriceBook.billedLine(line, tokens, units)
                guard quantity != 0 else { continue }
                guard quantity > 0, let fraction = fractions[key.ordinal] else { return nil }
                let (product, overflow) = Int128(quantity).multipliedReportingOverflow(by: fraction.numerator)
                guard !overflow else { return nil }
                total += Money.divideRoundingHalfEven(product, by: fraction.denominator)
                billedAny = true
            }
            guard billedAny else { return nil }
            var breakdown = breakdown
            breakdown.status = .priced(total: Money(picodollars: total))
            return breakdown
        }
    }

    let enabled: Bool
    var names: [NameKey: Resolution] = [:]
    var prices: [PricesKey: Result<Entry, PricingError>] = [:]
    /// At most `recentLimit` entries, oldest first; a batch rarely has more distinct keys.
    var recent: [Recent] = []
    static let recentLimit = 16

    /// An empty memo.
    public init() { enabled = true }

    /// A memo that remembers nothing (single-record pricing).
    static var disabled: PricingMemo { PricingMemo(enabled: false) }

    private init(enabled: Bool) { self.enabled = enabled }
}

extension PricingMemo {
    /// The index of `record`'s entry in `recent`, or nil. Cost: a few comparisons per entry (a model
    /// name read from a log is usually the same `String` for every record, compared by identity first).
    func recentIndex(of record: UsageRecord) -> Int? {
        guard enabled else { return nil }
        let day = PriceDate.day(of: record.timestamp)
        // The names' lengths first: a batch mixing models fails most comparisons, and a length is read
        // where comparing two different strings is a call.
        let modelLength = record.model.utf8.count
        for i in recent.indices
        where recent[i].day == day && recent[i].batch == record.isBatch && recent[i].model.utf8.count == modelLength
            && recent[i].model == record.model && recent[i].channel == record.channel && recent[i].serviceTier == record.serviceTier {
            return i
        }
        return nil
    }

    /// Remembers `prices` for `record`'s key when they depend on nothing but that key (see `Recent`).
    mutating func remember(_ prices: EffectivePrices, for record: UsageRecord, period: PricePeriod?, longContext: Bool) {
        guard enabled, let period, period.windows.isEmpty, period.longContext == nil, !longContext else { return }
        if recent.count >= PricingMemo.recentLimit { recent.removeFirst() }
        recent.append(Recent(model: record.model, channel: record.channel, serviceTier: record.serviceTier, batch: record.isBatch,
                             day: PriceDate.day(of: record.timestamp), prices: prices, bill: PresetBill(prices)))
    }
}

extension PriceBook {
    /// `record`'s channel, whether a config route may pick one, and its model, resolved (memoized by
    /// the logged model name and channel).
    func resolution(of record: UsageRecord, memo: inout PricingMemo) -> PricingMemo.Resolution {
        let key = PricingMemo.NameKey(model: record.model, channel: record.channel)
        if memo.enabled, let known = memo.names[key] { return known }
        let split = splitChannel(record.model)
        let resolution = PricingMemo.Resolution(
            channel: record.channel == nil ? split.channel : Self.normalizedChannel(record.channel) ?? split.channel,
            mayRoute: record.channel == nil && split.channel == nil,
            ref: resolveRef(split.model))
        if memo.enabled { memo.names[key] = resolution }
        return resolution
    }

    /// `prices(ref:day:...)`, memoized on everything but the prompt size, which only matters for the
    /// model's long-context tier (such requests are priced afresh, never from the memo), and the time of
    /// day, which only matters through the time window it falls in (part of the key).
    /// With `record`, prices that depend only on its model, day, channel, service tier and batch flag
    /// are also remembered in `memo.recent`, where its next records find them without hashing.
    func prices(ref: ModelRef, day: Int, moment: TimeOfDay, channel: String?, mayRoute: Bool, serviceTier: String?, batch: Bool,
                promptTokens: Int, memo: inout PricingMemo, rememberFor record: UsageRecord? = nil) throws(PricingError) -> EffectivePrices {
        guard memo.enabled else {
            return try prices(ref: ref, day: day, moment: moment, channel: channel, mayRoute: mayRoute, serviceTier: serviceTier,
                              batch: batch, promptTokens: promptTokens)
        }
        let period = tables[ref.table].models[ref.model].period(on: day)
        let window = period?.windowIndex(at: moment) ?? -1
        let key = PricingMemo.PricesKey(ref: ref, day: day, window: window, channel: channel, mayRoute: mayRoute, serviceTier: serviceTier, batch: batch)
        let entry: PricingMemo.Entry
        if let known = memo.prices[key] {
            entry = try known.get()
        } else {
            // Resolved below any tier (prompt 0), so the entry serves every prompt the tier leaves alone.
            let result = Result { () throws(PricingError) -> PricingMemo.Entry in
                let (prices, longContext) = try pricesAndLongContext(
                    ref: ref, day: day, moment: moment, channel: channel, mayRoute: mayRoute, serviceTier: serviceTier, batch: batch, promptTokens: 0)
                return PricingMemo.Entry(prices: prices, longContext: longContext)
            }
            memo.prices[key] = result
            entry = try result.get()
        }
        if let tier = entry.longContext, tier.applies(toPrompt: promptTokens) {
            return try prices(ref: ref, day: day, moment: moment, channel: channel, mayRoute: mayRoute, serviceTier: serviceTier,
                              batch: batch, promptTokens: promptTokens)
        }
        if let record { memo.remember(entry.prices, for: record, period: period, longContext: entry.longContext != nil) }
        return entry.prices
    }
}
