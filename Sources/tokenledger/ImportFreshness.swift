import Foundation
import TokenLedger
import TokenLedgerPostgres

/// When each source (log format) last gave the ledger new records, from its import checkpoints, so a
/// report says how current it is: "Data as of 2026-12-07 09:10 UTC (claude-code 2 h ago, codex 3 d ago)."
/// A checkpoint is written when a file yields new lines, so the time is when the newest data of that
/// source was imported (an import that finds nothing new leaves it as it was). On a team ledger, per
/// machine: each source's newest import checkpoint there, and when the machine last pushed.
struct ImportFreshness {
    /// One source's newest checkpoint; on a team ledger, one machine's source, or its last push
    /// (`name` "push").
    struct Source: Equatable {
        var name: String
        var lastImport: Date
        var machine: String? = nil

        /// "claude-code", or on a team ledger "claude-code on alice-laptop", "push from ci".
        var label: String {
            guard let machine else { return name }
            return name == "push" ? "push from \(machine)" : "\(name) on \(machine)"
        }
    }

    /// Newest first.
    var sources: [Source]

    /// Groups checkpoints by format and keeps each format's newest.
    init(_ files: [ImportedFile]) {
        var newest: [String: Date] = [:]
        for file in files { newest[file.format] = max(newest[file.format] ?? file.lastRead, file.lastRead) }
        sources = newest.map { Source(name: $0.key, lastImport: $0.value) }
            .sorted { ($0.lastImport, $1.name) > ($1.lastImport, $0.name) }
    }

    /// The local ledger's checkpoints; empty for a ledger file that has none (filled by push or by hand).
    init(ledger: Ledger) throws {
        self.init(try ledger.importedFiles())
    }

    /// A team ledger's writes: per machine, each log format's newest import checkpoint and the last
    /// push (`TeamLedger.lastWrites`), newest first.
    init(team: TeamLedger) throws {
        sources = try team.lastWrites().map { Source(name: $0.format ?? "push", lastImport: $0.at, machine: $0.machine) }
    }

    /// "Data as of 2026-12-07 09:10 UTC (claude-code 2 h ago, codex 3 d ago)."; nil without checkpoints.
    func sentence(now: Date, zone: TimeZone) -> String? {
        guard let newest = sources.first else { return nil }
        let millis = Int64((newest.lastImport.timeIntervalSince1970 * 1000).rounded())
        let ages = sources.map { "\($0.label) \(Self.age(from: $0.lastImport, to: now))" }.joined(separator: ", ")
        return "Data as of \(LocalCalendar.minuteLabel(millis, in: zone)) \(Self.zoneName(zone)) (last import: \(ages))."
    }

    /// `"freshness": {"as_of": "…Z", "sources": [{"source": "claude-code", "last_import": "…Z"}]}`.
    var json: JSONValue {
        .object(JSONObject([
            ("as_of", sources.first.map { .string(Timestamp.iso8601($0.lastImport)) } ?? .null),
            ("sources", .array(sources.map { source in
                var members: [(String, JSONValue)] = [("source", .string(source.name))]
                if let machine = source.machine { members.append(("machine", .string(machine))) }
                members.append(("last_import", .string(Timestamp.iso8601(source.lastImport))))
                return .object(JSONObject(members))
            })),
        ]))
    }

    /// A node_exporter gauge per source, so an alert can fire on stale data:
    /// `tokenledger_last_import_timestamp_seconds{source="codex"} 1765087800`. Empty without checkpoints.
    var prometheus: String {
        guard !sources.isEmpty else { return "" }
        var out = "# HELP tokenledger_last_import_timestamp_seconds When each source last gave the ledger new records (Unix time).\n"
        out += "# TYPE tokenledger_last_import_timestamp_seconds gauge\n"
        for source in sources {
            let machine = source.machine.map { ",machine=\"\(Self.labelEscape($0))\"" } ?? ""
            out += "tokenledger_last_import_timestamp_seconds{source=\"\(Self.labelEscape(source.name))\"\(machine)} \(Int64(source.lastImport.timeIntervalSince1970))\n"
        }
        return out
    }

    /// A Prometheus label value: backslash, double quote and newline escaped.
    static func labelEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// "just now", "12 min ago", "2 h ago", "3 d ago" (whole units, rounded down); "in the future" for a
    /// checkpoint written by a clock ahead of this one.
    static func age(from date: Date, to now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        if seconds < 0 { return "in the future" }
        if seconds < 60 { return "just now" }
        if seconds < 3_600 { return "\(seconds / 60) min ago" }
        if seconds < 86_400 { return "\(seconds / 3_600) h ago" }
        return "\(seconds / 86_400) d ago"
    }

    /// The zone as reports name it ("UTC", not Foundation's "GMT").
    static func zoneName(_ zone: TimeZone) -> String { TimeZoneText.name(zone) }
}
