import Foundation
import TokenLedgerCore

/// One way to group spend: a `--by` key.
public enum GroupDimension: Hashable, Sendable {
    case model, provider, effort, day, week, month, project, source, session, serviceTier
    /// The local hour in the query's zone ("2026-11-24 14:00"); a repeated hour at the end of summer
    /// time is one row, as a wall clock shows it.
    case hour
    /// The reseller (price channel) the requests went through; "(none)" when direct.
    case channel
    /// "batch" for Batch API requests, "standard" otherwise.
    case batch
    /// The machine whose import or push wrote the record (team ledgers on PostgreSQL only).
    case machine
    /// The repository a coding agent worked in (`--by repo`): its remote, or the folder's name.
    case repository
    /// The git branch checked out (`--by branch`).
    case branch
    /// A tag's value, from the record's `tags` JSON object (`tag:team`).
    case tag(String)

    /// The fixed keys, in the order help text lists them (`tag:KEY` is added by `validKeys`).
    public static let fixed: [GroupDimension] = [
        .model, .provider, .effort, .hour, .day, .week, .month, .project, .repository, .branch, .source, .session,
        .serviceTier, .channel, .batch, .machine,
    ]

    /// Every accepted `--by` key, for error messages and help.
    public static let validKeys = fixed.map(\.name) + ["tag:KEY"]

    /// The `--by` name, which is also the row's key in JSON and the CSV header: "model", "service-tier", "tag:team".
    public var name: String {
        switch self {
        case .model: return "model"
        case .provider: return "provider"
        case .effort: return "effort"
        case .hour: return "hour"
        case .day: return "day"
        case .week: return "week"
        case .month: return "month"
        case .project: return "project"
        case .source: return "source"
        case .session: return "session"
        case .serviceTier: return "service-tier"
        case .channel: return "channel"
        case .batch: return "batch"
        case .machine: return "machine"
        case .repository: return "repo"
        case .branch: return "branch"
        case .tag(let key): return "tag:\(key)"
        }
    }

    /// True for the calendar buckets (hour, day, week, month), which sort chronologically.
    public var isTime: Bool { self == .hour || self == .day || self == .week || self == .month }

    /// Parses one `--by` key. Tag keys are limited to letters, digits, `_ . -` so they can be used in a JSON path.
    public init(parsing text: String) throws(ReportError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let key = trimmed.lowercased()
        if key.hasPrefix("tag:") {
            let tag = String(trimmed.dropFirst(4))
            guard GroupDimension.isValidTagKey(tag) else { throw .badTagKey(tag) }
            self = .tag(tag)
            return
        }
        switch key {
        case "service_tier", "tier": self = .serviceTier
        case "session_id": self = .session
        case "repository": self = .repository
        default:
            guard let found = GroupDimension.fixed.first(where: { $0.name == key }) else {
                throw .unknownGroupKey(text)
            }
            self = found
        }
    }

    /// Parses a comma-separated `--by` list ("model,effort,day"); duplicates are an error.
    public static func parseList(_ text: String) throws(ReportError) -> [GroupDimension] {
        var result: [GroupDimension] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let dimension = try GroupDimension(parsing: String(part))
            guard !result.contains(dimension) else { throw .duplicateGroupKey(dimension.name) }
            result.append(dimension)
        }
        guard result.count <= ReportQuery.maximumGroupKeys else { throw .tooManyGroupKeys(result.count) }
        return result
    }

    package static func isValidTagKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 46 || b == 45
        }
    }
}

/// Which rows count when a ledger holds both per-request rows and aggregated rows from usage/cost
/// exports (`is_aggregate = 1`) — the same spend seen twice must never be added twice.
public enum AggregatePolicy: String, Sendable, CaseIterable {
    /// Per provider: its per-request rows when it has any in the period, else its aggregate rows.
    case auto
    /// Per-request rows only; aggregate rows are left out.
    case exclude
    /// Aggregate rows only (to look at an export on its own).
    case only

    /// Splits the providers that have aggregate rows in a period into those whose aggregate rows
    /// count (`used`) and those left out (`skipped`), given whether each also has per-request rows
    /// in the period. Reports and budgets both decide with this, on SQLite and PostgreSQL alike.
    package func split(_ providers: [AggregateProvider]) -> (used: [String], skipped: [String]) {
        var used: [String] = [], skipped: [String] = []
        for entry in providers {
            switch self {
            case .auto: if entry.hasRequests { skipped.append(entry.provider) } else { used.append(entry.provider) }
            case .exclude: skipped.append(entry.provider)
            case .only: used.append(entry.provider)
            }
        }
        return (used, skipped)
    }
}

/// A provider with aggregate (usage/cost export) rows in a period, and whether it also has
/// per-request rows there — the same spend seen twice when it does.
package struct AggregateProvider: Sendable, Hashable {
    public var provider: String
    public var hasRequests: Bool

    public init(provider: String, hasRequests: Bool) {
        self.provider = provider
        self.hasRequests = hasRequests
    }
}

/// What to report: grouping, period, filters, time zone. Build it with the parsing helpers so bad
/// input becomes a `ReportError` (exit 2) rather than a wrong report.
public struct ReportQuery: Sendable {
    /// At most this many `--by` keys (keeps the group key a fixed-size value in the hot loop).
    package static let maximumGroupKeys = 6

    /// The group-by dimensions, in output column order. Empty = one row for everything.
    public var groupBy: [GroupDimension]
    /// The period: `since` inclusive, `until` exclusive (nil = unbounded).
    public var period: ReportPeriod
    /// The zone of day/week/month buckets and of date-only `since`/`until`/`month`.
    public var timeZone: TimeZone
    /// Keep only these models (matched against the resolved id or the name as logged); empty = all.
    public var models: [String]
    /// Keep only these providers ("openai", "anthropic"…); empty = all.
    public var providers: [String]
    /// Keep only these projects; empty = all.
    public var projects: [String]
    /// Keep only records made on one of these git branches (`--branch`); empty = all.
    public var branches: [String]
    /// Keep only records whose `tags` JSON has every one of these key = value pairs.
    public var tags: [TagFilter]
    /// Whether rows from usage/cost exports (aggregate buckets) count: by default only for providers
    /// with no per-request records in the period, so no spend is counted twice.
    public var aggregates: AggregatePolicy
    /// Also sum provider-reported costs (`reported_cost_pusd`) beside the computed ones.
    public var reconcile: Bool

    /// A query; left at its defaults it reports all the usage ever recorded, one row per model, in the
    /// local time zone.
    public init(
        groupBy: [GroupDimension] = [.model],
        period: ReportPeriod = ReportPeriod(),
        timeZone: TimeZone = .current,
        models: [String] = [], providers: [String] = [], projects: [String] = [], tags: [TagFilter] = [],
        aggregates: AggregatePolicy = .auto, reconcile: Bool = false, branches: [String] = []
    ) {
        self.groupBy = groupBy
        self.period = period
        self.timeZone = timeZone
        self.models = models
        self.providers = providers
        self.projects = projects
        self.branches = branches
        self.tags = tags
        self.aggregates = aggregates
        self.reconcile = reconcile
    }

    /// Resolves `--tz` as `import` does (`TimeZoneText`): an IANA zone name ("Europe/Berlin", "UTC") or an
    /// offset ("+05:30"); nil/empty = the local zone (`$TZ`, else the system's).
    public static func timeZone(named name: String?) throws(ReportError) -> TimeZone {
        guard let name, !name.isEmpty else { return .current }
        guard let zone = TimeZoneText.parse(name) else { throw .badTimeZone(name) }
        return zone
    }
}

/// `--tag k=v`.
public struct TagFilter: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Parses "team=search".
    public init(parsing text: String) throws(ReportError) {
        guard let eq = text.firstIndex(of: "=") else { throw .badTagFilter(text) }
        let key = String(text[..<eq]), value = String(text[text.index(after: eq)...])
        guard GroupDimension.isValidTagKey(key) else { throw .badTagFilter(text) }
        self.init(key: key, value: value)
    }
}

/// Every way a report request can be wrong, in one sentence each.
public enum ReportError: UserFacingError, Equatable {
    case unknownGroupKey(String)
    case duplicateGroupKey(String)
    case tooManyGroupKeys(Int)
    case badTagKey(String)
    case badTagFilter(String)
    case badDate(flag: String, text: String)
    /// A bare number for a date: Unix time or a malformed date, so it is refused rather than guessed.
    case ambiguousNumber(flag: String, text: String)
    case badMonth(String)
    case badTimeZone(String)
    case emptyPeriod(since: String, until: String)
    case monthWithRange
    case unknownFormat(String)
    case cannotWrite(path: String, reason: String)
    case ledgerUnreadable(reason: String)
    case machineNeedsTeamLedger

    public var message: String {
        let keys = GroupDimension.validKeys.joined(separator: ", ")
        switch self {
        case .unknownGroupKey(let key):
            return "'\(key)' is not a --by key; valid keys are: \(keys)."
        case .duplicateGroupKey(let key):
            return "--by lists '\(key)' twice; give each key once (valid keys are: \(keys))."
        case .tooManyGroupKeys(let n):
            return "--by has \(n) keys but at most \(ReportQuery.maximumGroupKeys) are allowed; drop some (valid keys are: \(keys))."
        case .badTagKey(let key):
            return "'tag:\(key)' needs a tag key of letters, digits, '_', '.' or '-', e.g. --by tag:team (valid keys are: \(keys))."
        case .badTagFilter(let text):
            return "--tag '\(text)' must be KEY=VALUE with a key of letters, digits, '_', '.' or '-', e.g. --tag team=search."
        case .badDate(let flag, let text):
            return "\(flag) '\(text)' is not a date or time; use 2026-11-01, 2026-11-01T09:30 or 2026-11-01T09:30:00Z."
        case .ambiguousNumber(let flag, let text):
            return "\(flag) '\(text)' is a bare number, not a date; write the day as 2026-11-01 or 20261101, or an instant as 2026-11-01T09:30:00Z."
        case .badMonth(let text):
            return "--month '\(text)' is not a month; use YYYY-MM, e.g. --month 2026-11."
        case .badTimeZone(let name):
            return "--tz '\(name)' is not a known IANA time zone; use a name like Europe/Berlin, America/New_York or UTC, or an offset like +05:30."
        case .emptyPeriod(let since, let until):
            return "the period is empty (--since \(since) is not before --until \(until)); give an earlier --since or a later --until."
        case .monthWithRange:
            return "--month cannot be combined with --since or --until; give either a month or a range."
        case .unknownFormat(let name):
            return "'\(name)' is not a report format; use one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))."
        case .machineNeedsTeamLedger:
            return "--by machine needs a team ledger (a local ledger holds one machine's records); report from the shared one with --db postgres://… after 'tokenledger push'."
        case .cannotWrite(let path, let reason):
            return "cannot write the report to \(path) (\(reason)); check the folder exists and is writable."
        case .ledgerUnreadable(let reason):
            return "cannot read the ledger (\(reason)); check the file given with --db."
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .cannotWrite, .ledgerUnreadable: return .failure
        default: return .usage
        }
    }
}
