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

/// A reprice in progress, for any ledger engine: each stored record's new cost (computed by the
/// caller: the ledger stores costs, the importers' `reprice(with:)` computes them) is compared with
/// what is stored, and summed per model and month. The SQLite ledger and the team ledger feed it
/// their pages, so both print the same `RepriceReport` for the same records.
package struct RepriceTally {
    /// The stored price columns a record gets with the current prices.
    public struct Columns: Sendable, Hashable {
        public var modelID: String?
        public var picodollars: Int64?
        public var unpricedReason: String?
        public var pricePeriod: String?
        /// The layers joined by commas, as stored; nil for none.
        public var priceLayers: String?
    }

    private var byKey: [String: RepriceReport.Line] = [:]
    private var records = 0

    public init() {}

    /// Counts `stored` with its new `cost`; returns its new columns when any differs from the stored
    /// ones (cost, unpriced state, resolved model, price period or layers), else nil.
    public mutating func add(_ stored: StoredRecord, cost: CostBreakdown) -> Columns? {
        records += 1
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
        if isChanged { line.changed += 1 }
        byKey[key] = line
        guard isChanged else { return nil }
        return Columns(modelID: cost.resolvedModel, picodollars: fresh.picodollars, unpricedReason: fresh.unpricedReason,
                       pricePeriod: cost.periodStart, priceLayers: fresh.priceLayers)
    }

    /// The report of every record added so far.
    public func report(applied: Bool) -> RepriceReport {
        var report = RepriceReport()
        report.applied = applied
        report.records = records
        report.lines = byKey.values.sorted { ($0.month, $0.model) < ($1.month, $1.model) }
        report.changed = report.lines.reduce(0) { $0 + $1.changed }
        return report
    }
}

extension Ledger {
    /// Gives every stored record the cost `costs` computes for it (one call per page, the records in
    /// id order, one cost each); writes the changes when `apply` is true (a dry run otherwise). Works
    /// in pages of `pageSize` records, each page one IMMEDIATE transaction, so an import running at the
    /// same time waits briefly rather than failing, and memory stays flat.
    public func reprice(apply: Bool, pageSize: Int = 5000, costs: ([UsageRecord]) -> [CostBreakdown]) throws -> RepriceReport {
        try withoutActuallyEscaping(costs) { costs in try repricePages(apply: apply, pageSize: pageSize, costs: costs) }
    }

    private func repricePages(apply: Bool, pageSize: Int, costs: @escaping ([UsageRecord]) -> [CostBreakdown]) throws -> RepriceReport {
        var tally = RepriceTally()
        var lastID: Int64 = 0
        while true {
            let work = { (db: Database) throws -> (Int64?, Int) in
                let records = try Ledger.storedRecords(afterID: lastID, limit: pageSize, in: db)
                let fresh = costs(records.map(\.record))
                var changedRows: [(id: Int64, columns: RepriceTally.Columns)] = []
                for (stored, cost) in zip(records, fresh) {
                    if let columns = tally.add(stored, cost: cost) { changedRows.append((stored.id, columns)) }
                }
                if apply {
                    let update = try db.cachedStatement(sql: """
                        UPDATE usage_record SET model_id = ?, cost_pusd = ?, unpriced_reason = ?, price_period = ?, price_layers = ?
                        WHERE id = ?
                        """)
                    for row in changedRows {
                        let c = row.columns
                        try update.execute(arguments: [c.modelID, c.picodollars, c.unpricedReason, c.pricePeriod, c.priceLayers, row.id])
                    }
                }
                return (records.last?.id, records.count)
            }
            let page = apply ? try writer.write(work) : try writer.read(work)
            guard let last = page.0, page.1 == pageSize else { break }
            lastID = last
        }
        return tally.report(applied: apply)
    }
}
