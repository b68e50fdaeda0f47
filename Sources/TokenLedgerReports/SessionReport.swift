import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerLedger

/// One agent session (the `session_id` an importer stored: Claude Code's `sessionId`, Codex's rollout
/// session id): its project, first and last activity, models, tokens and cost.
public struct SessionSummary: Sendable, Equatable {
    public var session: String
    /// The session's projects (normally one), sorted.
    public var projects: [String]
    public var firstMillis: Int64
    public var lastMillis: Int64
    /// Resolved model ids (or names as logged), sorted.
    public var models: [String]
    public var usage: UsageTotals

    public init(session: String, projects: [String], firstMillis: Int64, lastMillis: Int64, models: [String], usage: UsageTotals) {
        self.session = session
        self.projects = projects
        self.firstMillis = firstMillis
        self.lastMillis = lastMillis
        self.models = models
        self.usage = usage
    }
}

/// The sessions of a period, oldest last activity first, and their total.
public struct SessionReport: Sendable {
    public var period: ReportPeriod
    public var timeZone: TimeZone
    public var sessions: [SessionSummary]
    public var totals: UsageTotals
    /// Records in the period (after filters) that carry no session id, so are in no row.
    public var recordsWithoutSession: Int

    /// A ledger engine that sums sessions on its own side (the team ledger) builds the same report.
    public init(period: ReportPeriod, timeZone: TimeZone, sessions: [SessionSummary], totals: UsageTotals, recordsWithoutSession: Int) {
        self.period = period
        self.timeZone = timeZone
        self.sessions = sessions
        self.totals = totals
        self.recordsWithoutSession = recordsWithoutSession
    }
}

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

extension SessionReport {
    /// The sessions as a terminal table; `compact` (a narrow terminal) drops the token breakdown.
    public func renderTable(style: Style = .plain, compact: Bool = false) -> String {
        var columns = ["Session", "Project", "First", "Last", "Models"].map { TextTable.Column($0) }
        columns += (compact ? ["Tokens"] : ["Input", "Cache read", "Cache write", "Output", "Total tokens"]).map { TextTable.Column($0, .right) }
        columns.append(TextTable.Column("Cost", .right))
        var table = TextTable(columns: columns)
        func numbers(_ u: UsageTotals) -> [String] {
            compact ? [NumberText.compact(u.totalTokens)]
                : [u.inputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.outputTokens, u.totalTokens].map(NumberText.grouped)
        }
        for s in sessions {
            let id = compact && s.session.count > 10 ? String(s.session.prefix(8)) + "…" : s.session
            table.addRow([id, s.projects.isEmpty ? "(none)" : s.projects.joined(separator: ", "),
                          LocalCalendar.minuteLabel(s.firstMillis, in: timeZone), LocalCalendar.minuteLabel(s.lastMillis, in: timeZone),
                          s.models.joined(separator: ", ")] + numbers(s.usage) + [ReportText.costCell(s.usage)])
        }
        table.addSeparator()
        table.addRow([totals.isLowerBound ? "Total (lower bound)" : "Total", "", "", "", ""] + numbers(totals) + [ReportText.costCell(totals)])
        var out = style.bold("Sessions — \(period.label) (\(timeZone.identifier))") + "\n\n"
        out += sessions.isEmpty && totals.records == 0 ? "No usage recorded for this period.\n" : table.render(style: style)
        if recordsWithoutSession > 0 {
            out += "\n" + style.dim("\(NumberText.grouped(recordsWithoutSession)) records carry no session id (their logs do not name one); they are in the total only.") + "\n"
        }
        if totals.unpricedRecords > 0 {
            out += "\n" + style.yellow("Unpriced: \(NumberText.grouped(totals.unpricedRequests)) requests, \(NumberText.grouped(totals.unpricedTokens)) tokens. Cost totals are a lower bound; 'tokenledger report' lists the models and the fix.") + "\n"
        }
        return out
    }

    /// `{"period": …, "sessions": [{session, projects, first, last, models, tokens…, cost_usd}], "totals": {…}}`; money as decimal strings.
    public func jsonValue() -> JSONValue {
        func usage(_ u: UsageTotals) -> [(key: String, value: JSONValue)] {
            [("requests", .int(u.requests)), ("input_tokens", .int(u.inputTokens)), ("cache_read_tokens", .int(u.cacheReadTokens)),
             ("cache_write_tokens", .int(u.cacheWriteTokens)), ("output_tokens", .int(u.outputTokens)),
             ("reasoning_tokens", .int(u.reasoningTokens)), ("total_tokens", .int(u.totalTokens)),
             ("cost_usd", u.isUnpriced ? .null : .string(u.cost.decimalString)), ("unpriced_requests", .int(u.unpricedRequests))]
        }
        let rows: [JSONValue] = sessions.map { s in
            .object(JSONObject([("session", .string(s.session)), ("projects", .array(s.projects.map { .string($0) })),
                                ("first_activity", .string(Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(s.firstMillis) / 1000)))),
                                ("last_activity", .string(Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(s.lastMillis) / 1000)))),
                                ("models", .array(s.models.map { .string($0) }))] + usage(s.usage)))
        }
        return .object(JSONObject([("period", .string(period.label)), ("time_zone", .string(timeZone.identifier)),
                                   ("sessions", .array(rows)), ("totals", .object(JSONObject(usage(totals)))),
                                   ("records_without_session", .int(recordsWithoutSession))]))
    }
}

extension LocalCalendar {
    /// "2026-10-25 14:03": the local minute of a Unix-millisecond instant in `zone`.
    public static func minuteLabel(_ millis: Int64, in zone: TimeZone) -> String {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))) * 1000
        let local = millis + offset
        let day = floorDiv(local, dayMillis)
        let minute = Int((local - day * dayMillis) / 60_000)
        let h = minute / 60, m = minute % 60
        return dayLabel(Int(day)) + " " + (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }
}
