import TokenLedgerCore
import TokenLedgerLedger

extension SpendReport {
    /// The report's rows as RFC 4180 CSV (CRLF line ends, quoted where needed), money as exact
    /// decimal text. Only rows: totals are their sums; a row's unpriced part is in `unpriced_requests`.
    /// A key cell (model, project, tag, session … text that can come from someone else's log) that
    /// starts with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so a spreadsheet shows it as text
    /// instead of running it as a formula (OWASP's CSV injection advice); `raw` keeps it as is.
    /// Cost: O(rows × columns).
    public func renderCSV(raw: Bool = false) -> String {
        var header = groupBy.map(\.name)
        if groupBy.contains(.model) { header.append("model_resolved") }
        header += ReportFields.numberKeys + ["cost_usd", "share", "unpriced_requests"]
        if reconciled { header += ReportFields.reconcileKeys }
        var lines = [header.map(SpendReport.csvField).joined(separator: ",")]
        for row in rows {
            var cells = row.keys.map { raw ? $0 ?? "" : SpendReport.neutralisingFormula($0 ?? "") }
            if groupBy.contains(.model) { cells.append(row.modelResolved ? "true" : "false") }
            cells += ReportFields.numbers(row.usage).map(String.init)
            cells.append(row.usage.isUnpriced ? "" : row.usage.cost.decimalString)
            cells.append(share(of: row.usage)?.fixedString ?? "")
            cells.append(String(row.usage.unpricedRequests))
            if reconciled { cells += ReportFields.reconcileValues(row.usage).map { $0?.decimalString ?? "" } }
            lines.append(cells.map(SpendReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `'=1+1` for `=1+1`: text a spreadsheet would otherwise evaluate, made inert.
    static func neutralisingFormula(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return text }
        return "'" + text
    }

    /// Quotes a field when it holds a comma, quote, CR or LF (RFC 4180 §2).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Machine field names shared by CSV, JSON and Prometheus.
enum ReportFields {
    static let numberKeys = ["requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens"]
    static let reconcileKeys = ["reported_cost_usd", "computed_cost_usd", "difference_usd", "reported_unpriced_cost_usd"]

    static func numbers(_ u: UsageTotals) -> [Int] {
        [u.requests, u.inputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.outputTokens, u.reasoningTokens]
    }

    /// reported, computed, difference, reported-but-unpriced; nil where no record carried a reported cost.
    static func reconcileValues(_ u: UsageTotals) -> [Money?] {
        guard let r = u.reconciliation, r.records > 0 || r.unpricedRecords > 0 else { return [nil, nil, nil, nil] }
        return [r.reported, r.computed, r.difference, r.reportedUnpriced]
    }
}
