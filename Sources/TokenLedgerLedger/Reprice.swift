import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerPricing

/// What `reprice` found (and, unless it was a dry run, changed): one line per model and month.
public struct RepriceReport: Sendable, Hashable {
    /// The cost difference for one model in one calendar month (UTC).
    public struct Line: Sendable, Hashable {
        /// The resolved model id, else the model name as logged.
        public var model: String
        /// "2026-11".
        public var month: String
        /// Records of this model and month.
        public var records = 0
        /// Records whose cost, price period, layers or unpriced state changed.
        public var changed = 0
        /// Sum of priced costs before and after (unpriced records add nothing and are counted apart).
        public var before = Money.zero
        public var after = Money.zero
        public var unpricedBefore = 0
        public var unpricedAfter = 0

        public var difference: Money { after - before }
    }

    /// One line per model and month, by month then model.
    public var lines: [Line] = []
    /// Records examined, and records whose stored cost changed (or would change).
    public var records = 0
    public var changed = 0
    /// False for `--dry-run`: nothing was written.
    public var applied = false

    /// Totals of priced costs before and after, over every line.
    public var before: Money { lines.map(\.before).sum() }
    public var after: Money { lines.map(\.after).sum() }
}

extension Ledger {
    /// Recomputes every stored cost with `pricing`; writes the changes when `apply` is true (a dry run
    /// otherwise). Works in pages of `pageSize` records, each page one IMMEDIATE transaction, so an
    /// import running at the same time waits briefly rather than failing, and memory stays flat.
    public func reprice(with pricing: PriceBook, apply: Bool, pageSize: Int = 5000) throws -> RepriceReport {
        var byKey: [String: RepriceReport.Line] = [:]
        var report = RepriceReport()
        report.applied = apply
        var lastID: Int64 = 0
        while true {
            let work = { (db: Database) throws -> (Int64?, [StoredRecord]) in
                let records = try Ledger.storedRecords(afterID: lastID, limit: pageSize, in: db)
                var changedRows: [(id: Int64, cost: CostBreakdown, columns: StoredCostColumns)] = []
                // Same results as pricing each record alone; repeated models and days skip the lookups.
                var memo = PricingMemo()
                for stored in records {
                    let cost = pricing.cost(of: stored.record, memo: &memo)
                    let fresh = StoredCostColumns(cost)
                    let newCost = fresh.picodollars.map { Money(picodollars: Int128($0)) }
                    let isChanged = newCost != stored.cost || fresh.unpricedReason != stored.unpricedReason
                        || cost.resolvedModel != stored.modelID || cost.periodStart != stored.pricePeriod
                        || cost.layers != stored.priceLayers
                    let month = String(Timestamp.iso8601(stored.record.timestamp).prefix(7))
                    let model = stored.modelID ?? stored.record.model
                    let key = model + "\u{0}" + month
                    var line = byKey[key] ?? RepriceReport.Line(model: model, month: month)
                    line.records += 1
                    if let c = stored.cost { line.before += c } else { line.unpricedBefore += 1 }
                    if let c = newCost { line.after += c } else { line.unpricedAfter += 1 }
                    if isChanged {
                        line.changed += 1
                        changedRows.append((stored.id, cost, fresh))
                    }
                    byKey[key] = line
                }
                if apply {
                    let update = try db.cachedStatement(sql: """
                        UPDATE usage_record SET model_id = ?, cost_pusd = ?, unpriced_reason = ?, price_period = ?, price_layers = ?
                        WHERE id = ?
                        """)
                    for row in changedRows {
                        try update.execute(arguments: [
                            row.cost.resolvedModel, row.columns.picodollars, row.columns.unpricedReason, row.cost.periodStart,
                            row.columns.priceLayers, row.id,
                        ])
                    }
                }
                return (records.last?.id, records)
            }
            let page = apply ? try writer.write(work) : try writer.read(work)
            report.records += page.1.count
            guard let last = page.0, page.1.count == pageSize else { break }
            lastID = last
        }
        report.lines = byKey.values.sorted { ($0.month, $0.model) < ($1.month, $1.model) }
        report.changed = report.lines.reduce(0) { $0 + $1.changed }
        return report
    }
}
