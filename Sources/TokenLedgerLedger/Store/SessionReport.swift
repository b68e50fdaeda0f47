import Foundation

/// One agent session (the `session_id` an importer stored: Claude Code's `sessionId`, Codex's rollout
/// session id): its project, first and last activity, models, tokens and cost.
public struct SessionSummary: Sendable, Equatable {
    public var session: String
    /// The session's projects (normally one), sorted.
    public var projects: [String]
    public var firstMillis: Int64
    public var lastMillis: Int64
    /// Resolved model ids (or names as logged), sorted.
    public var models: [String]
    public var usage: UsageTotals

    package init(session: String, projects: [String], firstMillis: Int64, lastMillis: Int64, models: [String], usage: UsageTotals) {
        self.session = session
        self.projects = projects
        self.firstMillis = firstMillis
        self.lastMillis = lastMillis
        self.models = models
        self.usage = usage
    }
}

/// The sessions of a period, oldest last activity first, and their total.
public struct SessionReport: Sendable {
    public var period: ReportPeriod
    public var timeZone: TimeZone
    public var sessions: [SessionSummary]
    public var totals: UsageTotals
    /// Records in the period (after filters) that carry no session id, so are in no row.
    public var recordsWithoutSession: Int

    /// A ledger engine that sums sessions on its own side (the team ledger) builds the same report.
    package init(period: ReportPeriod, timeZone: TimeZone, sessions: [SessionSummary], totals: UsageTotals, recordsWithoutSession: Int) {
        self.period = period
        self.timeZone = timeZone
        self.sessions = sessions
        self.totals = totals
        self.recordsWithoutSession = recordsWithoutSession
    }
}
