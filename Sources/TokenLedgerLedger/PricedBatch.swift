import Foundation
import TokenLedgerPricing

/// Entries with their computed costs, flattened to `usage_record` rows, ready for
/// `Ledger.insert(_:in:)`. The ledger stores costs; it does not compute them: the import pipeline
/// prices each entry (`BatchPricer`, in the importers) and flattens it into the next batch on its
/// reading thread while the previous one is being written. Cost: the row's derived text columns.
package struct PricedBatch: Sendable {
    let rows: [StoredUsage]
    /// Per row (by index), the earlier copies of its key folded into it (`SupersededCopies`).
    package let superseded: [Int: SupersededCopies]
    /// The report tiers' sums of every row, made on the reading thread (`Builder.sumsTiers`): what the
    /// SQLite writer adds to the tiers when every row of the batch is stored new, as in a first
    /// import. Nil when not made (or a sum overflowed): the writer then sums the rows it stores.
    package let tierSums: RollupAccumulator?

    /// `entries` with their costs, in order; `now` becomes each row's `imported_at`.
    public init(_ priced: [(entry: LedgerEntry, cost: CostBreakdown)], now: Date = Date()) {
        var builder = Builder(capacity: priced.count, now: now)
        for (entry, cost) in priced { builder.append(entry, cost: cost) }
        self = builder.build()
    }

    init(rows: [StoredUsage], superseded: [Int: SupersededCopies] = [:], tierSums: RollupAccumulator? = nil) {
        self.rows = rows
        self.superseded = superseded
        self.tierSums = tierSums
    }

    /// The folded copies by dedup key, for an engine that matches rows by key.
    package var supersededByKey: [String: SupersededCopies] {
        var byKey: [String: SupersededCopies] = [:]
        for (index, copies) in superseded { byKey[rows[index].entry.dedupKey] = copies }
        return byKey
    }

    /// The number of entries.
    public var count: Int { rows.count }

    /// Builds a batch one priced entry at a time, flattening each as it arrives (the import
    /// pipeline's reading thread). Each entry moves into its row: collecting the entries in an array
    /// and flattening them at the end copied every record once more and released the copies (~8 % of
    /// that thread). `imported_at` is the time the batch was started.
    ///
    /// A copy of a key already in the batch is folded into it (`SupersededCopies`): a strictly higher
    /// rank takes the earlier copy's place, anything else is dropped, so the batch writes each key once.
    /// A streamed Claude Code response's placeholder and final line nearly always fall in one batch;
    /// writing both cost an insert and then a replacing upsert through the rollup trigger, about seven
    /// times a plain insert's writer work. Cost: one lookup of the 64-bit key hash per entry.
    public struct Builder: Sendable {
        private let capacity: Int
        private var rows: [StoredUsage] = []
        private var importedAt: Int64
        /// Row index by dedup hash (the first key seen with that hash; another key with the same hash
        /// is appended unfolded and left to the ledger, which tells them apart).
        private var slots: [Int64: Int] = [:]
        private var superseded: [Int: SupersededCopies] = [:]
        /// Whether `build` sums the report tiers of the rows (`PricedBatch.tierSums`), so the SQLite
        /// writer need not: on for an import into the SQLite ledger, where the writer thread sets the
        /// pace (summing took about 7 % of its instructions, a twentieth of the reading thread's).
        package var sumsTiers = false

        /// An empty batch started at `now`, with room for `capacity` entries.
        public init(capacity: Int = 0, now: Date = Date()) {
            self.capacity = capacity
            importedAt = Builder.milliseconds(now)
            rows.reserveCapacity(capacity)
            slots.reserveCapacity(capacity)
        }

        /// The number of entries appended since the batch was started.
        public var count: Int { rows.count }

        /// Adds `entry`, priced at `cost`, as a row.
        public mutating func append(_ entry: consuming LedgerEntry, cost: consuming CostBreakdown) {
            let row = StoredUsage(entry: entry, cost: cost, importedAt: importedAt)
            guard let index = slots[row.dedupHash] else {
                slots[row.dedupHash] = rows.count
                rows.append(row)
                return
            }
            let held = rows[index]
            guard held.entry.dedupKey == row.entry.dedupKey else {
                rows.append(row)
                return
            }
            if row.entry.supersedeRank > held.entry.supersedeRank {
                superseded[index, default: SupersededCopies()].supersede(held.copy)
                rows[index] = row
            } else {
                superseded[index, default: SupersededCopies()].addDuplicate()
            }
        }

        /// The batch so far; the builder starts the next one at `now`.
        public mutating func build(now: Date = Date()) -> PricedBatch {
            var sums: RollupAccumulator?
            if sumsTiers {
                sums = RollupAccumulator()
                for row in rows {
                    do { try sums?.add(row) } catch {
                        sums = nil  // an overflow: the writer sums the rows it stores, and reports it
                        break
                    }
                }
            }
            let batch = PricedBatch(rows: rows, superseded: superseded, tierSums: sums)
            rows = []
            slots.removeAll(keepingCapacity: true)
            superseded = [:]
            rows.reserveCapacity(capacity)
            importedAt = Builder.milliseconds(now)
            return batch
        }

        private static func milliseconds(_ date: Date) -> Int64 {
            Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
    }
}
