import Foundation
import TokenLedgerBudgets
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

/// Budgets on the team ledger: spend read from every machine's records, and one alert memory for the
/// whole team — two machines running `budget check` at the same moment deliver each alert once.
///
/// `BudgetChecker` is synchronous (it runs an alert's command or webhook inside the claim), as is the
/// connection: these methods run on the calling thread.
extension TeamLedger {
    /// A scope of report-tier keys (all usage, a provider, a project: `BudgetScope.reportFilters`) is
    /// read as a report reads it (`BudgetSums.fromReports`, the same plan as on SQLite); any other scope
    /// reads the period's records (`recordBudgetSums`).
    public func budgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums {
        if let sums = try BudgetSums.fromReports(scope: scope, start: start, end: end, rateStart: rateStart, report: spendReport(for:)) {
            return sums
        }
        return try recordBudgetSums(scope: scope, start: start, end: end, rateStart: rateStart)
    }

    /// The budget sums from the period's records. Cost: a probe per provider with export rows (left
    /// out where per-request records cover the same spend, as in a report), then one scan of the
    /// period's records through the `ts` index, the scope checked per row.
    func recordBudgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums {
        try run {
            let skipped = AggregatePolicy.auto.split(try aggregateProviders(since: start, until: end)).skipped
            var binds: [any PostgresParameter] = [rateStart, start, end]
            let condition = Self.condition(for: scope, skippingAggregatesOf: skipped, binds: &binds)
            let rows = try connection.execute("""
                SELECT coalesce(sum(cost_pusd), 0)::text, coalesce(sum(cost_pusd) FILTER (WHERE ts >= $1), 0)::text,
                       count(*) FILTER (WHERE cost_pusd IS NULL), count(*)
                FROM usage_record WHERE ts >= $2 AND ts < $3 AND \(condition)
                """, binds)
            guard rows.count > 0 else { return BudgetSums() }
            guard let spent = Int128(try rows.requiredText(0, 0)), let recent = Int128(try rows.requiredText(0, 1)) else {
                throw TeamLedgerError.server(address: address.description, message: "a budget sum is not an integer")
            }
            let unpriced = try rows.requiredInt64(0, 2)
            var sums = BudgetSums(spent: spent, recentSpent: recent, unpricedRecords: Int(unpriced), records: Int(try rows.requiredInt64(0, 3)))
            if unpriced > 0 {
                var causeBinds: [any PostgresParameter] = [start, end]
                let causeCondition = Self.condition(for: scope, skippingAggregatesOf: skipped, binds: &causeBinds)
                let causes = try connection.execute("""
                    SELECT coalesce(unpriced_reason, ''), coalesce(model_id, model), count(*), coalesce(sum(request_count), 0)::bigint
                    FROM usage_record WHERE ts >= $1 AND ts < $2 AND cost_pusd IS NULL AND \(causeCondition) GROUP BY 1, 2
                    """, causeBinds)
                sums.unpricedCauses = UnpricedCauseCount.group(try (0..<causes.count).map { row in
                    (reason: try causes.requiredText(row, 0), model: try causes.requiredText(row, 1),
                     records: Int(try causes.requiredInt64(row, 2)), requests: Int(try causes.requiredInt64(row, 3)))
                })
            }
            return sums
        }
    }

    public func alerts(budget: String?) throws -> [AlertRecord] {
        try run {
            let select = "SELECT budget, period_start, kind, fired_at, delivered_at, last_error FROM alert_state"
            let rows = try budget.map { try connection.execute(select + " WHERE budget = $1 ORDER BY fired_at, kind", [$0]) }
                ?? connection.execute(select + " ORDER BY fired_at, budget, kind")
            return try Self.alertRecords(rows)
        }
    }

    /// As `Ledger.claimAlert`, for the whole team: in one transaction holding an advisory lock on the
    /// budget's name (so a second machine's check waits for this one), read the period's alerts, skip
    /// when delivered or superseded, else record the alert, run `deliver`, and record the outcome with
    /// this machine's name. A crash during `deliver` rolls the claim back: the alert fires again next run.
    public func claimAlert(_ key: AlertKey, now: Date, isSuperseded: ([AlertRecord]) -> Bool, deliver: () -> String?) throws -> AlertClaimOutcome {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let machine = self.machine
        return try transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["tokenledger-alert:" + key.budget])
            let rows = try Self.alertRecords(connection.execute(
                "SELECT budget, period_start, kind, fired_at, delivered_at, last_error FROM alert_state WHERE budget = $1 AND period_start = $2",
                [key.budget, key.periodStart]))
            let existing = rows.first { $0.key.kind == key.kind }
            if existing?.deliveredAt != nil || isSuperseded(rows) { return .skipped }
            let retry = existing != nil
            try connection.execute("""
                INSERT INTO alert_state (budget, period_start, kind, fired_at, delivered_at, last_error)
                VALUES ($1, $2, $3, $4, NULL, NULL) ON CONFLICT (budget, period_start, kind) DO NOTHING
                """, [key.budget, key.periodStart, key.kind, nowMillis])
            let failure = deliver()
            try connection.execute("""
                UPDATE alert_state SET delivered_at = $4, last_error = $5, machine = $6
                WHERE budget = $1 AND period_start = $2 AND kind = $3
                """, [key.budget, key.periodStart, key.kind, (failure == nil ? nowMillis : nil) as Int64?, failure, machine])
            return failure.map { .failed(reason: $0, retry: retry) } ?? .delivered(retry: retry)
        }
    }

    /// The `alert_state` rows of `rows` (columns as the queries above select them).
    private static func alertRecords(_ rows: PostgresRows) throws -> [AlertRecord] {
        try (0..<rows.count).map { row in
            AlertRecord(
                key: AlertKey(budget: try rows.requiredText(row, 0), periodStart: try rows.requiredText(row, 1), kind: try rows.requiredText(row, 2)),
                firedAt: Date(timeIntervalSince1970: TimeInterval(try rows.requiredInt64(row, 3)) / 1000),
                deliveredAt: try rows.int64(row, 4).map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }, lastError: rows.text(row, 5))
        }
    }

    /// A budget scope as a PostgreSQL condition, with its values appended to `binds`: the SQLite
    /// ledger's rules (model patterns with `*` and `?`, case-insensitive, against the resolved id and the
    /// logged name; provider, project, effort, branch exact; a tag's value from the tags JSON).
    /// The export rows of the `skipped` providers are left out (their per-request records cover them).
    static func condition(for scope: BudgetScope, skippingAggregatesOf skipped: [String] = [], binds: inout [any PostgresParameter]) -> String {
        var clauses: [String] = []
        func bind(_ text: String) -> String {
            binds.append(text)
            return "$\(binds.count)"
        }
        if let model = scope.model {
            let pattern = bind(likePattern(glob: model.lowercased()))
            clauses.append("(lower(coalesce(model_id, '')) LIKE \(pattern) ESCAPE '\\' OR lower(model) LIKE \(pattern) ESCAPE '\\')")
        }
        if let provider = scope.provider { clauses.append("provider = \(bind(provider))") }
        if let project = scope.project { clauses.append("project = \(bind(project))") }
        if let tag = scope.tag { clauses.append("(tags::jsonb ->> \(bind(tag.key))) = \(bind(tag.value))") }
        if let effort = scope.effort { clauses.append("effort = \(bind(effort))") }
        if let branch = scope.branch { clauses.append("branch = \(bind(branch))") }
        if !skipped.isEmpty { clauses.append("NOT (is_aggregate AND provider IN (\(skipped.map(bind).joined(separator: ", "))))") }
        return clauses.isEmpty ? "true" : clauses.joined(separator: " AND ")
    }

    /// A config glob (`*` any run, `?` one character) as a LIKE pattern, LIKE's own `%`, `_` and `\` escaped.
    static func likePattern(glob: String) -> String {
        var out = ""
        for c in glob {
            switch c {
            case "*": out += "%"
            case "?": out += "_"
            case "%", "_", "\\": out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }
}
