import Foundation
import TokenLedgerCore

/// The user's choices for one import run (`tokenledger import` flags), validated.
public struct ImportOptions: Sendable {
    /// `--format`: an adapter name; nil for `auto` (each file is offered to every adapter's `detect`).
    public var format: String?
    /// `--project`: set on every record, overriding what the log implies.
    public var project: String?
    /// `--tag key=value`: added to every record (overriding a same-named tag from the log).
    public var tags: [String: String]
    /// `--channel`: the reseller every request went through.
    public var channel: String?
    /// Format-specific options handed to the adapters (`batch-input`, `map`, ...).
    public var formatOptions: [String: String]
    /// The zone for timestamps logged without an offset: `--tz`, else the local zone (`$TZ`, else the
    /// system's) — the zone reports use, so a naive 09:00 is reported as 09:00.
    public var naiveTimeZone: TimeZone
    /// True when `naiveTimeZone` is the local default rather than `--tz`: a format whose naive
    /// timestamps are documented UTC (OpenRouter's activity export) then reads them as UTC.
    package var naiveTimeZoneIsDefault: Bool
    /// Records per write transaction: large enough to amortise the commit, small enough that a
    /// concurrent writer waits only milliseconds for the lock. Left at its default, a sink may ask
    /// for larger ones (the team ledger: 8,192).
    public var batchSize: Int {
        didSet { batchSizeIsDefault = false }
    }
    /// True while `batchSize` is the default (neither given to `init` nor set).
    package private(set) var batchSizeIsDefault: Bool
    /// The default `batchSize`.
    package static let defaultBatchSize = 4096
    /// A last line without its newline is read only once the file has not changed for this long
    /// (seconds): until then it is assumed to be still being written and is left for the next run.
    public var settledAge: TimeInterval
    /// Worker threads that read and parse line-by-line files ahead of the import (0: the import's own
    /// thread reads every file). The ledger ends the same either way. Default: one per core, at most
    /// four, none on a single core.
    package var readingThreads: Int = ImportOptions.defaultReadingThreads

    /// One reading worker per core (at most four); none on a single core, where a worker would only
    /// take turns with the import's own thread.
    package static var defaultReadingThreads: Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return cores > 1 ? min(cores, 4) : 0
    }

    /// Options for one import; the defaults detect the format, read naive timestamps in the local zone and commit 4,096 records a batch.
    public init(format: String? = nil, project: String? = nil, tags: [String: String] = [:], channel: String? = nil,
                formatOptions: [String: String] = [:], naiveTimeZone: TimeZone? = nil,
                batchSize: Int? = nil, settledAge: TimeInterval = 300) {
        self.format = format
        self.project = project
        self.tags = tags
        self.channel = channel
        self.formatOptions = formatOptions
        self.naiveTimeZone = naiveTimeZone ?? .current
        self.naiveTimeZoneIsDefault = naiveTimeZone == nil
        self.batchSize = batchSize ?? Self.defaultBatchSize
        batchSizeIsDefault = batchSize == nil
        self.settledAge = settledAge
    }

    /// Parses `--tag key=value`; the key must be non-empty.
    package static func parseTag(_ text: String) throws(ImportError) -> (key: String, value: String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { throw .badTag(text) }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw .badTag(text) }
        return (key, String(text[text.index(after: eq)...]))
    }

    /// Parses `--tz` as every command does (`TimeZoneText`): an IANA zone name ("Europe/Berlin"), "UTC",
    /// or an offset ("+02:00").
    package static func parseTimeZone(_ text: String) throws(ImportError) -> TimeZone {
        guard let zone = TimeZoneText.parse(text) else { throw .badTimeZone(text) }
        return zone
    }
}

/// What can go wrong with an import, in one sentence a user can act on.
public enum ImportError: UserFacingError, Equatable {
    /// No importer has this `--format` name.
    case unknownFormat(String)
    /// A `--tag` is not `key=value`.
    case badTag(String)
    /// A `--tz` is not a zone name or offset.
    case badTimeZone(String)
    /// No path could be read; `problems` says why for each.
    case nothingRead(problems: [String])
    /// A tool's logs were asked for without a path and none of its default folders exists.
    case noDefaultLogs(tool: String, looked: [String])

    public var message: String {
        switch self {
        case .unknownFormat(let name):
            let known = LogAdapters.all.map(\.name).joined(separator: ", ")
            return "unknown --format '\(name)'; use auto or one of: \(known.isEmpty ? "(no formats are built in)" : known)."
        case .badTag(let text):
            return "--tag '\(text)' is not key=value; write it like --tag team=search."
        case .badTimeZone(let text):
            return "--tz '\(text)' is not a time zone; use a name like Europe/Berlin, UTC, or an offset like +02:00."
        case .nothingRead(let problems):
            if problems.count == 1 { return problems[0] }
            if problems.isEmpty { return "nothing to import; pass the log files or folders to read." }
            return "nothing could be read: \(problems.count) paths had problems, the first: \(problems[0])"
        case .noDefaultLogs(let tool, let looked):
            return "no \(tool) logs found (looked in \(looked.joined(separator: ", "))); pass their folder as a PATH."
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .unknownFormat, .badTag, .badTimeZone: return .usage
        case .nothingRead, .noDefaultLogs: return .failure
        }
    }
}
