import TokenLedgerCore
import TokenLedgerLedger

extension SpendReport {
    /// The report as an aligned terminal table (Core's `TextTable`): title, rows, a totals row, the
    /// unpriced line and notes. Colour only through `style` (plain for pipes and `NO_COLOR`).
    /// `emptyMessage` replaces "No usage recorded for this period." when there are no rows (e.g. to say
    /// that a filter, not the period, matched nothing). `rowModels` (one list per row) adds a Models
    /// column after the keys. `compact` (a terminal under ~100 columns) shows Requests, Tokens (all
    /// kinds summed), Cost and Share with abbreviated numbers instead of every token kind.
    /// `wrapWidth` wraps the unpriced line and notes to that many columns (a narrow terminal).
    /// `footer` (when each source was last imported) is the last line. Cost: O(rows × columns).
    public func renderTable(style: Style = .plain, emptyMessage: String? = nil, rowModels: [[String]]? = nil, compact: Bool = false,
                            wrapWidth: Int? = nil, footer: String? = nil) -> String {
        func wrap(_ line: String) -> String { wrapWidth.map { ReportText.wrap(line, width: $0) } ?? line }
        let numberHeaders = compact ? ["Requests", "Tokens"] : ReportText.numberHeaders
        func numberCells(_ u: UsageTotals) -> [String] {
            compact ? [NumberText.compact(u.requests), NumberText.compact(u.totalTokens)] : ReportText.numberCells(u)
        }
        var columns = groupBy.map { TextTable.Column(ReportText.header($0)) }
        if rowModels != nil { columns.append(TextTable.Column("Models")) }
        columns += numberHeaders.map { TextTable.Column($0, .right) }
        columns += [TextTable.Column("Cost", .right), TextTable.Column("Share", .right)]
        if reconciled { columns += ReportText.reconcileHeaders.map { TextTable.Column($0, .right) } }
        var table = TextTable(columns: columns)
        for (index, row) in rows.enumerated() {
            var cells = groupBy.enumerated().map { ReportText.keyCell(row, $0.offset, $0.element) }
            if let rowModels { cells.append(index < rowModels.count ? rowModels[index].joined(separator: ", ") : "") }
            cells += numberCells(row.usage)
            cells += [ReportText.costCell(row.usage), ReportText.shareCell(share(of: row.usage))]
            if reconciled { cells += ReportText.reconcileCells(row.usage) }
            table.addRow(cells)
        }
        table.addSeparator()
        var total = groupBy.enumerated().map { $0.offset == 0 ? (isLowerBound ? "Total (lower bound)" : "Total") : "" }
        if rowModels != nil { total.append("") }
        if groupBy.isEmpty { columns.insert(TextTable.Column(""), at: 0) }
        total += numberCells(totals)
        total += [ReportText.costCell(totals), totals.cost.picodollars > 0 ? "100.00%" : "–"]
        if reconciled { total += ReportText.reconcileCells(totals) }
        if groupBy.isEmpty {
            // No key columns: the single row is the total.
            table = TextTable(columns: columns)
            var cells = [isLowerBound ? "Total (lower bound)" : "Total"] + numberCells(totals)
            cells += [ReportText.costCell(totals), totals.cost.picodollars > 0 ? "100.00%" : "–"]
            if reconciled { cells += ReportText.reconcileCells(totals) }
            table.addRow(cells)
        } else {
            table.addRow(total)
        }
        var out = style.bold(ReportText.title(self)) + "\n\n"
        if rows.isEmpty {
            out += wrap(emptyMessage ?? "No usage recorded for this period.") + "\n"
        } else {
            out += table.render(style: style)
        }
        if let line = ReportText.unpricedLine(self) {
            out += "\n" + ([style.yellow(wrap(line))] + ReportText.unpricedCauseLines(self).map(wrap)).joined(separator: "\n") + "\n"
        }
        let notes = ReportText.notes(self)
        if !notes.isEmpty { out += "\n" + notes.map { style.dim(wrap($0)) }.joined(separator: "\n") + "\n" }
        if let footer { out += "\n" + style.dim(wrap(footer)) + "\n" }
        return out
    }
}
