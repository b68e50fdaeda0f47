import TokenLedgerCore
import TokenLedgerLedger

extension SpendReport {
    /// The report as a GitHub-flavoured Markdown table with a bold totals row, the unpriced line and
    /// notes (for pasting into an issue or a wiki); `footer` (when each source was last imported) last,
    /// in italics. Cost: O(rows × columns).
    public func renderMarkdown(footer: String? = nil) -> String {
        var headers = groupBy.map(ReportText.header) + ReportText.numberHeaders + ["Cost", "Share"]
        if reconciled { headers += ReportText.reconcileHeaders }
        if groupBy.isEmpty { headers.insert("", at: 0) }
        let keyCount = max(groupBy.count, 1)
        var lines = ["## " + SpendReport.markdownEscape(ReportText.title(self)), ""]
        if rows.isEmpty {
            lines.append("No usage recorded for this period.")
        } else {
            lines.append("| " + headers.map(SpendReport.markdownEscape).joined(separator: " | ") + " |")
            lines.append("|" + headers.indices.map { $0 < keyCount ? " --- |" : " ---: |" }.joined())
            if !groupBy.isEmpty {
                for row in rows {
                    var cells = groupBy.enumerated().map { ReportText.keyCell(row, $0.offset, $0.element) }
                    cells += ReportText.numberCells(row.usage)
                    cells += [ReportText.costCell(row.usage), ReportText.shareCell(share(of: row.usage))]
                    if reconciled { cells += ReportText.reconcileCells(row.usage) }
                    lines.append("| " + cells.map(SpendReport.markdownEscape).joined(separator: " | ") + " |")
                }
            }
            var total = (0..<keyCount).map { $0 == 0 ? (isLowerBound ? "**Total (lower bound)**" : "**Total**") : "" }
            var numbers = ReportText.numberCells(totals) + [ReportText.costCell(totals), totals.cost.picodollars > 0 ? "100.00%" : "–"]
            if reconciled { numbers += ReportText.reconcileCells(totals) }
            total += numbers.map { "**" + SpendReport.markdownEscape($0) + "**" }
            lines.append("| " + total.joined(separator: " | ") + " |")
        }
        if let line = ReportText.unpricedLine(self) {
            lines += ["", "> **" + SpendReport.markdownEscape(line) + "**"]
            lines += ReportText.unpricedCauseLines(self).map { ">\n> " + SpendReport.markdownEscape($0.trimmingCharacters(in: .whitespaces)) }
        }
        let notes = ReportText.notes(self)
        if !notes.isEmpty { lines += [""] + notes.map { "- " + SpendReport.markdownEscape($0) } }
        if let footer { lines += ["", "_" + SpendReport.markdownEscape(footer) + "_"] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Escapes characters that would break a table cell or start formatting.
    static func markdownEscape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "|", "\\", "*", "_", "`": out += "\\" + String(ch)
            case "\n", "\r": out += " "
            default: out.append(ch)
            }
        }
        return out
    }
}
