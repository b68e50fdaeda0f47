import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerPricing

/// Running a `ReportPlan` on the SQLite ledger: one grouped read per tier, ranges joined from a
/// `VALUES` list so each is one index range (the day tier's primary key, the hourly rollup's, or
/// `usage_record_by_time`).
extension SpendReportBuilder {
    /// The text `--by` keys `report_rollup_day` holds on a local ledger.
    static let dayTierKeys: [GroupDimension] = [.provider, .effort, .project, .source]

    /// The plan for this query on this ledger, or nil when the day tier cannot answer it exactly.
    func dayTierPlan(low: Int64, high: Int64) -> ReportPlan? {
        query.dayTierPlan(lowMillis: low, highMillis: high, dayKeys: Self.dayTierKeys,
                          hourAnswers: query.rollupAnswers(lowMillis: low, wholeHourOffsets: true) && query.projects.isEmpty)
    }

    /// The report from the day tier and the pieces the plan moves (`ReportPlan.report`, shared with
    /// the team ledger), read from this ledger's tiers.
    func buildFromPlan(_ db: Database, plan: ReportPlan, low: Int64, high: Int64, usedAggregates: [String],
                       skippedAggregates: [String]) throws -> SpendReport {
        try plan.report(for: query, lowMillis: low, highMillis: high, usedAggregates: usedAggregates, skippedAggregates: skippedAggregates) {
            tier, ranges, keys, cause, onlyUnpriced in
            try readTier(db, tier: tier, ranges: ranges, keys: keys, cause: cause, onlyUnpriced: onlyUnpriced, usedAggregates: usedAggregates)
        }
    }

    /// One grouped read of `tier` over `ranges`: per range, model and text key, the rollup sums.
    private func readTier(_ db: Database, tier: ReportTier, ranges: [ReportPlan.Range], keys: [GroupDimension], cause: Bool,
                          onlyUnpriced: Bool = false, usedAggregates: [String]) throws -> [(range: Int, bucket: SpendBucket)] {
        if ranges.isEmpty { return [] }
        let table: String, time: String, model: String, resolved: String
        var texts: [String] = []
        var sums: [String]
        switch tier {
        case .day:
            (table, time, model, resolved) = ("report_rollup_day", "day", "model_key", "resolved")
            sums = LedgerSchema.rollupSums.map { "SUM(u.\($0.column))" }
        case .hour:
            (table, time, model, resolved) = ("report_rollup", "hour", "model_key", "resolved")
            sums = LedgerSchema.rollupSums.map { "SUM(u.\($0.column))" }
        case .records:
            (table, time, model, resolved) = ("usage_record", "ts", "coalesce(u.model_id, u.model)", "(u.model_id IS NOT NULL)")
            sums = LedgerSchema.rollupSums.map { "SUM(\($0.value("u")))" }
        }
        for key in keys {
            switch (key, tier) {
            case (.project, .day): texts.append("CASE WHEN u.no_project THEN NULL ELSE u.project END")
            case (.provider, _): texts.append("u.provider")
            case (.effort, _): texts.append("u.effort")
            case (.project, _): texts.append("u.project")
            case (.source, _): texts.append("u.source")
            default: texts.append("NULL") // not planned: dayTierPlan admits only the keys above
            }
        }
        if cause {
            texts.append(tier == .day ? "u.unpriced_reason" : LedgerSchema.dayRollupKeys.first { $0.column == "unpriced_reason" }!.value("u"))
        }
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        appendAggregateCondition(usedAggregates: usedAggregates, to: &conditions, &arguments)
        if !query.providers.isEmpty {
            conditions.append("u.provider IN (\(Self.placeholders(query.providers.count)))")
            arguments += query.providers
        }
        if !query.projects.isEmpty {
            conditions.append(tier == .day ? "u.no_project = 0 AND u.project IN (\(Self.placeholders(query.projects.count)))"
                                           : "u.project IN (\(Self.placeholders(query.projects.count)))")
            arguments += query.projects
        }
        if onlyUnpriced { conditions.append(tier == .records ? "u.cost_pusd IS NULL" : "u.unpriced_records <> 0") }
        if tier != .records { conditions.append("u.records <> 0") }
        let unit = tier.unitMillis
        let values = ranges.enumerated().map { "(\($0.offset), \($0.element.from / unit), \($0.element.to / unit))" }.joined(separator: ", ")
        let groupColumns = (1...(3 + texts.count)).map(String.init).joined(separator: ", ")
        let sql = """
            WITH p(i, a, b) AS (VALUES \(values))
            SELECT p.i, \(model), \(resolved)\(texts.map { ", " + $0 }.joined()), \(sums.joined(separator: ", "))
            FROM p CROSS JOIN \(table) AS u
            WHERE u.\(time) >= p.a AND u.\(time) < p.b AND \(conditions.joined(separator: " AND "))
            GROUP BY \(groupColumns)
            """
        var out: [(range: Int, bucket: SpendBucket)] = []
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
        let first = 3 + texts.count
        while let row = try cursor.next() {
            @inline(__always) func int(_ i: Int) -> Int64 { row[first + i] ?? 0 }
            @inline(__always) func money(_ i: Int) -> Int128 { Int128(int(i)) * 1_000_000 + Int128(int(i + 1)) }
            var s = SpendSums()
            s.records = int(0); s.requests = int(1); s.input = int(2); s.cacheRead = int(3); s.cacheWrite = int(4)
            s.output = int(5); s.reasoning = int(6); s.cost = money(7); s.unpricedRecords = int(9); s.unpricedRequests = int(10)
            s.unpricedTokens = int(11); s.reconciledRecords = int(12); s.reported = money(13); s.reportedComputed = money(15)
            s.reportedUnpricedRecords = int(17); s.reportedUnpriced = money(18)
            let textKeys: [String?] = (0..<texts.count).map { row[3 + $0] }
            let bucket = SpendBucket(startMillis: 0, modelKey: row[1], modelResolved: row[2], textKeys: textKeys, sums: s)
            out.append((range: row[0], bucket: bucket))
        }
        return out
    }
}
