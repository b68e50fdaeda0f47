import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// Prices entries for the ledger as they are read and gathers them into `PricedBatch`es: the one
/// place an import computes costs (the ledger only stores them). Cost: one
/// `PriceBook.cost(of:memo:itemized: false)` per entry, memoized per batch, so memory stays flat.
package struct BatchPricer: Sendable {
    private let pricing: PriceBook
    private var memo = PricingMemo()
    private var builder: PricedBatch.Builder

    /// An empty batch priced with `pricing`, started at `now`, with room for `capacity` entries;
    /// `sumsTiers` sums each batch's report tiers as it is built (`PricedBatch.Builder.sumsTiers`).
    package init(pricing: PriceBook, capacity: Int = 0, now: Date = Date(), sumsTiers: Bool = false) {
        self.pricing = pricing
        builder = PricedBatch.Builder(capacity: capacity, now: now)
        builder.sumsTiers = sumsTiers
    }

    /// The number of entries appended since the batch was started.
    package var count: Int { builder.count }

    /// Prices `entry` (memoized per batch) and adds it to the batch.
    package mutating func append(_ entry: consuming LedgerEntry) {
        let cost = pricing.cost(of: entry.record, memo: &memo, itemized: false)
        builder.append(entry, cost: cost)
    }

    /// The batch so far; the next one starts at `now`, with a fresh memo.
    package mutating func build(now: Date = Date()) -> PricedBatch {
        memo = PricingMemo()
        return builder.build(now: now)
    }
}

extension PricedBatch {
    /// `entries` priced with `pricing`; `now` becomes each row's `imported_at`.
    public init(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) {
        var pricer = BatchPricer(pricing: pricing, capacity: entries.count, now: now)
        for entry in entries { pricer.append(entry) }
        self = pricer.build()
    }
}

extension Ledger {
    /// Prices `entries` with `pricing` and stores them in one transaction. Re-inserting an entry adds nothing.
    @discardableResult
    package func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) throws -> InsertCounts {
        try insert(PricedBatch(entries, pricing: pricing, now: now))
    }
}

extension LedgerStore {
    /// Recomputes every stored cost with `pricing`; writes the changes when `apply` is true (a dry run
    /// otherwise). Each page of `pageSize` records is priced with a fresh memo (the same results as
    /// pricing each record alone; repeated models and days skip the lookups), so memory stays flat.
    public func reprice(with pricing: PriceBook, apply: Bool, pageSize: Int = 5_000) throws -> RepriceReport {
        try reprice(apply: apply, pageSize: pageSize) { records in
            var memo = PricingMemo()
            return records.map { pricing.cost(of: $0, memo: &memo) }
        }
    }
}
