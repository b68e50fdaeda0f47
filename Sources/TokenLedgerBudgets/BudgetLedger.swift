import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

/// Sums of one budget period read from a ledger: what `BudgetReading` needs.
public struct BudgetSums: Sendable, Hashable {
    /// Picodollars of the priced records in the period, and of those since the forecast's rate window began.
    public var spent: Int128
    public var recentSpent: Int128
    /// Records with no price, and all records, in the period.
    public var unpricedRecords: Int
    public var records: Int
    /// The unpriced records by why they are unpriced (empty when all are priced).
    public var unpricedCauses: [UnpricedCauseCount]

    public init(spent: Int128 = 0, recentSpent: Int128 = 0, unpricedRecords: Int = 0, records: Int = 0, unpricedCauses: [UnpricedCauseCount] = []) {
        self.spent = spent
        self.recentSpent = recentSpent
        self.unpricedRecords = unpricedRecords
        self.records = records
        self.unpricedCauses = unpricedCauses
    }
}

/// Where budgets read spend and remember their alerts: the local SQLite `Ledger`, or a team ledger
/// on PostgreSQL (TokenLedgerPostgres's `TeamLedger`), whose alert memory is shared by every machine.
public protocol BudgetLedger: Sendable {
    /// Spend of the records in scope with `start <= ts < end` (Unix ms), and of those with
    /// `ts >= rateStart`, and the unpriced ones by cause. Aggregate export rows count as in a report
    /// of the period (`AggregatePolicy.auto`): a provider's export rows are left out when it has
    /// per-request records in the period, so the same spend is never counted twice.
    func budgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums
    /// Every remembered alert, optionally of one budget, oldest first.
    func alerts(budget: String?) throws -> [AlertRecord]
    /// Fires one alert at most once across overlapping processes (see `Ledger.claimAlert`).
    func claimAlert(_ key: AlertKey, now: Date, isSuperseded: ([AlertRecord]) -> Bool, deliver: () -> String?) throws -> AlertClaimOutcome
}

extension Ledger: BudgetLedger {
    /// Cost: a few index probes for the providers with export rows, one indexed range scan over the
    /// period's records (`ts` index), the scope checked per row; a second, filtered one for the
    /// unpriced causes only when something is unpriced.
    public func budgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums {
        let skipped = try reader.read { db in
            try AggregatePolicy.auto.split(Ledger.aggregateProviders(db, startMillis: start, endMillis: end)).skipped
        }
        var (condition, scopeArguments) = scope.sqlCondition()
        if !skipped.isEmpty {
            condition += " AND NOT (is_aggregate = 1 AND provider IN (\(skipped.map { _ in "?" }.joined(separator: ", "))))"
            scopeArguments += StatementArguments(skipped)
        }
        var sums: BudgetSums = try reader.read { db in
            // One pass: total spend, trailing-window spend, unpriced count, record count.
            let sql = """
                SELECT coalesce(sum(cost_pusd), 0),
                       coalesce(sum(CASE WHEN ts >= ? THEN cost_pusd END), 0),
                       coalesce(sum(cost_pusd IS NULL), 0),
                       count(*)
                FROM usage_record
                WHERE ts >= ? AND ts < ? AND \(condition)
                """
            var arguments: StatementArguments = [rateStart, start, end]
            arguments += scopeArguments
            guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return BudgetSums() }
            return BudgetSums(spent: Int128(row[0] as Int64), recentSpent: Int128(row[1] as Int64), unpricedRecords: row[2], records: row[3])
        }
        if sums.unpricedRecords > 0 {
            // Only when something is unpriced: which causes, from the stored reasons.
            let rows = try reader.read { db in
                var arguments: StatementArguments = [start, end]
                arguments += scopeArguments
                return try Row.fetchAll(db, sql: """
                    SELECT coalesce(unpriced_reason, ''), coalesce(model_id, model), count(*), coalesce(sum(request_count), 0)
                    FROM usage_record WHERE ts >= ? AND ts < ? AND cost_pusd IS NULL AND \(condition) GROUP BY 1, 2
                    """, arguments: arguments)
            }
            sums.unpricedCauses = UnpricedCauseCount.group(rows.map { (reason: $0[0], model: $0[1], records: $0[2], requests: $0[3]) })
        }
        return sums
    }
}
