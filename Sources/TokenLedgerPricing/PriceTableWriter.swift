import TokenLedgerCore

/// Writes a `PriceTable` back as table TOML (pricing/FORMAT.md) that `PriceTable.parse` reads into
/// the same prices: every number exact, components in table order. Comments in the original file are
/// not kept; `header` lines are written as comments at the top. Cost: one pass over the table.
package enum PriceTableWriter {
    public static func toml(_ table: PriceTable, header: [String] = []) -> String {
        var lines = header.map { "# " + $0 }
        if !lines.isEmpty { lines.append("") }
        lines.append("[table]")
        lines.append("provider = \(quoted(table.provider))")
        lines.append("channel = \(quoted(table.channel))")
        if let s = table.source { lines.append("source = \(quoted(s))") }
        if let c = table.checked { lines.append("checked = \(quoted(c))") }
        for calendar in table.calendars {
            lines.append("")
            lines.append("[[calendar]]")
            lines.append("name = \(quoted(calendar.name))")
            if let s = calendar.source { lines.append("source = \(quoted(s))") }
            lines.append("days = [\(calendar.days.sorted().map { quoted(PriceDate.text($0)) }.joined(separator: ", "))]")
        }
        for model in table.models {
            lines.append("")
            lines.append("[[model]]")
            lines.append("id = \(quoted(model.id))")
            if model.resellerOnly { lines.append("reseller_only = true") }
            if table.isOfficial || model.resellerOnly {
                if !model.aliases.isEmpty { lines.append("aliases = [\(model.aliases.map(quoted).joined(separator: ", "))]") }
                if let e = model.encoding { lines.append("encoding = \(quoted(e))") }
                if let w = model.contextWindow { lines.append("context_window = \(w)") }
                if let o = model.maxOutput { lines.append("max_output = \(o)") }
                if !model.efforts.isEmpty { lines.append("efforts = [\(model.efforts.map { quoted($0.rawValue) }.joined(separator: ", "))]") }
                if let s = model.source { lines.append("source = \(quoted(s))") }
                if let c = model.checked { lines.append("checked = \(quoted(c))") }
                if model.datedSnapshots { lines.append("dated_snapshots = true") }
            }
            if let n = model.notes { lines.append("notes = \(quoted(n))") }
            for period in model.periods {
                lines.append("")
                lines.append("[[model.period]]")
                lines.append("from = \"\(period.fromText)\"")
                lines += prices(period.prices)
                let batchTable = !period.batchPrices.isEmpty || !period.batchUnchanged.isEmpty
                if !batchTable, let b = period.batch, let text = decimalText(b) { lines.append("batch = \(text)") }
                if period.assumed { lines.append("assumed = true") }
                if let official = period.official, !official.isEmpty {
                    lines.append("official = { \(official.values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) = \($0.value.decimalString)" }.joined(separator: ", ")) }")
                }
                for (name, tier) in period.serviceTiers.sorted(by: { $0.key < $1.key }) {
                    lines.append("")
                    lines.append("[model.period.\(name)]")
                    lines += prices(tier.prices)
                    if let m = tier.multiplier, let text = decimalText(m) { lines.append("multiplier = \(text)") }
                }
                if batchTable {
                    lines.append("")
                    lines.append("[model.period.batch]")
                    if let b = period.batch, let text = decimalText(b) { lines.append("multiplier = \(text)") }
                    lines += prices(period.batchPrices)
                    if !period.batchUnchanged.isEmpty {
                        lines.append("unchanged = [\(period.batchUnchanged.map { quoted($0.rawValue) }.joined(separator: ", "))]")
                    }
                }
                if let lc = period.longContext {
                    lines.append("")
                    lines.append("[model.period.long_context]")
                    lines.append("\(lc.inclusive ? "at_least" : "threshold") = \(lc.threshold)")
                    lines += prices(lc.prices)
                }
                for window in period.windows {
                    lines.append("")
                    lines.append("[[model.period.window]]")
                    lines.append("name = \(quoted(window.name))")
                    lines.append("utc = \(quoted(window.utcText))")
                    if !window.days.isEmpty {
                        lines.append("days = [\(window.days.map { quoted(TimeWindow.dayNames[$0]) }.joined(separator: ", "))]")
                    }
                    lines += prices(window.prices)
                    if let m = window.multiplier, let text = decimalText(m) { lines.append("multiplier = \(text)") }
                    if let c = window.exceptCalendar { lines.append("except = \(quoted(c))") }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func prices(_ prices: ComponentPrices) -> [String] {
        var out: [String] = []
        prices.forEach { c, p in out.append("\(c.rawValue) = \(p.decimalString)") }
        return out
    }

    /// A multiplier as exact decimal text ("0.5"); nil when it has no finite decimal form.
    static func decimalText(_ rate: Rate) -> String? {
        var scaled = rate.numerator
        for digits in 0...18 {
            if scaled % rate.denominator == 0 {
                return ExactDecimal(significand: scaled / rate.denominator, fractionDigits: digits).normalized().description
            }
            scaled *= 10
        }
        return nil
    }

    static func quoted(_ s: String) -> String { LiteLLMImport.quoted(s) }
}
