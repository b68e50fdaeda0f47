import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Text shared by the human-readable formats (table, Markdown, HTML), so they say the same thing.
enum ReportText {
    /// "Spend by model, effort — 2026-11 (Europe/Berlin)".
    static func title(_ report: SpendReport) -> String {
        let by = report.groupBy.isEmpty ? "" : " by " + report.groupBy.map(\.name).joined(separator: ", ")
        return "Spend\(by) — \(report.period.label) (\(TimeZoneText.name(report.timeZone)))"
    }

    /// Column title of a key: "Model", "Service tier", "Tag team".
    static func header(_ dimension: GroupDimension) -> String {
        switch dimension {
        case .serviceTier: return "Service tier"
        case .tag(let key): return "Tag \(key)"
        default:
            let name = dimension.name
            return name.prefix(1).uppercased() + name.dropFirst()
        }
    }

    /// A key cell: the label, "(none)" for a missing value, and `*` after a model name that was not resolved.
    static func keyCell(_ row: SpendRow, _ index: Int, _ dimension: GroupDimension) -> String {
        guard let label = row.keys[index] else { return "(none)" }
        return dimension == .model && !row.modelResolved ? label + "*" : label
    }

    /// "$1.23", "≥ $1.23" (some records unpriced), or "unpriced" (none priced — never $0).
    static func costCell(_ usage: UsageTotals) -> String {
        if usage.isUnpriced { return "unpriced" }
        return usage.isLowerBound ? "≥ " + usage.cost.displayString : usage.cost.displayString
    }

    /// "41.23%", or "–" when the share is unknown.
    static func shareCell(_ share: ExactDecimal?) -> String {
        guard let share else { return "–" }
        return ExactDecimal(significand: share.significand, fractionDigits: 2).fixedString + "%"
    }

    static func grouped(_ value: Int) -> String { NumberText.grouped(value) }

    /// Wraps `text` at spaces to at most `width` columns (a word longer than that stays whole);
    /// continuation lines keep the first line's leading spaces plus two.
    static func wrap(_ text: String, width: Int) -> String {
        let indent = String(text.prefix { $0 == " " })
        var lines: [String] = []
        var line = ""
        for word in text.dropFirst(indent.count).split(separator: " ") {
            let prefix = lines.isEmpty ? indent : indent + "  "
            if !line.isEmpty && TextTable.displayWidth(line) + 1 + TextTable.displayWidth(String(word)) > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? prefix + word : " " + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// The unpriced line, or nil when everything was priced.
    static func unpricedLine(_ report: SpendReport) -> String? {
        let u = report.unpriced
        guard u.records > 0 else { return nil }
        let models = u.models.count == 1 ? "1 model lacks a price" : "\(u.models.count) models lack prices"
        let names = u.models.isEmpty ? "" : ": " + u.models.joined(separator: ", ")
        return "Unpriced: \(grouped(u.requests)) requests, \(grouped(u.tokens)) tokens; \(models)\(names). Cost totals are a lower bound."
    }

    /// Why records are unpriced, one line per cause with its models and the step that fixes it:
    /// "2 records: unknown model (gpt-9-mini). Fix: tokenledger prices update …". Empty when all priced.
    static func unpricedCauseLines(_ report: SpendReport) -> [String] {
        report.unpriced.causes.map { c in
            "  \(grouped(c.records)) record\(c.records == 1 ? "" : "s"): \(c.summary). Fix: \(c.cause.fix)."
        }
    }

    /// Notes on aggregate rows and unresolved models.
    static func notes(_ report: SpendReport) -> [String] {
        var notes: [String] = []
        if !report.aggregateProviders.isEmpty {
            notes.append("Spend of \(report.aggregateProviders.joined(separator: ", ")) comes from usage/cost exports (aggregate rows), as there are no per-request records for it in this period.")
        }
        if !report.skippedAggregateProviders.isEmpty {
            notes.append("Aggregate rows of \(report.skippedAggregateProviders.joined(separator: ", ")) are left out: per-request records cover the same spend (see --aggregates).")
        }
        if report.groupBy.contains(.model) && report.rows.contains(where: { !$0.modelResolved }) {
            notes.append("* model name as logged; it did not resolve to a known model id.")
        }
        return notes
    }

    /// The numeric columns every row shows, in order.
    static let numberHeaders = ["Requests", "Input", "Cache read", "Cache write", "Output", "Reasoning"]

    static func numberCells(_ u: UsageTotals) -> [String] {
        [u.requests, u.inputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.outputTokens, u.reasoningTokens].map(grouped)
    }

    static let reconcileHeaders = ["Reported", "Computed", "Difference"]

    static func reconcileCells(_ u: UsageTotals) -> [String] {
        guard let r = u.reconciliation, r.records > 0 || r.unpricedRecords > 0 else { return ["–", "–", "–"] }
        let reported = r.unpricedRecords > 0 ? "\(r.reported.displayString) (+\(r.reportedUnpriced.displayString) unpriced)" : r.reported.displayString
        return [reported, r.computed.displayString, r.difference.displayString]
    }
}
