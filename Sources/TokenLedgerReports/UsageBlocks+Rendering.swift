import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// How the `blocks` view prints: a table of blocks, the live panel of the active one, or JSON.
package enum UsageBlocksText {
    /// One row per block (gaps dimmed), times local to `zone`; the active block is marked and shows its
    /// time left and projection. `compact` (a narrow terminal) abbreviates numbers and drops models.
    public static func table(_ blocks: [UsageBlock], zone: TimeZone, now: Date, style: Style = .plain, compact: Bool = false) -> String {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        var columns = [TextTable.Column("Block start"), TextTable.Column("Status")]
        if !compact { columns.append(TextTable.Column("Models")) }
        columns += [TextTable.Column("Requests", .right), TextTable.Column("Tokens", .right), TextTable.Column("Cost", .right)]
        var table = TextTable(columns: columns)
        var totals = UsageTotals()
        for block in blocks {
            let tokens = compact ? NumberText.compact(block.usage.totalTokens) : NumberText.grouped(block.usage.totalTokens)
            if block.isGap {
                var cells = [LocalCalendar.minuteLabel(block.startMillis, in: zone), "gap (\(duration(block.endMillis - block.startMillis)))"]
                if !compact { cells.append("") }
                table.addRow(cells.map { style.dim($0) } + ["", "", ""])
                continue
            }
            totals.add(block.usage)
            let status = block.isActive ? "ACTIVE, \(duration(block.endMillis - nowMillis)) left" : "\(duration((block.lastMillis ?? block.startMillis) - (block.firstMillis ?? block.startMillis))) of activity"
            var cells = [LocalCalendar.minuteLabel(block.startMillis, in: zone), block.isActive ? style.green(status) : status]
            if !compact { cells.append(block.models.joined(separator: ", ")) }
            cells += [NumberText.grouped(block.usage.requests), tokens, ReportText.costCell(block.usage)]
            table.addRow(cells)
        }
        table.addSeparator()
        var total = [totals.isLowerBound ? "Total (lower bound)" : "Total", ""]
        if !compact { total.append("") }
        total += [NumberText.grouped(totals.requests), compact ? NumberText.compact(totals.totalTokens) : NumberText.grouped(totals.totalTokens), ReportText.costCell(totals)]
        table.addRow(total)
        var out = style.bold("5-hour usage blocks (\(zone.identifier))") + "\n\n"
        if blocks.isEmpty { return out + "No usage recorded for this period.\n" }
        out += table.render(style: style)
        if let active = blocks.last(where: \.isActive) { out += "\n" + panel(active, now: now, zone: zone, style: style) }
        return out
    }

    /// The active block's panel: spent so far, burn rate, time left, projection at the block's end.
    public static func panel(_ block: UsageBlock, now: Date, zone: TimeZone, style: Style = .plain) -> String {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        var lines = [
            style.bold("Active block: \(LocalCalendar.minuteLabel(block.startMillis, in: zone)) – \(LocalCalendar.minuteLabel(block.endMillis, in: zone)) (\(zone.identifier))"),
            "  Time left:   \(duration(block.endMillis - nowMillis)) (elapsed \(duration(nowMillis - block.startMillis)))",
            "  So far:      \(NumberText.grouped(block.usage.totalTokens)) tokens, \(ReportText.costCell(block.usage)) (\(NumberText.grouped(block.usage.requests)) requests; \(block.models.joined(separator: ", ")))",
        ]
        if let rate = block.burnRate {
            lines.append("  Burn rate:   \(NumberText.grouped(rate.tokensPerHour)) tokens/h, \(rate.costPerHour.displayString)/h\(block.usage.isLowerBound ? " (priced records only)" : "")")
        } else {
            lines.append("  Burn rate:   – (one moment of activity so far)")
        }
        if let projection = block.projection(now: nowMillis) {
            lines.append("  Projection:  \(NumberText.grouped(projection.tokens)) tokens, \(block.usage.isLowerBound ? "≥ " : "")\(projection.cost.displayString) by \(LocalCalendar.minuteLabel(block.endMillis, in: zone))")
        }
        if block.usage.isLowerBound {
            lines.append(style.yellow("  Unpriced: \(NumberText.grouped(block.usage.unpricedRequests)) requests; costs are a lower bound ('tokenledger report' names the fix)."))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"blocks": [{start, end, first_activity, last_activity, gap, active, models, tokens…, cost_usd, burn_rate, projection}]}`.
    public static func json(_ blocks: [UsageBlock], now: Date) -> JSONValue {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        func time(_ millis: Int64?) -> JSONValue {
            millis.map { .string(Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval($0) / 1000))) } ?? .null
        }
        return .object(JSONObject([("blocks", .array(blocks.map { b in
            let u = b.usage
            var members: [(key: String, value: JSONValue)] = [
                ("start", time(b.startMillis)), ("end", time(b.endMillis)), ("first_activity", time(b.firstMillis)),
                ("last_activity", time(b.lastMillis)), ("gap", .bool(b.isGap)), ("active", .bool(b.isActive)),
                ("models", .array(b.models.map { .string($0) })), ("requests", .int(u.requests)),
                ("input_tokens", .int(u.inputTokens)), ("cache_read_tokens", .int(u.cacheReadTokens)),
                ("cache_write_tokens", .int(u.cacheWriteTokens)), ("output_tokens", .int(u.outputTokens)),
                ("total_tokens", .int(u.totalTokens)),
                ("cost_usd", u.isUnpriced ? .null : .string(u.cost.decimalString)), ("unpriced_requests", .int(u.unpricedRequests)),
            ]
            if let rate = b.burnRate {
                members.append(("burn_rate", .object(JSONObject([("tokens_per_hour", .int(rate.tokensPerHour)), ("cost_usd_per_hour", .string(rate.costPerHour.decimalString))]))))
            }
            if let p = b.projection(now: nowMillis) {
                members.append(("projection", .object(JSONObject([("total_tokens", .int(p.tokens)), ("cost_usd", .string(p.cost.decimalString)),
                                                                 ("minutes_left", .int(Int(max(0, b.endMillis - nowMillis) / 60_000)))]))))
            }
            return .object(JSONObject(members))
        }))]))
    }

    /// "2h 05m", "45m", "0m".
    static func duration(_ millis: Int64) -> String {
        let minutes = max(0, millis) / 60_000
        if minutes < 60 { return "\(minutes)m" }
        let m = minutes % 60
        return "\(minutes / 60)h \(m < 10 ? "0" : "")\(m)m"
    }
}
