import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// `budget check`: evaluates every budget for its current period, fires each new alert once (across
/// runs and across overlapping processes, through the ledger's alert memory), and retries alerts whose
/// delivery failed before.
public struct BudgetChecker: Sendable {
    public var budgets: [Budget]
    /// The local ledger or a team ledger: where spend is read and alerts are remembered.
    public var ledger: any LedgerStore
    /// How an alert's action is run: the command's and the webhook's timeouts and environment.
    public var delivery: AlertDelivery

    /// A checker of `budgets` (from `BudgetConfig.budgets(in:)`, or built in code) against `ledger`'s spend.
    public init(budgets: [Budget], ledger: any LedgerStore, delivery: AlertDelivery = AlertDelivery()) {
        self.budgets = budgets
        self.ledger = ledger
        self.delivery = delivery
    }

    /// One alert handled by a run.
    public struct Report: Sendable, Hashable {
        public enum Outcome: Sendable, Hashable {
            /// The action succeeded (or, in a dry run, would run).
            case delivered
            /// The action failed; the alert stays in the ledger undelivered and is retried next run.
            case failed(reason: String)
            /// Dry run: the alert would fire now.
            case wouldFire
        }

        public var alert: BudgetAlert
        public var outcome: Outcome
        /// True when an earlier run fired this alert and its delivery failed.
        public var isRetry: Bool
        public var firedAt: Date

        /// The alert as JSON with its delivery outcome, for `budget check --json`.
        package var json: JSONValue {
            var object = alert.json(firedAt: firedAt).object ?? JSONObject()
            switch outcome {
            case .delivered: object["delivery"] = .string("delivered")
            case .wouldFire: object["delivery"] = .string("dry-run")
            case .failed(let reason):
                object["delivery"] = .string("failed")
                object["delivery_error"] = .string(reason)
            }
            object["action"] = .string(alert.budget.action.kind)
            object["retry"] = .bool(isRetry)
            return .object(object)
        }
    }

    /// Everything one run did.
    public struct Result: Sendable {
        /// New alerts and retried ones, in budget order. Empty when nothing new happened (stay quiet).
        public var reports: [Report]
        /// Every budget's reading for its current period.
        public var readings: [BudgetReading]

        /// 0 when nothing fired, 3 for a new warning threshold, 4 for an exceeded limit or forecast
        /// overrun (the most serious alert wins). Failed deliveries keep the alert's status; the
        /// failure itself is reported on stderr.
        public var exitStatus: ExitStatus {
            reports.map(\.alert.severity).max()?.exitStatus ?? .success
        }

        public var failures: [Report] { reports.filter { if case .failed = $0.outcome { return true } else { return false } } }
    }

    /// Runs the check at `now`. With `dryRun`, nothing is recorded and no action runs: the reports
    /// say what would fire. Cost: one reading per budget, one short write transaction per new alert.
    public func check(at now: Date, dryRun: Bool = false) throws -> Result {
        var reports: [Report] = []
        var readings: [BudgetReading] = []
        for budget in budgets {
            let reading = try BudgetReading.read(budget, at: now, from: ledger)
            readings.append(reading)
            var candidates = reading.alerts
            // Alerts of earlier periods whose delivery failed: retried with that period's figures.
            let remembered = try ledger.alerts(budget: budget.name)
            for record in remembered where record.deliveredAt == nil && record.key.periodStart != reading.window.startDate {
                guard let kind = BudgetAlert.Kind(key: record.key.kind),
                      let window = BudgetWindow.starting(on: record.key.periodStart, period: budget.period, in: budget.timeZone),
                      window.start < reading.window.start
                else { continue }
                let past = try BudgetReading.read(budget, window: window, at: window.end, from: ledger)
                candidates.insert(BudgetAlert(reading: past, kind: kind), at: 0)
            }
            for alert in candidates {
                let key = AlertKey(budget: budget.name, periodStart: alert.reading.window.startDate, kind: alert.kind.key)
                let isSuperseded = Self.supersededRule(for: alert.kind)
                if dryRun {
                    let rows = remembered.filter { $0.key.periodStart == key.periodStart }
                    let existing = rows.first { $0.key.kind == key.kind }
                    if existing?.deliveredAt != nil || isSuperseded(rows) { continue }
                    reports.append(Report(alert: alert, outcome: .wouldFire, isRetry: existing != nil, firedAt: now))
                    continue
                }
                let outcome = try ledger.claimAlert(key, now: now, isSuperseded: isSuperseded) {
                    delivery.deliver(alert, firedAt: now)
                }
                switch outcome {
                case .skipped: break
                case .delivered(let retry):
                    reports.append(Report(alert: alert, outcome: .delivered, isRetry: retry, firedAt: now))
                case .failed(let reason, let retry):
                    reports.append(Report(alert: alert, outcome: .failed(reason: reason), isRetry: retry, firedAt: now))
                }
            }
        }
        return Result(reports: reports, readings: readings)
    }

    /// A threshold alert is moot once a higher threshold of the same period has fired (50% never
    /// follows 80%). A forecast alert is never superseded: it fires once per period.
    static func supersededRule(for kind: BudgetAlert.Kind) -> @Sendable ([AlertRecord]) -> Bool {
        guard case .threshold(let percent) = kind else { return { _ in false } }
        return { rows in
            rows.contains { row in
                if case .threshold(let other)? = BudgetAlert.Kind(key: row.key.kind) { return other > percent }
                return false
            }
        }
    }
}
