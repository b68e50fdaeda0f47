import Foundation
import GRDB
import TokenLedgerCore

extension Ledger {
    /// Sums the query's period and filters per session, in SQL (one GROUP BY over the ts index range).
    /// Aggregate export rows carry no session and are left out. `query.groupBy` is ignored.
    public func sessionReport(for query: ReportQuery) throws -> SessionReport {
        do {
            return try reader.read { db in
                let (conditions, arguments) = SpendReportBuilder(query: query).perRequestConditions()
                let tokens = "input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens"
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT session_id, MIN(ts), MAX(ts), GROUP_CONCAT(DISTINCT project), GROUP_CONCAT(DISTINCT COALESCE(model_id, model)),
                           COUNT(*), SUM(request_count), SUM(input_tokens), SUM(cache_read_tokens),
                           SUM(cache_write_5m_tokens + cache_write_1h_tokens), SUM(output_tokens), SUM(reasoning_tokens),
                           SUM(cost_pusd), SUM(cost_pusd IS NULL),
                           SUM(CASE WHEN cost_pusd IS NULL THEN request_count ELSE 0 END),
                           SUM(CASE WHEN cost_pusd IS NULL THEN \(tokens) ELSE 0 END)
                    FROM usage_record WHERE \(conditions.joined(separator: " AND "))
                    GROUP BY session_id ORDER BY MAX(ts), session_id
                    """, arguments: StatementArguments(arguments))
                var sessions: [SessionSummary] = []
                var totals = UsageTotals()
                var withoutSession = 0
                while let row = try rows.next() {
                    var usage = UsageTotals()
                    usage.records = row[5]
                    usage.requests = row[6]
                    usage.inputTokens = row[7]
                    usage.cacheReadTokens = row[8]
                    usage.cacheWriteTokens = row[9]
                    usage.outputTokens = row[10]
                    usage.reasoningTokens = row[11]
                    usage.cost = Money(picodollars: Int128((row[12] as Int64?) ?? 0))
                    usage.unpricedRecords = row[13]
                    usage.unpricedRequests = row[14]
                    usage.unpricedTokens = row[15]
                    totals.add(usage)
                    guard let session: String = row[0] else { withoutSession += usage.records; continue }
                    func list(_ text: String?) -> [String] { (text ?? "").split(separator: ",").map(String.init).sorted() }
                    sessions.append(SessionSummary(session: session, projects: list(row[3]), firstMillis: row[1], lastMillis: row[2],
                                                   models: list(row[4]), usage: usage))
                }
                return SessionReport(period: query.period, timeZone: query.timeZone, sessions: sessions, totals: totals,
                                     recordsWithoutSession: withoutSession)
            }
        } catch let error as DatabaseError {
            throw ReportError.ledgerUnreadable(reason: error.message ?? "\(error)")
        }
    }
}
