import Foundation
import TokenLedgerCore
import TokenLedgerPricing

/// Summed usage and cost of a set of ledger records (a row, or the totals).
///
/// Token columns follow the ledger's canonical rule: `inputTokens` is uncached input, `cacheWriteTokens`
/// is 5-minute + 1-hour cache writes, `outputTokens` includes `reasoningTokens`. `cost` is the exact sum
/// of the *priced* records only; when `unpricedRecords > 0` it is a lower bound.
public struct UsageTotals: Sendable, Equatable {
    public var requests = 0
    public var inputTokens = 0
    public var cacheReadTokens = 0
    public var cacheWriteTokens = 0
    public var outputTokens = 0
    public var reasoningTokens = 0
    /// Exact sum of computed costs of the priced records.
    public var cost = Money.zero
    /// Ledger records counted (priced + unpriced).
    public var records = 0
    /// Records with no computed cost (`cost_pusd IS NULL`), and their requests and tokens.
    public var unpricedRecords = 0
    public var unpricedRequests = 0
    public var unpricedTokens = 0
    /// Provider-reported vs computed cost, when the query asked to reconcile.
    public var reconciliation: Reconciliation?

    public init() {}

    /// input + cache read + cache write + output (reasoning is inside output).
    public var totalTokens: Int { inputTokens + cacheReadTokens + cacheWriteTokens + outputTokens }
    /// True when some records had no price, so `cost` is a lower bound.
    public var isLowerBound: Bool { unpricedRecords > 0 }
    /// True when no record had a price: the cost is unknown, not zero.
    public var isUnpriced: Bool { records > 0 && unpricedRecords == records }

    /// Adds another total (rolling rows up).
    public mutating func add(_ other: UsageTotals) {
        requests += other.requests
        inputTokens += other.inputTokens
        cacheReadTokens += other.cacheReadTokens
        cacheWriteTokens += other.cacheWriteTokens
        outputTokens += other.outputTokens
        reasoningTokens += other.reasoningTokens
        cost += other.cost
        records += other.records
        unpricedRecords += other.unpricedRecords
        unpricedRequests += other.unpricedRequests
        unpricedTokens += other.unpricedTokens
        if let theirs = other.reconciliation {
            var mine = reconciliation ?? Reconciliation()
            mine.add(theirs)
            reconciliation = mine
        }
    }
}

/// Provider-reported cost next to TokenLedger's computed cost for the same records.
///
/// Only records that carried a reported cost count. `reported` and `computed` are over the records that
/// have both; `reportedUnpriced` is the reported amount of records TokenLedger could not price.
public struct Reconciliation: Sendable, Equatable {
    public var records = 0
    public var reported = Money.zero
    public var computed = Money.zero
    public var unpricedRecords = 0
    public var reportedUnpriced = Money.zero

    public init() {}

    /// reported − computed (positive: the provider billed more than the price table says).
    public var difference: Money { reported - computed }

    public mutating func add(_ other: Reconciliation) {
        records += other.records
        reported += other.reported
        computed += other.computed
        unpricedRecords += other.unpricedRecords
        reportedUnpriced += other.reportedUnpriced
    }
}

/// One row of a report: its group key values (in `--by` order) and its totals.
public struct SpendRow: Sendable, Equatable {
    /// One label per `--by` key; nil when the records had no value (no project, no tag …).
    public var keys: [String?]
    /// False when the `model` key is the name as logged because the model id was not resolved.
    public var modelResolved: Bool
    public var usage: UsageTotals

    package init(keys: [String?], modelResolved: Bool = true, usage: UsageTotals) {
        self.keys = keys
        self.modelResolved = modelResolved
        self.usage = usage
    }
}

/// Usage that has no computed cost: shown on its own line, never as $0.
public struct UnpricedSummary: Sendable, Equatable {
    public var records = 0
    public var requests = 0
    public var tokens = 0
    /// Models (resolved id, or the name as logged) that lacked a price, sorted.
    public var models: [String] = []
    /// The same records by why they are unpriced, each with the step that fixes it.
    public var causes: [UnpricedCauseCount] = []

    public init() {}
}

/// A spend report: rows grouped as asked, exact totals, and what could not be priced.
public struct SpendReport: Sendable {
    /// The dimensions of `rows[i].keys`, in order.
    public var groupBy: [GroupDimension]
    public var period: ReportPeriod
    public var timeZone: TimeZone
    public var rows: [SpendRow]
    public var totals: UsageTotals
    public var unpriced: UnpricedSummary
    /// True when the query asked for reported-vs-computed columns.
    public var reconciled: Bool
    /// Providers whose aggregate rows (usage/cost exports) were reported because they had no per-request rows.
    public var aggregateProviders: [String]
    /// Providers whose aggregate rows were left out because their per-request rows cover the same spend.
    public var skippedAggregateProviders: [String]

    package init(groupBy: [GroupDimension], period: ReportPeriod, timeZone: TimeZone, rows: [SpendRow],
                totals: UsageTotals, unpriced: UnpricedSummary, reconciled: Bool,
                aggregateProviders: [String] = [], skippedAggregateProviders: [String] = []) {
        self.groupBy = groupBy
        self.period = period
        self.timeZone = timeZone
        self.rows = rows
        self.totals = totals
        self.unpriced = unpriced
        self.reconciled = reconciled
        self.aggregateProviders = aggregateProviders
        self.skippedAggregateProviders = skippedAggregateProviders
    }

    /// True when unpriced usage exists, so every cost total is a lower bound.
    public var isLowerBound: Bool { unpriced.records > 0 }

    /// A row's share of the priced total, exact to 4 decimals (0.4123 = 41.23 %); nil when unknown.
    public func share(of usage: UsageTotals) -> ExactDecimal? {
        guard !usage.isUnpriced, totals.cost.picodollars > 0 else { return nil }
        let scaled = Money.divideRoundingHalfEven(usage.cost.picodollars * 10_000, by: totals.cost.picodollars)
        return ExactDecimal(significand: scaled, fractionDigits: 4)
    }

    /// The same report rolled up to fewer dimensions (a subset of `groupBy`, in any order), summing exactly.
    public func rolledUp(to dimensions: [GroupDimension]) -> SpendReport {
        let indices = dimensions.compactMap { groupBy.firstIndex(of: $0) }
        var order: [[String?]] = []
        var merged: [[String?]: SpendRow] = [:]
        for row in rows {
            let keys = indices.map { row.keys[$0] }
            let resolved = dimensions.contains(.model) ? row.modelResolved : true
            let mapKey = keys + [resolved ? nil : "\u{0}unresolved"]
            if var existing = merged[mapKey] {
                existing.usage.add(row.usage)
                merged[mapKey] = existing
            } else {
                order.append(mapKey)
                merged[mapKey] = SpendRow(keys: keys, modelResolved: resolved, usage: row.usage)
            }
        }
        var copy = self
        copy.groupBy = indices.map { groupBy[$0] }
        copy.rows = SpendReport.sorted(order.compactMap { merged[$0] }, by: copy.groupBy)
        return copy
    }

    /// Row order: chronological when the first key is a day/week/month, else by cost (highest first,
    /// unpriced rows last by tokens), ties by key.
    package static func sorted(_ rows: [SpendRow], by groupBy: [GroupDimension]) -> [SpendRow] {
        func keyOrder(_ a: SpendRow, _ b: SpendRow) -> Bool? {
            for (x, y) in zip(a.keys, b.keys) where x != y {
                switch (x, y) {
                case (nil, _): return false
                case (_, nil): return true
                case (let x?, let y?): return x < y
                }
            }
            return nil
        }
        func costOrder(_ a: SpendRow, _ b: SpendRow) -> Bool? {
            if a.usage.isUnpriced != b.usage.isUnpriced { return !a.usage.isUnpriced }
            if a.usage.cost != b.usage.cost { return a.usage.cost > b.usage.cost }
            if a.usage.totalTokens != b.usage.totalTokens { return a.usage.totalTokens > b.usage.totalTokens }
            return nil
        }
        let chronological = groupBy.first?.isTime ?? false
        return rows.sorted { a, b in
            if chronological {
                if let o = keyOrder(a, b) { return o }
                return costOrder(a, b) ?? (a.modelResolved && !b.modelResolved)
            }
            if let o = costOrder(a, b) { return o }
            return keyOrder(a, b) ?? (a.modelResolved && !b.modelResolved)
        }
    }
}
