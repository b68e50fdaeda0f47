import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports

/// Running a `ReportPlan` on the team ledger: one grouped query per tier, each of its ranges read by a
/// `LATERAL` subquery so PostgreSQL reads it as one index range. (As a plain join of the `VALUES` list
/// the planner chose a sequential scan of `usage_record`: the year by month, project on the 5M-record
/// benchmark ledger took 10 s, its thirteen one- or two-hour moved pieces read by scanning every record.)
extension TeamLedger {
    /// The text `--by` keys `report_rollup_day` holds on a team ledger.
    static let dayTierKeys: [GroupDimension] = [.provider, .effort, .project, .source, .machine]

    /// The plan for `query`, or nil when the day tier cannot answer it exactly.
    static func dayTierPlan(_ query: ReportQuery, low: Int64, high: Int64) -> ReportPlan? {
        query.dayTierPlan(lowMillis: low, highMillis: high, dayKeys: dayTierKeys,
                          hourAnswers: query.rollupAnswers(lowMillis: low, wholeHourOffsets: true) && query.projects.isEmpty)
    }

    /// The report from the day tier and the pieces the plan moves (`ReportPlan.report`, shared with
    /// the SQLite ledger), read from this ledger's tiers.
    func buildFromPlan(_ query: ReportQuery, plan: ReportPlan, low: Int64, high: Int64, usedAggregates: [String],
                       skippedAggregates: [String]) throws -> SpendReport {
        try plan.report(for: query, lowMillis: low, highMillis: high, usedAggregates: usedAggregates, skippedAggregates: skippedAggregates) {
            tier, ranges, keys, cause, onlyUnpriced in
            try readTier(query, tier: tier, ranges: ranges, keys: keys, cause: cause, onlyUnpriced: onlyUnpriced, usedAggregates: usedAggregates)
        }
    }

    /// One grouped read of `tier` over `ranges`: per range, model and text key, the rollup sums.
    private func readTier(_ query: ReportQuery, tier: ReportTier, ranges: [ReportPlan.Range], keys: [GroupDimension], cause: Bool,
                          onlyUnpriced: Bool = false, usedAggregates: [String]) throws -> [(range: Int, bucket: SpendBucket)] {
        if ranges.isEmpty { return [] }
        let table: String, time: String, model: String, resolved: String
        let sums: [String]
        switch tier {
        case .day:
            (table, time, model, resolved) = ("report_rollup_day", "day", "model_key", "resolved")
            sums = TeamLedgerSchema.rollupSums.map { "sum(u.\($0.column))::text" }
        case .hour:
            (table, time, model, resolved) = ("report_rollup", "hour", "model_key", "resolved")
            sums = TeamLedgerSchema.rollupSums.map { "sum(u.\($0.column))::text" }
        case .records:
            (table, time, model, resolved) = ("usage_record", "ts", "coalesce(u.model_id, u.model)", "(u.model_id IS NOT NULL)")
            sums = TeamLedgerSchema.rollupSums.map { "(\($0.aggregate))::text" }
        }
        var texts: [String] = keys.map { key in
            switch (key, tier) {
            case (.project, .day): return "CASE WHEN u.no_project THEN NULL ELSE u.project END"
            case (.provider, _): return "u.provider"
            case (.effort, _): return "u.effort"
            case (.project, _): return "u.project"
            case (.source, _): return "u.source"
            case (.machine, _): return "u.machine"
            default: return "NULL::text" // not planned: dayTierPlan admits only the keys above
            }
        }
        if cause {
            texts.append(tier == .day ? "u.unpriced_reason" : "CASE WHEN u.cost_pusd IS NULL THEN coalesce(u.unpriced_reason, '') ELSE '' END")
        }
        var sql = SQLBuilder()
        var conditions: [String] = []
        switch query.aggregates {
        case .only: conditions.append("u.is_aggregate")
        case .auto where !usedAggregates.isEmpty:
            conditions.append("(NOT u.is_aggregate OR u.provider IN (\(usedAggregates.map { sql.bind($0) }.joined(separator: ", "))))")
        case .auto, .exclude: conditions.append("NOT u.is_aggregate")
        }
        if !query.providers.isEmpty { conditions.append("u.provider IN (\(query.providers.map { sql.bind($0) }.joined(separator: ", ")))") }
        if !query.projects.isEmpty {
            let names = query.projects.map { sql.bind($0) }.joined(separator: ", ")
            conditions.append(tier == .day ? "NOT u.no_project AND u.project IN (\(names))" : "u.project IN (\(names))")
        }
        if onlyUnpriced { conditions.append(tier == .records ? "u.cost_pusd IS NULL" : "u.unpriced_records <> 0") }
        if tier != .records { conditions.append("u.records <> 0") }
        let unit = tier.unitMillis
        let values = ranges.enumerated().map { "(\($0.offset), \($0.element.from / unit)::bigint, \($0.element.to / unit)::bigint)" }
            .joined(separator: ", ")
        sql.text = """
            SELECT p.i, \(model), \(resolved)\(texts.map { ", (\($0))::text" }.joined()), \(sums.joined(separator: ", "))
            FROM (VALUES \(values)) AS p(i, a, b) CROSS JOIN LATERAL (
                SELECT * FROM \(table) AS u WHERE u.\(time) >= p.a AND u.\(time) < p.b AND \(conditions.joined(separator: " AND ")) OFFSET 0
            ) AS u
            GROUP BY \((1...(3 + texts.count)).map(String.init).joined(separator: ", "))
            """
        let rows = try connection.execute(sql.text, sql.binds)
        var out: [(range: Int, bucket: SpendBucket)] = []
        out.reserveCapacity(rows.count)
        let first = 3 + texts.count
        for row in 0..<rows.count {
            var values: [Int128] = []
            for i in 0..<TeamLedgerSchema.rollupSums.count {
                let text = rows.text(row, first + i) ?? "0"
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
            let textKeys: [String?] = (0..<texts.count).map { rows.text(row, 3 + $0) }
            let bucket = SpendBucket(startMillis: 0, modelKey: try rows.requiredText(row, 1), modelResolved: try rows.requiredBool(row, 2),
                                     textKeys: textKeys, sums: s)
            out.append((range: Int(try rows.requiredInt64(row, 0)), bucket: bucket))
        }
        return out
    }
}
