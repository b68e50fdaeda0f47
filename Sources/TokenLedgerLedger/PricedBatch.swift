import Foundation
import TokenLedgerPricing

/// Entries priced and flattened to `usage_record` rows, ready for `Ledger.insert(_:in:)`. Pricing and
/// flattening need no database, so the import pipeline builds the next batch on its reading thread
/// while the previous one is being written. Cost: one `PriceBook.cost(of:memo:)` per entry (memoized
/// per batch) and the row's derived text columns.
package struct PricedBatch: Sendable {
    let rows: [StoredUsage]

    /// Prices `entries` with `pricing`; `now` becomes each row's `imported_at`.
    public init(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) {
        var builder = Builder(pricing: pricing, capacity: entries.count, now: now)
        for entry in entries { builder.append(entry) }
        self = builder.build()
    }

    init(rows: [StoredUsage]) { self.rows = rows }

    /// The number of entries.
    public var count: Int { rows.count }

    /// Builds a batch one entry at a time, pricing and flattening each as it arrives (the import
    /// pipeline's reading thread). Each entry moves into its row: collecting the entries in an array
    /// and pricing them at the end copied every record once more and released the copies (~8 % of
    /// that thread). `imported_at` is the time the batch was started.
    public struct Builder: Sendable {
        private let pricing: PriceBook
        private let capacity: Int
        private var memo = PricingMemo()
        private var rows: [StoredUsage] = []
        private var importedAt: Int64

        /// An empty batch started at `now`, with room for `capacity` entries.
        public init(pricing: PriceBook, capacity: Int = 0, now: Date = Date()) {
            self.pricing = pricing
            self.capacity = capacity
            importedAt = Builder.milliseconds(now)
            rows.reserveCapacity(capacity)
        }

        /// The number of entries appended since the batch was started.
        public var count: Int { rows.count }

        /// Prices `entry` (memoized per batch) and adds it as a row.
        public mutating func append(_ entry: consuming LedgerEntry) {
            let cost = pricing.cost(of: entry.record, memo: &memo, itemized: false)
            rows.append(StoredUsage(entry: entry, cost: cost, importedAt: importedAt))
        }

        /// The batch so far; the builder starts the next one at `now`, with a fresh memo.
        public mutating func build(now: Date = Date()) -> PricedBatch {
            let batch = PricedBatch(rows: rows)
            rows = []
            rows.reserveCapacity(capacity)
            memo = PricingMemo()
            importedAt = Builder.milliseconds(now)
            return batch
        }

        private static func milliseconds(_ date: Date) -> Int64 {
            Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
    }
}
