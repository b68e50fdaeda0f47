import TokenLedgerCore

extension SpendReport {
    /// The report as an aligned terminal table (Core's `TextTable`): title, rows, a totals row, the
    /// unpriced line and notes. Colour only through `style` (plain for pipes and `NO_COLOR`).
    /// Cost: O(rows × columns).
    public func renderTable(style: Style = .plain) -> String {
        var columns = groupBy.map { TextTable.Column(ReportText.header($0)) }
        columns += ReportText.numberHeaders.map { TextTable.Column($0, .right) }
        columns += [TextTable.Column("Cost", .right), TextTable.Column("Share", .right)]
        if reconciled { columns += ReportText.reconcileHeaders.map { TextTable.Column($0, .right) } }
        var table = TextTable(columns: columns)
        for row in rows {
            var cells = groupBy.enumerated().map { ReportText.keyCell(row, $0.offset, $0.element) }
            cells += ReportText.numberCells(row.usage)
            cells += [ReportText.costCell(row.usage), ReportText.shareCell(share(of: row.usage))]
            if reconciled { cells += ReportText.reconcileCells(row.usage) }
            table.addRow(cells)
        }
        table.addSeparator()
        var total = groupBy.enumerated().map { $0.offset == 0 ? (isLowerBound ? "Total (lower bound)" : "Total") : "" }
        if groupBy.isEmpty { columns.insert(TextTable.Column(""), at: 0) }
        total += ReportText.numberCells(totals)
        total += [ReportText.costCell(totals), totals.cost.picodollars > 0 ? "100.00%" : "–"]
        if reconciled { total += ReportText.reconcileCells(totals) }
        if groupBy.isEmpty {
            // No key columns: the single row is the total.
            table = TextTable(columns: columns)
            var cells = [isLowerBound ? "Total (lower bound)" : "Total"] + ReportText.numberCells(totals)
            cells += [ReportText.costCell(totals), totals.cost.picodollars > 0 ? "100.00%" : "–"]
            if reconciled { cells += ReportText.reconcileCells(totals) }
            table.addRow(cells)
        } else {
            table.addRow(total)
        }
        var out = style.bold(ReportText.title(self)) + "\n\n"
        if rows.isEmpty {
            out += "No usage recorded for this period.\n"
        } else {
            out += table.render(style: style)
        }
        if let line = ReportText.unpricedLine(self) {
            out += "\n" + ([style.yellow(line)] + ReportText.unpricedCauseLines(self)).joined(separator: "\n") + "\n"
        }
        let notes = ReportText.notes(self)
        if !notes.isEmpty { out += "\n" + notes.map { style.dim($0) }.joined(separator: "\n") + "\n" }
        return out
    }
}
