import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// What one `tokenledger import` run did, for the one-line summary and `--json`.
public struct ImportSummary: Sendable, Hashable {
    /// Files read this run (new, grown or replaced).
    public var filesRead = 0
    /// Files skipped without reading because they had not changed since the last import.
    public var filesUnchanged = 0
    /// Files not read: no adapter recognised them, or they could not be opened.
    public var filesSkipped = 0
    /// New records stored.
    public var imported = 0
    /// Records already in the ledger (re-imported lines, overlapping exports): nothing added.
    public var duplicates = 0
    /// Stored records replaced by a more complete copy (e.g. the final line of a streamed response).
    public var replaced = 0
    /// Valid lines that carry no billable usage (user messages, session headers, free errors).
    public var skipped = 0
    /// Malformed lines found this run: reported and kept in the quarantine table.
    public var quarantined = 0
    /// Imported or replaced records that have no price (unknown model or date); never counted as $0.
    public var unpriced = 0
    /// Those unpriced records by cause, with their models and the step that fixes each.
    public var unpricedCauses: [UnpricedCauseCount] = []
    /// Bytes read from log files.
    public var bytesRead: Int64 = 0
    /// Paths that could not be read, one sentence each.
    public var problems: [String] = []
    /// Things the import did but that make reports wrong unless the user acts (the same requests
    /// imported from a tool's telemetry and its session files), one sentence each with the fix.
    public var warnings: [String] = []

    package init() {}

    /// The warning for requests found both in a tool's telemetry and in its session files, with the
    /// command that leaves one copy: re-import the session files alone into a fresh ledger.
    package static func telemetryWarning(_ overlap: TelemetryOverlap, ledgerPath: String) -> String {
        let tool = LogAdapters.agents.first { $0.format == overlap.source }?.tool ?? overlap.source
        let n = overlap.requests, s = overlap.sessions
        return "\(n) request\(n == 1 ? " was" : "s were") imported both from OpenTelemetry events and from \(tool)'s session files "
            + "(\(s) session\(s == 1 ? "" : "s")), so reports count \(n == 1 ? "it" : "them") twice; keep one source: "
            + "mv '\(ledgerPath)' '\(ledgerPath).bak' && tokenledger import --agents (the telemetry can go to its own ledger with --db)."
    }

    /// True when no file could be read or was already up to date: the run failed.
    public var nothingRead: Bool { filesRead == 0 && filesUnchanged == 0 }

    /// "Imported 1,204 records from 3 files (12 unchanged): 40 duplicates, 2 quarantined, 5 unpriced."
    public var line: String {
        var parts: [String] = []
        if duplicates > 0 { parts.append("\(duplicates) duplicate\(duplicates == 1 ? "" : "s")") }
        if replaced > 0 { parts.append("\(replaced) replaced") }
        if skipped > 0 { parts.append("\(skipped) without usage skipped") }
        if quarantined > 0 { parts.append("\(quarantined) quarantined") }
        if unpriced > 0 { parts.append("\(unpriced) unpriced") }
        if filesSkipped > 0 { parts.append("\(filesSkipped) file\(filesSkipped == 1 ? "" : "s") not read") }
        var files = "\(filesRead) file\(filesRead == 1 ? "" : "s")"
        if filesUnchanged > 0 { files += " (\(filesUnchanged) unchanged)" }
        let head = "Imported \(imported) record\(imported == 1 ? "" : "s") from \(files)"
        return parts.isEmpty ? head + "." : head + ": " + parts.joined(separator: ", ") + "."
    }

    /// Why the unpriced records have no price, one line per cause with its models and the step that
    /// fixes it (the wording of a report's unpriced lines). Empty when everything was priced.
    public var unpricedLines: [String] {
        unpricedCauses.map { c in
            "  \(c.records) unpriced record\(c.records == 1 ? "" : "s"): \(c.summary). Fix: \(c.cause.fix)."
        }
    }

    /// The machine-readable summary printed by `--json`.
    package var json: JSONValue {
        [
            "files_read": .int(filesRead), "files_unchanged": .int(filesUnchanged), "files_skipped": .int(filesSkipped),
            "imported": .int(imported), "duplicates": .int(duplicates), "replaced": .int(replaced),
            "skipped": .int(skipped), "quarantined": .int(quarantined), "unpriced": .int(unpriced),
            "unpriced_causes": .array(unpricedCauses.map(\.json)),
            "bytes_read": .number(String(bytesRead)), "problems": .array(problems.map { .string($0) }),
            "warnings": .array(warnings.map { .string($0) }),
        ]
    }
}
