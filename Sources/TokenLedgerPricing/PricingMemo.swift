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
        for i in recent.indices
        where recent[i].day == day && recent[i].batch == record.isBatch && recent[i].model == record.model
            && recent[i].channel == record.channel && recent[i].serviceTier == record.serviceTier {
            return i
        }
        return nil
    }

    /// Remembers `prices` for `record`'s key when they depend on nothing but that key (see `Recent`).
    mutating func remember(_ prices: EffectivePrices, for record: UsageRecord, period: PricePeriod?, longContext: Bool) {
        guard enabled, let period, period.windows.isEmpty, period.longContext == nil, !longContext else { return }
        if recent.count >= PricingMemo.recentLimit { recent.removeFirst() }
        recent.append(Recent(model: record.model, channel: record.channel, serviceTier: record.serviceTier, batch: record.isBatch,
                             day: PriceDate.day(of: record.timestamp), prices: prices))
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
