import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerPricing

extension Ledger {
    /// A scope of report-tier keys (all usage, a provider, a project: `BudgetScope.reportFilters`) is
    /// read as a report reads it (`BudgetSums.fromReports`: the day tier and its cut pieces, a few ms
    /// for any period); any other scope reads the period's records (`recordBudgetSums`).
    public func budgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums {
        if let sums = try BudgetSums.fromReports(scope: scope, start: start, end: end, rateStart: rateStart, report: spendReport(for:)) {
            return sums
        }
        return try recordBudgetSums(scope: scope, start: start, end: end, rateStart: rateStart)
    }

    /// The budget sums from the period's records. Cost: a few index probes for the providers with
    /// export rows, one indexed range scan over the period's records (`ts` index), the scope checked
    /// per row; a second, filtered one for the unpriced causes only when something is unpriced.
    package func recordBudgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums {
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

extension BudgetScope {
    /// The scope as a SQL condition on `usage_record` with its arguments. Uses the model/time index
    /// only through `ts`; the remaining conditions are checked per row of the period.
    func sqlCondition() -> (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let model {
            // SQLite GLOB has `*` and `?` like the config's patterns; lower() makes it case-insensitive.
            clauses.append("(lower(coalesce(model_id, '')) GLOB lower(?) OR lower(model) GLOB lower(?))")
            arguments += [model, model]
        }
        if let provider {
            clauses.append("provider = ?")
            arguments += [provider]
        }
        if let project {
            clauses.append("project = ?")
            arguments += [project]
        }
        if let tag {
            clauses.append("json_extract(tags, ?) = ?")
            arguments += [Self.jsonPath(forKey: tag.key), tag.value]
        }
        if let effort {
            clauses.append("effort = ?")
            arguments += [effort]
        }
        if let branch {
            clauses.append("branch = ?")
            arguments += [branch]
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }

    /// `$."key"` with quotes escaped, so tag keys with dots or spaces are one path step.
    static func jsonPath(forKey key: String) -> String {
        "$.\"" + key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
