import TokenLedgerCore

extension RepriceReport {
    /// The table `tokenledger reprice` prints: one row per month and model, then the total.
    public func text(style: Style = .plain) -> String {
        if records == 0 { return "The ledger holds no records; nothing to reprice.\n" }
        var table = TextTable(columns: [
            .init("Month"), .init("Model"), .init("Records", .right), .init("Changed", .right),
            .init("Before", .right), .init("After", .right), .init("Difference", .right), .init("Unpriced", .right),
        ])
        func signed(_ m: Money) -> String { m > .zero ? "+" + m.displayString : m.displayString }
        for line in lines {
            table.addRow([
                line.month, line.model, String(line.records), String(line.changed), line.before.displayString,
                line.after.displayString, signed(line.difference),
                line.unpricedBefore == line.unpricedAfter ? String(line.unpricedAfter) : "\(line.unpricedBefore) → \(line.unpricedAfter)",
            ])
        }
        table.addSeparator()
        let unpricedBefore = lines.reduce(0) { $0 + $1.unpricedBefore }
        let unpricedAfter = lines.reduce(0) { $0 + $1.unpricedAfter }
        table.addRow([
            "Total", "", String(records), String(changed), before.displayString, after.displayString, signed(after - before),
            unpricedBefore == unpricedAfter ? String(unpricedAfter) : "\(unpricedBefore) → \(unpricedAfter)",
        ])
        var out = table.render(style: style)
        if changed == 0 {
            out += "Every stored cost already matches the current prices.\n"
        } else if applied {
            out += "Repriced \(changed) record\(changed == 1 ? "" : "s").\n"
        } else {
            out += "Dry run: \(changed) record\(changed == 1 ? "" : "s") would change; run without --dry-run to apply.\n"
        }
        return out
    }

    /// `--json`: money as exact decimal strings.
    public func json() -> JSONValue {
        [
            "applied": .bool(applied), "records": .int(records), "changed": .int(changed),
            "before": .money(before), "after": .money(after), "difference": .money(after - before),
            "lines": .array(lines.map { line in
                [
                    "month": .string(line.month), "model": .string(line.model), "records": .int(line.records),
                    "changed": .int(line.changed), "before": .money(line.before), "after": .money(line.after),
                    "difference": .money(line.difference), "unpriced_before": .int(line.unpricedBefore),
                    "unpriced_after": .int(line.unpricedAfter),
                ]
            }),
        ]
    }
}
