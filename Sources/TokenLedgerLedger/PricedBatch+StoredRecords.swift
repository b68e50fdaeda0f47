import Foundation
import TokenLedgerCore

extension PricedBatch {
    /// The batch's rows as the records a ledger would read back (id 0: not stored yet), for a ledger
    /// engine other than this SQLite one (the team ledger's COPY). Cost: one small struct per row; the
    /// strings are shared, not copied.
    public var storedRecords: [StoredRecord] {
        rows.map { row in
            let columns = StoredCostColumns(row.cost)
            return StoredRecord(
                id: 0, entry: row.entry, modelID: row.cost.resolvedModel,
                cost: row.costPicodollars.map { Money(picodollars: Int128($0)) }, unpricedReason: columns.unpricedReason,
                pricePeriod: row.cost.periodStart, priceLayers: row.cost.layers,
                importedAt: Date(timeIntervalSince1970: TimeInterval(row.importedAt) / 1000))
        }
    }
}
