import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

extension TeamLedger {
    /// Builds a spend report from the team ledger with the same numbers, labels and row order as the
    /// SQLite ledger's `spendReport(for:)` for the same records.
    ///
    /// PostgreSQL sums on its side — from `report_rollup_day` when the planner can (`ReportPlan`, as on
    /// SQLite), else from `report_rollup` when the query allows (the same conditions as
    /// the SQLite rollup; `--by machine` included), else with a GROUP BY over `usage_record` per time
    /// bucket (an hour, a minute or an instant, whatever keeps every bucket inside one local day) — and
    /// `SpendReport.assemble` maps buckets to local days, weeks and months in the query's zone.
    /// Cost: a few index probes plus one grouped scan of the rollup (or of the period's records).
    public func spendReport(for query: ReportQuery) throws(TeamLedgerError) -> SpendReport {
        try run { try self.buildSpendReport(query) }
    }

    /// The report without the day tier (the hourly rollup or the record scan): what tests compare the
    /// day tier's answer with.
    package func spendReportWithoutDayTier(for query: ReportQuery) throws(TeamLedgerError) -> SpendReport {
        try run { try self.buildSpendReport(query, allowDayTier: false) }
    }

    private func buildSpendReport(_ query: ReportQuery, allowDayTier: Bool = true) throws -> SpendReport {
        let (since, until) = query.periodMillis
        // Which providers' export buckets count (`--aggregates`): the SQLite ledger's rule.
        let (usedAggregates, skippedAggregates) = query.aggregates.split(try aggregateProviders(since: since, until: until))

        // The records' time range, bounded by the period (for the zone's offset segments). Read from
        // the rows themselves: through the `usage_record` view (its name joins, migration v15) the
        // server does not take min and max from the `ts` index but scans every record.
        var low: Int64 = 0, high: Int64 = 0
        let bounds = try connection.execute("SELECT min(ts), max(ts) FROM usage_row")
        if bounds.count > 0 {
            low = try since ?? bounds.int64(0, 0) ?? 0
            high = try until ?? bounds.int64(0, 1).map { $0 + 1 } ?? 0
        }

        if allowDayTier, let plan = Self.dayTierPlan(query, low: low, high: high) {
            return try buildFromPlan(query, plan: plan, low: low, high: high, usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
        }
        var sql = SQLBuilder()
        let useRollup = query.rollupAnswers(lowMillis: low, highMillis: high)
        let table = useRollup ? "report_rollup" : "usage_record"
        let conditions = Self.conditions(query, since: since, until: until, usedAggregates: usedAggregates, rollup: useRollup, sql: &sql)

        // Group columns: the local day (when a calendar key is asked), model key, resolved, then one per
        // text key. PostgreSQL computes the day in the query's zone from its UTC offsets over the
        // range, so it returns one row per day rather than per hour (a month: ~600 rows, not ~13,000);
        // the first instant of each group tells `assemble` which day it is.
        let time = useRollup ? "hour * 3600000" : "ts"
        var groupColumns: [String] = []
        var groupBy: [String] = []
        if query.groupBy.contains(where: \.isTime) && low >= 86_400_000 {
            groupColumns.append("min(\(time))")
            groupBy.append(Self.localDay(time, offsets: query.utcOffsets(lowMillis: low, highMillis: high),
                                         unitMillis: query.groupBy.contains(.hour) ? 3_600_000 : 86_400_000))
        } else if query.groupBy.contains(where: \.isTime) {
            groupColumns.append(time) // records from 1970's first day: each instant apart
            groupBy.append("1")
        } else {
            groupColumns.append("0::bigint")
        }
        groupColumns += useRollup ? ["model_key", "resolved"] : ["coalesce(model_id, model)", "(model_id IS NOT NULL)"]
        for dimension in query.textDimensions {
            groupColumns.append(try Self.textExpression(dimension, sql: &sql))
        }
        // The other group columns by position (a tag's expression holds a parameter).
        groupBy += (2...groupColumns.count).map(String.init)
        let sums = useRollup
            ? TeamLedgerSchema.rollupSums.map { "sum(\($0.column))::text" }
            : TeamLedgerSchema.rollupSums.map { "(\($0.aggregate))::text" }
        sql.text = """
            SELECT \((groupColumns.enumerated().map { $0.offset < 3 ? $0.element : "(\($0.element))::text" } + sums).joined(separator: ", "))
            FROM \(table) WHERE \(conditions.joined(separator: " AND ")) GROUP BY \(groupBy.joined(separator: ", "))
            """

        var buckets: [SpendBucket] = []
        let textCount = query.textDimensions.count
        let rows = try connection.execute(sql.text, sql.binds)
        for row in 0..<rows.count {
            let start = try rows.requiredInt64(row, 0)
            let modelKey = try rows.requiredText(row, 1)
            let resolved = try rows.requiredBool(row, 2)
            var textKeys: [String?] = []
            for i in 0..<textCount { textKeys.append(rows.text(row, 3 + i)) }
            var values: [Int128] = []
            for i in 0..<TeamLedgerSchema.rollupSums.count {
                let text = rows.text(row, 3 + textCount + i) ?? "0"
                guard let value = Int128(text) else { throw TeamLedgerError.server(address: address.description, message: "a report sum '\(text)' is not an integer") }
                values.append(value)
            }
            var s = SpendSums()
            s.records = Int64(values[0]); s.requests = Int64(values[1]); s.input = Int64(values[2])
            s.cacheRead = Int64(values[3]); s.cacheWrite = Int64(values[4]); s.output = Int64(values[5])
            s.reasoning = Int64(values[6]); s.cost = values[7]; s.unpricedRecords = Int64(values[8])
            s.unpricedRequests = Int64(values[9]); s.unpricedTokens = Int64(values[10]); s.reconciledRecords = Int64(values[11])
            s.reported = values[12]; s.reportedComputed = values[13]; s.reportedUnpricedRecords = Int64(values[14])
            s.reportedUnpriced = values[15]
            buckets.append(SpendBucket(startMillis: start, modelKey: modelKey, modelResolved: resolved, textKeys: textKeys, sums: s))
        }
        var report = SpendReport.assemble(query: query, buckets: buckets, lowMillis: low, highMillis: high,
                                          usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
        if report.unpriced.records > 0 {
            var causeSQL = SQLBuilder()
            let filters = Self.conditions(query, since: since, until: until, usedAggregates: usedAggregates, rollup: false, sql: &causeSQL)
            report.unpriced.causes = try unpricedCauses(filters: filters, binds: causeSQL.binds)
        }
        return report
    }

    /// Unpriced records by cause and model, from their stored reasons (the SQLite ledger's second
    /// pass): only when something is unpriced. Cost: one scan of the period's records.
    private func unpricedCauses(filters: [String], binds: [any PostgresParameter]) throws -> [UnpricedCauseCount] {
        let sql = """
            SELECT coalesce(unpriced_reason, ''), coalesce(model_id, model), count(*), coalesce(sum(request_count), 0)::bigint
            FROM usage_record WHERE cost_pusd IS NULL AND \((filters).joined(separator: " AND ")) GROUP BY 1, 2
            """
        let rows = try connection.execute(sql, binds)
        return UnpricedCauseCount.group(try (0..<rows.count).map { row in
            (reason: try rows.requiredText(row, 0), model: try rows.requiredText(row, 1),
             records: Int(try rows.requiredInt64(row, 2)), requests: Int(try rows.requiredInt64(row, 3)))
        })
    }

    /// The providers with aggregate (export) rows in `[since, until)` (either bound may be open), each
    /// with whether it also has per-request rows there, ordered by provider, read from the tiers
    /// (`TierCover`): whole days from the day tier's (is_aggregate, provider, day) index, the hours of
    /// the days an end cuts from the hourly rollup (hour first in its key), the sub-hour ends from the
    /// records' `ts` index. Cost: the day tier's few aggregate index entries, then a probe or two per
    /// such provider — never a scan of the period's records.
    func aggregateProviders(since: Int64?, until: Int64?) throws -> [AggregateProvider] {
        let cover = TierCover(startMillis: since, endMillis: until)
        var sql = SQLBuilder()
        func hasRows(aggregate: Bool) -> String {
            let kind = aggregate ? "is_aggregate = true" : "is_aggregate = false"
            var parts: [String] = []
            if cover.hasDays {
                var range = ""
                if let low = cover.lowDay { range += " AND d.day >= \(sql.bind(low))" }
                if let high = cover.highDay { range += " AND d.day < \(sql.bind(high))" }
                // A scalar subquery in the index's order, not EXISTS: PostgreSQL drops ORDER BY and
                // LIMIT inside EXISTS and, per-request day rows being most of the tier, chose a
                // sequential scan of it (20 ms a year for a provider with exports only; 0.4 ms so).
                parts.append("(SELECT true FROM report_rollup_day d WHERE d.\(kind) AND d.provider = p.provider\(range) AND d.records <> 0 ORDER BY d.day LIMIT 1) IS NOT NULL")
            }
            for hours in cover.hours {
                parts.append("EXISTS (SELECT 1 FROM report_rollup h WHERE h.hour >= \(sql.bind(hours.lowerBound)) AND h.hour < \(sql.bind(hours.upperBound)) AND h.provider = p.provider AND h.\(kind) AND h.records <> 0)")
            }
            for millis in cover.records {
                parts.append("EXISTS (SELECT 1 FROM usage_record r WHERE r.ts >= \(sql.bind(millis.lowerBound)) AND r.ts < \(sql.bind(millis.upperBound)) AND r.provider = p.provider AND r.\(kind))")
            }
            return parts.isEmpty ? "false" : "(" + parts.joined(separator: " OR ") + ")"
        }
        let hasRequests = hasRows(aggregate: false)
        let hasAggregates = hasRows(aggregate: true)
        let rows = try connection.execute("""
            SELECT p.provider, \(hasRequests)
            FROM (SELECT DISTINCT provider FROM report_rollup_day WHERE is_aggregate) p
            WHERE \(hasAggregates) ORDER BY p.provider
            """, sql.binds)
        return try (0..<rows.count).map { row in
            AggregateProvider(provider: try rows.requiredText(row, 0), hasRequests: try rows.requiredBool(row, 1))
        }
    }

    /// Which records (or rollup rows) a query reads: the period, `--aggregates`, and the provider,
    /// model, project and tag filters, as SQL conditions whose values go into `sql`.
    private static func conditions(_ query: ReportQuery, since: Int64?, until: Int64?, usedAggregates: [String], rollup: Bool,
                                   sql: inout SQLBuilder) -> [String] {
        var conditions: [String] = []
        if rollup {
            conditions.append("records <> 0")
            if let since { conditions.append("hour >= \(sql.bind(since / 3_600_000))") }
            if let until { conditions.append("hour < \(sql.bind(until / 3_600_000))") }
        } else {
            if let since { conditions.append("ts >= \(sql.bind(since))") }
            if let until { conditions.append("ts < \(sql.bind(until))") }
        }
        switch query.aggregates {
        case .only: conditions.append("is_aggregate")
        case .auto where !usedAggregates.isEmpty: conditions.append("(NOT is_aggregate OR provider IN (\(usedAggregates.map { sql.bind($0) }.joined(separator: ", "))))")
        case .auto, .exclude: conditions.append("NOT is_aggregate")
        }
        conditions += filters(query, sql: &sql)
        return conditions
    }

    /// The provider, model, project and tag filters of a query, as SQL conditions whose values go
    /// into `sql` (shared by the spend report and the session and block views).
    static func filters(_ query: ReportQuery, sql: inout SQLBuilder) -> [String] {
        var conditions: [String] = []
        if !query.providers.isEmpty { conditions.append("provider IN (\(query.providers.map { sql.bind($0) }.joined(separator: ", ")))") }
        if !query.models.isEmpty {
            let names = query.models.map { sql.bind($0) }.joined(separator: ", ")
            conditions.append("(model_id IN (\(names)) OR model IN (\(names)))")
        }
        if !query.projects.isEmpty { conditions.append("project IN (\(query.projects.map { sql.bind($0) }.joined(separator: ", ")))") }
        if !query.branches.isEmpty { conditions.append("branch IN (\(query.branches.map { sql.bind($0) }.joined(separator: ", ")))") }
        for tag in query.tags {
            conditions.append("(tags::jsonb ->> \(sql.bind(tag.key))) = \(sql.bind(tag.value))")
        }
        return conditions
    }

    /// The local day number of the instant `time` (Unix ms): its UTC offset picked from the zone's
    /// segments by a CASE, then whole days since 1970 (`time` + offset is never negative here).
    /// `unitMillis` 3,600,000 gives the local hour instead (`--by hour`).
    static func localDay(_ time: String, offsets: [(from: Int64, offset: Int64)], unitMillis: Int64 = 86_400_000) -> String {
        guard let last = offsets.last else { return "(\(time) / \(unitMillis))" }
        var offset = "\(last.offset)"
        if offsets.count > 1 {
            offset = "CASE" + (0..<(offsets.count - 1)).map { " WHEN \(time) < \(offsets[$0 + 1].from) THEN \(offsets[$0].offset)" }.joined() + " ELSE \(last.offset) END"
        }
        return "((\(time) + \(offset)) / \(unitMillis))"
    }

    /// The SQL value of one text `--by` key, as the SQLite ledger computes it.
    private static func textExpression(_ dimension: GroupDimension, sql: inout SQLBuilder) throws -> String {
        switch dimension {
        case .provider: return "provider"
        case .effort: return "effort"
        case .project: return "project"
        case .source: return "source"
        case .session: return "session_id"
        case .serviceTier: return "service_tier"
        case .channel: return "NULLIF(channel, '')"
        case .batch: return "CASE WHEN is_batch THEN 'batch' ELSE 'standard' END"
        case .machine: return "machine"
        case .repository: return "repository"
        case .branch: return "branch"
        case .tag(let key): return "(tags::jsonb ->> \(sql.bind(key)))"
        case .model, .hour, .day, .week, .month: return "NULL"
        }
    }
}

/// SQL text with `$n` placeholders and their values, built together.
struct SQLBuilder {
    var text = ""
    var binds: [any PostgresParameter] = []

    /// Appends a value and returns its placeholder.
    mutating func bind(_ value: some PostgresParameter) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }
}
