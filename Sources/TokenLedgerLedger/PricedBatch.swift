import Foundation
import TokenLedgerPricing

/// Entries with their computed costs, flattened to `usage_record` rows, ready for
/// `Ledger.insert(_:in:)`. The ledger stores costs; it does not compute them: the import pipeline
/// prices each entry (`BatchPricer`, in the importers) and flattens it into the next batch on its
/// reading thread while the previous one is being written. Cost: the row's derived text columns.
package struct PricedBatch: Sendable {
    let rows: [StoredUsage]

    /// `entries` with their costs, in order; `now` becomes each row's `imported_at`.
    public init(_ priced: [(entry: LedgerEntry, cost: CostBreakdown)], now: Date = Date()) {
        var builder = Builder(capacity: priced.count, now: now)
        for (entry, cost) in priced { builder.append(entry, cost: cost) }
        self = builder.build()
    }

    init(rows: [StoredUsage]) { self.rows = rows }

    /// The number of entries.
    public var count: Int { rows.count }

    /// Builds a batch one priced entry at a time, flattening each as it arrives (the import
    /// pipeline's reading thread). Each entry moves into its row: collecting the entries in an array
    /// and flattening them at the end copied every record once more and released the copies (~8 % of
    /// that thread). `imported_at` is the time the batch was started.
    public struct Builder: Sendable {
        private let capacity: Int
        private var rows: [StoredUsage] = []
        private var importedAt: Int64

        /// An empty batch started at `now`, with room for `capacity` entries.
        public init(capacity: Int = 0, now: Date = Date()) {
            self.capacity = capacity
            importedAt = Builder.milliseconds(now)
            rows.reserveCapacity(capacity)
        }

        /// The number of entries appended since the batch was started.
        public var count: Int { rows.count }

        /// Adds `entry`, priced at `cost`, as a row.
        public mutating func append(_ entry: consuming LedgerEntry, cost: CostBreakdown) {
            rows.append(StoredUsage(entry: entry, cost: cost, importedAt: importedAt))
        }

        /// The batch so far; the builder starts the next one at `now`.
        public mutating func build(now: Date = Date()) -> PricedBatch {
            let batch = PricedBatch(rows: rows)
            rows = []
            rows.reserveCapacity(capacity)
            importedAt = Builder.milliseconds(now)
            return batch
        }

        private static func milliseconds(_ date: Date) -> Int64 {
            Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
    }
}
