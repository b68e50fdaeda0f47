import Foundation
import GRDB

/// Identifies one alert in the ledger's alert memory: a budget, the local start date of its period,
/// and what fired ("threshold:80", "forecast").
public struct AlertKey: Sendable, Hashable {
    public var budget: String
    public var periodStart: String
    public var kind: String

    package init(budget: String, periodStart: String, kind: String) {
        self.budget = budget
        self.periodStart = periodStart
        self.kind = kind
    }
}

/// One row of `alert_state`: when the alert fired, and whether its action has succeeded yet.
public struct AlertRecord: Sendable, Hashable {
    public var key: AlertKey
    public var firedAt: Date
    /// Nil until the action succeeded; such alerts are retried by the next run.
    public var deliveredAt: Date?
    /// The last delivery failure, if any.
    public var lastError: String?

    package init(key: AlertKey, firedAt: Date, deliveredAt: Date?, lastError: String?) {
        self.key = key
        self.firedAt = firedAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }

    init(row: Row) {
        key = AlertKey(budget: row["budget"], periodStart: row["period_start"], kind: row["kind"])
        firedAt = Date(timeIntervalSince1970: TimeInterval(row["fired_at"] as Int64) / 1000)
        deliveredAt = (row["delivered_at"] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
        lastError = row["last_error"]
    }
}

/// What `claimAlert` did with one alert.
public enum AlertClaimOutcome: Sendable, Hashable {
    /// Already delivered in this period, or superseded by a higher alert: nothing was sent.
    case skipped
    /// The action ran and succeeded. `retry` is true when an earlier run had fired it and failed.
    case delivered(retry: Bool)
    /// The action failed; the alert stays undelivered and is retried by the next run.
    case failed(reason: String, retry: Bool)
}

extension Ledger {
    /// Every remembered alert, optionally of one budget, oldest first. Cost: one scan of `alert_state`.
    public func alerts(budget: String? = nil) throws -> [AlertRecord] {
        try wrapWrite {
            try reader.read { db in
                let rows: [Row]
                if let budget {
                    rows = try Row.fetchAll(db, sql: "SELECT * FROM alert_state WHERE budget = ? ORDER BY fired_at, kind", arguments: [budget])
                } else {
                    rows = try Row.fetchAll(db, sql: "SELECT * FROM alert_state ORDER BY fired_at, budget, kind")
                }
                return rows.map(AlertRecord.init(row:))
            }
        }
    }

    /// Fires one alert at most once across overlapping processes.
    ///
    /// In one IMMEDIATE write transaction (so a second `budget check` running at the same moment waits
    /// for this one, up to the ledger's busy timeout): reads the budget's alerts for the period; skips
    /// when `isSuperseded` says a remembered alert makes this one moot, or when this alert was already
    /// delivered; otherwise inserts it (`ON CONFLICT DO NOTHING`) or takes over its undelivered row,
    /// runs `deliver` (which returns nil on success or the failure reason), and records the outcome.
    /// A crash during `deliver` rolls the claim back, so the alert fires again next run: never lost.
    /// Cost: one short write transaction plus however long `deliver` takes (keep it bounded).
    public func claimAlert(
        _ key: AlertKey, now: Date,
        isSuperseded: ([AlertRecord]) -> Bool = { _ in false },
        deliver: () -> String?
    ) throws -> AlertClaimOutcome {
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        return try wrapWrite {
            try writer.writeWithoutTransaction { db in
                var outcome = AlertClaimOutcome.skipped
                try db.inTransaction(.immediate) {
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT * FROM alert_state WHERE budget = ? AND period_start = ?",
                        arguments: [key.budget, key.periodStart]
                    ).map(AlertRecord.init(row:))
                    let existing = rows.first { $0.key.kind == key.kind }
                    if existing?.deliveredAt != nil || isSuperseded(rows) { return .commit }
                    let retry = existing != nil
                    try db.execute(
                        sql: """
                            INSERT INTO alert_state (budget, period_start, kind, fired_at, delivered_at, last_error)
                            VALUES (?, ?, ?, ?, NULL, NULL)
                            ON CONFLICT (budget, period_start, kind) DO NOTHING
                            """,
                        arguments: [key.budget, key.periodStart, key.kind, nowMillis])
                    let failure = deliver()
                    let arguments: StatementArguments = [
                        failure == nil ? nowMillis : nil, failure, key.budget, key.periodStart, key.kind,
                    ]
                    try db.execute(
                        sql: "UPDATE alert_state SET delivered_at = ?, last_error = ? WHERE budget = ? AND period_start = ? AND kind = ?",
                        arguments: arguments)
                    outcome = failure.map { .failed(reason: $0, retry: retry) } ?? .delivered(retry: retry)
                    return .commit
                }
                return outcome
            }
        }
    }

    /// Turns SQLite errors into a one-sentence `LedgerError`.
    private func wrapWrite<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw LedgerError.writeFailed(reason: error.message ?? "\(error)")
        }
    }
}
