import Foundation
import TokenLedgerCore
import TokenLedgerLedger

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
        var out = style.bold("Sessions — \(period.label) (\(TimeZoneText.name(timeZone)))") + "\n\n"
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
        return .object(JSONObject([("period", .string(period.label)), ("time_zone", .string(TimeZoneText.name(timeZone))),
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
