import Foundation
import TokenLedgerCore
import TokenLedgerPricing

extension BudgetScope {
    /// The scope as report filters when every condition it sets is a key of the report tiers
    /// (provider, project; none for all usage): then its sums can be read as a report reads them. Nil
    /// for a model pattern (a case-insensitive glob on two columns, which a report's exact `--model`
    /// is not), a tag, an effort or a branch: those budgets read the period's records.
    package var reportFilters: (providers: [String], projects: [String])? {
        guard model == nil, tag == nil, effort == nil, branch == nil else { return nil }
        return (provider.map { [$0] } ?? [], project.map { [$0] } ?? [])
    }
}

extension BudgetSums {
    /// The sums of `scope` in `[start, end)` and in `[rateStart, end)` (Unix ms), read through spend
    /// reports (`report`: the engine's `spendReport(for:)`, which answers from the day tier and its cut
    /// pieces, exactly) when the scope is made of tier keys (`BudgetScope.reportFilters`); nil otherwise.
    ///
    /// The same records count as in the engine's scan of the period: the whole period with
    /// `AggregatePolicy.auto`; the rate window with the period's choice of export rows (per-request
    /// rows, plus the export rows of the providers the period counts them for), so a provider with
    /// per-request records earlier in the period is not counted twice in its last days. Cost: one report
    /// of the period and one or two of the rate window (each a grouped read of the day tier, ms).
    package static func fromReports(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64,
                                    report: (ReportQuery) throws -> SpendReport) throws -> BudgetSums? {
        guard let filters = scope.reportFilters, start >= 0 else { return nil }
        func query(from: Int64, _ aggregates: AggregatePolicy) -> ReportQuery {
            ReportQuery(groupBy: [.provider],
                        period: ReportPeriod(since: Date(timeIntervalSince1970: Double(from) / 1000),
                                             until: Date(timeIntervalSince1970: Double(end) / 1000)),
                        timeZone: TimeZone(identifier: "UTC") ?? .current,
                        providers: filters.providers, projects: filters.projects, aggregates: aggregates)
        }
        guard start < end else { return BudgetSums() }
        let period = try report(query(from: start, .auto))
        var sums = BudgetSums(spent: period.totals.cost.picodollars, unpricedRecords: period.totals.unpricedRecords,
                              records: period.totals.records, unpricedCauses: period.unpriced.causes)
        let rateFrom = max(rateStart, start)
        guard rateFrom < end else { return sums }
        sums.recentSpent = try report(query(from: rateFrom, .exclude)).totals.cost.picodollars
        if !period.aggregateProviders.isEmpty {
            for row in try report(query(from: rateFrom, .only)).rows
            where row.keys.first.flatMap({ $0 }).map(period.aggregateProviders.contains) ?? false {
                sums.recentSpent += row.usage.cost.picodollars
            }
        }
        return sums
    }
}
