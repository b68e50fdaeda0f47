import Foundation
import PostgresNIO
import TokenLedgerBudgets
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

/// Budgets on the team ledger: spend read from every machine's records, and one alert memory for the
/// whole team — two machines running `budget check` at the same moment deliver each alert once.
///
/// `BudgetChecker` is synchronous (it runs an alert's command or webhook inside the claim), so these
/// methods wait on PostgresNIO's futures: the I/O runs on NIO's event loop, the calling thread only
/// waits. Never call them on an event loop thread.
extension TeamLedger: BudgetLedger {
    /// Cost: a probe per provider with export rows (left out where per-request records cover the same
    /// spend, as in a report), then one scan of the period's records through the `ts` index, the
    /// scope checked per row.
    public func budgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums {
        let providerRows = try waiting {
            try self.connection.query(Self.aggregateProvidersSQL(since: true, until: true), [PostgresData(int64: start), PostgresData(int64: end)]).wait()
        }
        let skipped = AggregatePolicy.auto.split(try waiting { try providerRows.map { row in
            let (provider, hasRequests) = try row.decode((String, Bool).self)
            return AggregateProvider(provider: provider, hasRequests: hasRequests)
        } }).skipped
        var binds: [PostgresData] = [PostgresData(int64: rateStart), PostgresData(int64: start), PostgresData(int64: end)]
        let condition = Self.condition(for: scope, skippingAggregatesOf: skipped, binds: &binds)
        let sql = """
            SELECT coalesce(sum(cost_pusd), 0)::text, coalesce(sum(cost_pusd) FILTER (WHERE ts >= $1), 0)::text,
                   count(*) FILTER (WHERE cost_pusd IS NULL), count(*)
            FROM usage_record WHERE ts >= $2 AND ts < $3 AND \(condition)
            """
        let rows = try waiting { try self.connection.query(sql, binds).wait() }
        guard let row = rows.first else { return BudgetSums() }
        let (spent, recent, unpriced, records) = try waiting { try row.decode((String, String, Int64, Int64).self) }
        guard let spentValue = Int128(spent), let recentValue = Int128(recent) else {
            throw TeamLedgerError.server(address: address.description, message: "a budget sum is not an integer")
        }
        var sums = BudgetSums(spent: spentValue, recentSpent: recentValue, unpricedRecords: Int(unpriced), records: Int(records))
        if unpriced > 0 {
            var causeBinds: [PostgresData] = [PostgresData(int64: start), PostgresData(int64: end)]
            let causeCondition = Self.condition(for: scope, skippingAggregatesOf: skipped, binds: &causeBinds)
            let causeRows = try waiting { try self.connection.query("""
                SELECT coalesce(unpriced_reason, ''), coalesce(model_id, model), count(*), coalesce(sum(request_count), 0)::bigint
                FROM usage_record WHERE ts >= $1 AND ts < $2 AND cost_pusd IS NULL AND \(causeCondition) GROUP BY 1, 2
                """, causeBinds).wait() }
            let grouped = try waiting { try causeRows.map { row in
                let (reason, model, count, requests) = try row.decode((String, String, Int64, Int64).self)
                return (reason: reason, model: model, records: Int(count), requests: Int(requests))
            } }
            sums.unpricedCauses = UnpricedCauseCount.group(grouped)
        }
        return sums
    }

    public func alerts(budget: String?) throws -> [AlertRecord] {
        let rows = try waiting {
            if let budget {
                return try self.connection.query("SELECT budget, period_start, kind, fired_at, delivered_at, last_error FROM alert_state WHERE budget = $1 ORDER BY fired_at, kind", [PostgresData(string: budget)]).wait()
            }
            return try self.connection.query("SELECT budget, period_start, kind, fired_at, delivered_at, last_error FROM alert_state ORDER BY fired_at, budget, kind").wait()
        }
        return try waiting { try rows.map(Self.alertRecord) }
    }

    /// As `Ledger.claimAlert`, for the whole team: in one transaction holding an advisory lock on the
    /// budget's name (so a second machine's check waits for this one), read the period's alerts, skip
    /// when delivered or superseded, else record the alert, run `deliver`, and record the outcome with
    /// this machine's name. A crash during `deliver` rolls the claim back: the alert fires again next run.
    public func claimAlert(_ key: AlertKey, now: Date, isSuperseded: ([AlertRecord]) -> Bool, deliver: () -> String?) throws -> AlertClaimOutcome {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        return try waiting {
            _ = try self.connection.query("BEGIN").wait()
            do {
                _ = try self.connection.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [PostgresData(string: "tokenledger-alert:" + key.budget)]).wait()
                let rows = try self.connection.query(
                    "SELECT budget, period_start, kind, fired_at, delivered_at, last_error FROM alert_state WHERE budget = $1 AND period_start = $2",
                    [PostgresData(string: key.budget), PostgresData(string: key.periodStart)]).wait().map(Self.alertRecord)
                let existing = rows.first { $0.key.kind == key.kind }
                if existing?.deliveredAt != nil || isSuperseded(rows) {
                    _ = try self.connection.query("COMMIT").wait()
                    return .skipped
                }
                let retry = existing != nil
                let keyBinds = [PostgresData(string: key.budget), PostgresData(string: key.periodStart), PostgresData(string: key.kind)]
                _ = try self.connection.query("""
                    INSERT INTO alert_state (budget, period_start, kind, fired_at, delivered_at, last_error)
                    VALUES ($1, $2, $3, $4, NULL, NULL) ON CONFLICT (budget, period_start, kind) DO NOTHING
                    """, keyBinds + [PostgresData(int64: nowMillis)]).wait()
                let failure = deliver()
                _ = try self.connection.query("""
                    UPDATE alert_state SET delivered_at = $4, last_error = $5, machine = $6
                    WHERE budget = $1 AND period_start = $2 AND kind = $3
                    """, keyBinds + [failure == nil ? PostgresData(int64: nowMillis) : PostgresData(type: .int8, value: nil),
                                     failure.map { PostgresData(string: $0) } ?? PostgresData(type: .text, value: nil),
                                     PostgresData(string: self.machine)]).wait()
                _ = try self.connection.query("COMMIT").wait()
                return failure.map { .failed(reason: $0, retry: retry) } ?? .delivered(retry: retry)
            } catch {
                _ = try? self.connection.query("ROLLBACK").wait()
                throw error
            }
        }
    }

    /// One `alert_state` row (columns as the queries above select them).
    private static func alertRecord(_ row: PostgresRow) throws -> AlertRecord {
        let (budget, period, kind, fired, delivered, lastError) = try row.decode((String, String, String, Int64, Int64?, String?).self)
        return AlertRecord(
            key: AlertKey(budget: budget, periodStart: period, kind: kind),
            firedAt: Date(timeIntervalSince1970: TimeInterval(fired) / 1000),
            deliveredAt: delivered.map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }, lastError: lastError)
    }

    /// A budget scope as a PostgreSQL condition, with its values appended to `binds`: the SQLite
    /// ledger's rules (model patterns with `*` and `?`, case-insensitive, against the resolved id and the
    /// logged name; provider, project, effort exact; a tag's value from the tags JSON).
    /// The export rows of the `skipped` providers are left out (their per-request records cover them).
    static func condition(for scope: BudgetScope, skippingAggregatesOf skipped: [String] = [], binds: inout [PostgresData]) -> String {
        var clauses: [String] = []
        func bind(_ text: String) -> String {
            binds.append(PostgresData(string: text))
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

    /// Runs a blocking PostgresNIO call, turning its errors into one sentence.
    private func waiting<T>(_ body: () throws -> T) throws(TeamLedgerError) -> T {
        do {
            return try body()
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
    }
}
