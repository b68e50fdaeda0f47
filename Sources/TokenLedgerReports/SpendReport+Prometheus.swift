import TokenLedgerCore
import TokenLedgerLedger

extension SpendReport {
    /// The report in Prometheus' text exposition format, for node_exporter's textfile collector
    /// (write it to `*.prom` from cron). Expects a report grouped by model and effort (other keys
    /// become labels too). Money is exact decimal text; a wholly unpriced series gets no spend sample
    /// (unknown is not zero) but keeps its token and request samples. Cost: O(rows).
    public func renderPrometheus() -> String {
        let periodLabel = "period=\"\(SpendReport.prometheusEscape(period.label))\""
        func labels(_ row: SpendRow, extra: String? = nil) -> String {
            var parts = [periodLabel]
            for (i, dimension) in groupBy.enumerated() {
                let name = SpendReport.prometheusLabelName(dimension)
                parts.append("\(name)=\"\(SpendReport.prometheusEscape(row.keys[i] ?? ""))\"")
            }
            if let extra { parts.append(extra) }
            return "{" + parts.joined(separator: ",") + "}"
        }
        var out = ""
        out += "# HELP tokenledger_spend_usd Computed spend in US dollars in the period (a lower bound where tokenledger_unpriced_requests > 0).\n"
        out += "# TYPE tokenledger_spend_usd gauge\n"
        for row in rows where !row.usage.isUnpriced {
            out += "tokenledger_spend_usd\(labels(row)) \(row.usage.cost.decimalString)\n"
        }
        out += "# HELP tokenledger_requests Requests in the period.\n"
        out += "# TYPE tokenledger_requests gauge\n"
        for row in rows {
            out += "tokenledger_requests\(labels(row)) \(row.usage.requests)\n"
        }
        out += "# HELP tokenledger_tokens Tokens in the period by kind (input is uncached; output includes reasoning).\n"
        out += "# TYPE tokenledger_tokens gauge\n"
        let kinds = ["input", "cache_read", "cache_write", "output", "reasoning"]
        for row in rows {
            let values = ReportFields.numbers(row.usage).dropFirst()
            for (kind, value) in zip(kinds, values) {
                out += "tokenledger_tokens\(labels(row, extra: "kind=\"\(kind)\"")) \(value)\n"
            }
        }
        out += "# HELP tokenledger_unpriced_requests Requests in the period without a computed cost.\n"
        out += "# TYPE tokenledger_unpriced_requests gauge\n"
        out += "tokenledger_unpriced_requests{\(periodLabel)} \(unpriced.requests)\n"
        out += "# HELP tokenledger_unpriced_models Models used in the period that lack a price.\n"
        out += "# TYPE tokenledger_unpriced_models gauge\n"
        out += "tokenledger_unpriced_models{\(periodLabel)} \(unpriced.models.count)\n"
        out += "# HELP tokenledger_spend_total_usd Total computed spend in US dollars in the period.\n"
        out += "# TYPE tokenledger_spend_total_usd gauge\n"
        out += "tokenledger_spend_total_usd{\(periodLabel)} \(totals.cost.decimalString)\n"
        return out
    }

    /// Label names must match [a-zA-Z_][a-zA-Z0-9_]*: "service-tier" → "service_tier", "tag:team" → "tag_team".
    static func prometheusLabelName(_ dimension: GroupDimension) -> String {
        String(dimension.name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// Escapes a label value (backslash, double quote, newline).
    static func prometheusEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
