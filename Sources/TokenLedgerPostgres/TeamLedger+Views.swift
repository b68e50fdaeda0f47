import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// The session and 5-hour block views on the team ledger: the same rows as the SQLite ledger's
/// `sessionReport(for:)` and `usageBlocks(for:now:)` for the same records, every machine's together.
extension TeamLedger {
    /// Sums the query's period and filters per session on the server (one GROUP BY over the ts index
    /// range). Aggregate export rows carry no session and are left out. `query.groupBy` is ignored.
    public func sessionReport(for query: ReportQuery) throws(TeamLedgerError) -> SessionReport {
        try run {
            var sql = SQLBuilder()
            let conditions = Self.perRequestConditions(query, sql: &sql)
            let tokens = "input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens"
            // Sessions ordered as SQLite orders them: by last activity, then by id in byte order.
            let rows = try connection.execute("""
                SELECT session_id, min(ts), max(ts), string_agg(DISTINCT project, ','), string_agg(DISTINCT coalesce(model_id, model), ','),
                       count(*), sum(request_count)::bigint, sum(input_tokens)::bigint, sum(cache_read_tokens)::bigint,
                       sum(cache_write_5m_tokens + cache_write_1h_tokens)::bigint, sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint,
                       coalesce(sum(cost_pusd), 0)::text, count(*) FILTER (WHERE cost_pusd IS NULL),
                       coalesce(sum(request_count) FILTER (WHERE cost_pusd IS NULL), 0)::bigint,
                       coalesce(sum(\(tokens)) FILTER (WHERE cost_pusd IS NULL), 0)::bigint
                FROM usage_record WHERE \(conditions.joined(separator: " AND "))
                GROUP BY session_id ORDER BY max(ts), session_id COLLATE "C" NULLS FIRST
                """, sql.binds)
            var sessions: [SessionSummary] = []
            var totals = UsageTotals()
            var withoutSession = 0
            for row in 0..<rows.count {
                func int(_ column: Int) throws -> Int { Int(try rows.requiredInt64(row, column)) }
                var usage = UsageTotals()
                usage.records = try int(5)
                usage.requests = try int(6)
                usage.inputTokens = try int(7)
                usage.cacheReadTokens = try int(8)
                usage.cacheWriteTokens = try int(9)
                usage.outputTokens = try int(10)
                usage.reasoningTokens = try int(11)
                let costText = try rows.requiredText(row, 12)
                guard let cost = Int128(costText) else {
                    throw TeamLedgerError.server(address: address.description, message: "a session cost '\(costText)' is not an integer")
                }
                usage.cost = Money(picodollars: cost)
                usage.unpricedRecords = try int(13)
                usage.unpricedRequests = try int(14)
                usage.unpricedTokens = try int(15)
                totals.add(usage)
                guard let session = rows.text(row, 0) else { withoutSession += usage.records; continue }
                func list(_ text: String?) -> [String] { (text ?? "").split(separator: ",").map(String.init).sorted() }
                sessions.append(SessionSummary(session: session, projects: list(rows.text(row, 3)), firstMillis: try rows.requiredInt64(row, 1),
                                               lastMillis: try rows.requiredInt64(row, 2), models: list(rows.text(row, 4)), usage: usage))
            }
            return SessionReport(period: query.period, timeZone: query.timeZone, sessions: sessions, totals: totals,
                                 recordsWithoutSession: withoutSession)
        }
    }

    /// The 5-hour blocks of the query's period and filters (per-request records only), built by the
    /// same `UsageBlockBuilder` as the SQLite ledger's. Cost: one ordered scan of the period's records
    /// (the ts index), all of them sent to the client at once.
    public func usageBlocks(for query: ReportQuery, now: Date) throws(TeamLedgerError) -> [UsageBlock] {
        try run {
            var sql = SQLBuilder()
            let conditions = Self.perRequestConditions(query, sql: &sql)
            let rows = try connection.execute("""
                SELECT ts, coalesce(model_id, model), request_count, input_tokens, cache_read_tokens,
                       cache_write_5m_tokens + cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_pusd
                FROM usage_record WHERE \(conditions.joined(separator: " AND ")) ORDER BY ts, id
                """, sql.binds)
            var builder = UsageBlockBuilder()
            for row in 0..<rows.count {
                func int(_ column: Int) throws -> Int { Int(try rows.requiredInt64(row, column)) }
                var usage = UsageTotals()
                usage.records = 1
                usage.requests = try int(2)
                usage.inputTokens = try int(3)
                usage.cacheReadTokens = try int(4)
                usage.cacheWriteTokens = try int(5)
                usage.outputTokens = try int(6)
                usage.reasoningTokens = try int(7)
                if let cost = try rows.int64(row, 8) {
                    usage.cost = Money(picodollars: Int128(cost))
                } else {
                    usage.unpricedRecords = 1
                    usage.unpricedRequests = usage.requests
                    usage.unpricedTokens = usage.totalTokens
                }
                builder.add(millis: try rows.requiredInt64(row, 0), model: try rows.requiredText(row, 1), usage: usage)
            }
            return builder.finish(now: CopyRow.milliseconds(now))
        }
    }

    /// Per-request records (no aggregate export rows) of the query's period, filtered: the WHERE of the
    /// session and block views.
    static func perRequestConditions(_ query: ReportQuery, sql: inout SQLBuilder) -> [String] {
        var conditions = ["NOT is_aggregate"]
        let (since, until) = query.periodMillis
        if let since { conditions.append("ts >= \(sql.bind(since))") }
        if let until { conditions.append("ts < \(sql.bind(until))") }
        return conditions + filters(query, sql: &sql)
    }
}
