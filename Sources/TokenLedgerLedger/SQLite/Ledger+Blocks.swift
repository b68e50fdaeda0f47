import Foundation
import GRDB
import TokenLedgerCore

extension Ledger {
    /// The 5-hour blocks of the query's period and filters (per-request records only; aggregate export
    /// rows have no request times). Cost: one ordered scan of the period's rows (the ts index).
    public func usageBlocks(for query: ReportQuery, now: Date = Date()) throws -> [UsageBlock] {
        do {
            return try reader.read { db in
                let (conditions, arguments) = SpendReportBuilder(query: query).perRequestConditions()
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT ts, COALESCE(model_id, model), request_count, input_tokens, cache_read_tokens,
                           cache_write_5m_tokens + cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_pusd
                    FROM usage_record WHERE \(conditions.joined(separator: " AND ")) ORDER BY ts
                    """, arguments: StatementArguments(arguments))
                var builder = UsageBlockBuilder()
                while let row = try rows.next() {
                    var usage = UsageTotals()
                    usage.records = 1
                    usage.requests = row[2]
                    usage.inputTokens = row[3]
                    usage.cacheReadTokens = row[4]
                    usage.cacheWriteTokens = row[5]
                    usage.outputTokens = row[6]
                    usage.reasoningTokens = row[7]
                    if let cost: Int64 = row[8] {
                        usage.cost = Money(picodollars: Int128(cost))
                    } else {
                        usage.unpricedRecords = 1
                        usage.unpricedRequests = usage.requests
                        usage.unpricedTokens = usage.totalTokens
                    }
                    builder.add(millis: row[0], model: row[1], usage: usage)
                }
                return builder.finish(now: SpendReportBuilder.millis(now))
            }
        } catch let error as DatabaseError {
            throw ReportError.ledgerUnreadable(reason: error.message ?? "\(error)")
        }
    }
}
