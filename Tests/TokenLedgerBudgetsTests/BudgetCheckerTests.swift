import Foundation
import Testing
import TokenLedgerPricing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerBudgets

@Suite("budget check: each alert once, higher thresholds still fire, new periods start fresh")
struct BudgetCheckerTests {
    let hundred = Money(picodollars: 100_000_000_000_000)

    func budget(_ action: BudgetAction = .print, name: String = "team") -> Budget {
        Budget(name: name, period: .month, limit: hundred, action: action, timeZone: utc)
    }

    func kinds(_ result: BudgetChecker.Result) -> [String] { result.reports.map(\.alert.kind.key) }

    @Test("50% then 80% then 100% across runs, none repeated; December starts fresh")
    func thresholdsAcrossRuns() throws {
        var t = try TestLedger()
        let checker = BudgetChecker(budgets: [budget()], ledger: t.ledger)
        let quiet = try checker.check(at: at("2026-11-01T08:00:00Z"))
        #expect(quiet.reports.isEmpty)
        #expect(quiet.exitStatus == .success)

        try t.add("2026-11-01T09:00:00Z", usd: "55")
        let first = try checker.check(at: at("2026-11-01T10:00:00Z"))
        #expect(kinds(first) == ["threshold:50"])
        #expect(first.exitStatus == .budgetWarning)
        #expect(first.reports[0].alert.text == "TokenLedger budget 'team' (month from 2026-11-01, all usage): 50% threshold crossed: spent $55.00 of $100.00 (55.0%).")
        #expect(try checker.check(at: at("2026-11-01T11:00:00Z")).reports.isEmpty)

        try t.add("2026-11-02T09:00:00Z", usd: "30")
        let second = try checker.check(at: at("2026-11-02T10:00:00Z"))
        #expect(kinds(second) == ["threshold:80"])
        #expect(second.exitStatus == .budgetWarning)
        #expect(try checker.check(at: at("2026-11-02T11:00:00Z")).reports.isEmpty)

        try t.add("2026-11-03T09:00:00Z", usd: "15.01")
        let third = try checker.check(at: at("2026-11-03T10:00:00Z"))
        #expect(kinds(third) == ["threshold:100"])
        #expect(third.exitStatus == .budgetExceeded)
        #expect(third.reports[0].alert.text.contains("limit exceeded: spent $100.01 of $100.00 (100.0%)"))
        #expect(try checker.check(at: at("2026-11-04T10:00:00Z")).reports.isEmpty)

        try t.add("2026-12-01T09:00:00Z", usd: "51")
        let december = try checker.check(at: at("2026-12-01T10:00:00Z"))
        #expect(kinds(december) == ["threshold:50"])
        #expect(december.reports[0].alert.reading.window.startDate == "2026-12-01")
        let remembered = try t.ledger.alerts().map { "\($0.key.periodStart) \($0.key.kind)" }
        #expect(remembered == ["2026-11-01 threshold:50", "2026-11-01 threshold:80", "2026-11-01 threshold:100", "2026-12-01 threshold:50"])
    }

    @Test("a jump past two thresholds fires only the higher one, and the lower never follows")
    func jump() throws {
        var t = try TestLedger()
        let checker = BudgetChecker(budgets: [budget()], ledger: t.ledger)
        try t.add("2026-11-01T09:00:00Z", usd: "85")
        #expect(kinds(try checker.check(at: at("2026-11-01T10:00:00Z"))) == ["threshold:80"])
        #expect(try checker.check(at: at("2026-11-01T11:00:00Z")).reports.isEmpty)
    }

    @Test("the forecast alert fires once, before the limit, and the limit still fires later")
    func forecastOnce() throws {
        var t = try TestLedger()
        let checker = BudgetChecker(budgets: [budget()], ledger: t.ledger)
        for day in 1...8 { try t.add("2026-11-0\(day)T12:00:00Z", usd: "5") }
        let run = try checker.check(at: at("2026-11-09T00:00:00Z"))
        #expect(kinds(run) == ["forecast"])
        #expect(run.exitStatus == .budgetExceeded)
        #expect(run.reports[0].alert.reading.spent < hundred)
        #expect(run.reports[0].alert.text.contains("forecast $150.00 by 2026-11-30 exceeds the $100.00 limit (spent $40.00 so far, 40.0%)"))
        #expect(try checker.check(at: at("2026-11-09T06:00:00Z")).reports.isEmpty)
        try t.add("2026-11-09T12:00:00Z", usd: "15")
        #expect(kinds(try checker.check(at: at("2026-11-10T00:00:00Z"))) == ["threshold:50"])
    }

    @Test("--dry-run reports what would fire and records nothing")
    func dryRun() throws {
        var t = try TestLedger()
        let checker = BudgetChecker(budgets: [budget()], ledger: t.ledger)
        try t.add("2026-11-01T09:00:00Z", usd: "60")
        let dry = try checker.check(at: at("2026-11-01T10:00:00Z"), dryRun: true)
        #expect(dry.reports.map(\.outcome) == [.wouldFire])
        #expect(dry.exitStatus == .budgetWarning)
        #expect(try t.ledger.alerts().isEmpty)
        #expect(kinds(try checker.check(at: at("2026-11-01T10:00:00Z"))) == ["threshold:50"])
    }

    @Test("unpriced usage is a caveat in the alert: the spend is a lower bound")
    func unpricedCaveat() throws {
        var t = try TestLedger()
        try t.add("2026-11-01T09:00:00Z", usd: "50")
        try t.add("2026-11-01T09:30:00Z", usd: nil, model: "mystery-model")
        let run = try BudgetChecker(budgets: [budget()], ledger: t.ledger).check(at: at("2026-11-01T10:00:00Z"))
        #expect(run.reports[0].alert.text.hasSuffix("50.0%). 1 unpriced record not counted: spend is a lower bound. Why: unknown model (mystery-model). Fix: "
            + UnpricedCause.unknownModel.fix + "."))
        #expect(run.reports[0].json["spend_is_lower_bound"] == .bool(true))
    }

    @Test("a failed command is kept undelivered with its error and retried on the next run")
    func failedCommandRetried() throws {
        var t = try TestLedger()
        try t.add("2026-11-01T09:00:00Z", usd: "55")
        let failing = BudgetChecker(budgets: [budget(.command("echo no route to pager >&2; exit 7"))], ledger: t.ledger)
        let first = try failing.check(at: at("2026-11-01T10:00:00Z"))
        #expect(first.reports.map(\.outcome) == [.failed(reason: "command 'echo no route to pager >&2; exit 7' exited with status 7 (no route to pager)")])
        #expect(first.exitStatus == .budgetWarning)
        var rows = try t.ledger.alerts()
        #expect(rows.count == 1)
        #expect(rows[0].deliveredAt == nil)
        #expect(rows[0].lastError?.contains("exited with status 7") == true)

        let stillFailing = try failing.check(at: at("2026-11-01T10:15:00Z"))
        #expect(stillFailing.reports.map(\.isRetry) == [true])

        let fixed = BudgetChecker(budgets: [budget(.command("true"))], ledger: t.ledger)
        let retried = try fixed.check(at: at("2026-11-01T10:30:00Z"))
        #expect(retried.reports.map(\.outcome) == [.delivered])
        #expect(retried.reports.map(\.isRetry) == [true])
        rows = try t.ledger.alerts()
        #expect(rows[0].deliveredAt == at("2026-11-01T10:30:00Z"))
        #expect(rows[0].lastError == nil)
        #expect(try fixed.check(at: at("2026-11-01T10:45:00Z")).reports.isEmpty)
    }

    @Test("an alert still undelivered when its period ends is retried in the next period with its own figures")
    func pastPeriodRetried() throws {
        var t = try TestLedger()
        try t.add("2026-11-02T09:00:00Z", usd: "55")
        _ = try BudgetChecker(budgets: [budget(.command("exit 1"))], ledger: t.ledger).check(at: at("2026-11-05T10:00:00Z"))
        let december = try BudgetChecker(budgets: [budget(.command("true"))], ledger: t.ledger).check(at: at("2026-12-01T08:00:00Z"))
        #expect(december.reports.count == 1)
        #expect(december.reports[0].alert.reading.window.startDate == "2026-11-01")
        #expect(december.reports[0].alert.reading.spent == Money(picodollars: 55_000_000_000_000))
        #expect(december.reports[0].outcome == .delivered)
    }

    @Test("two overlapping checks on one ledger file deliver an alert exactly once")
    func overlappingRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("ledger.sqlite")
        var t = try TestLedger()
        try t.add("2026-11-01T09:00:00Z", usd: "60")
        // Copy the test rows into a file ledger both runs open separately.
        try t.queue.backup(to: try GRDBFile.open(file))
        let sent = dir.appendingPathComponent("sent.txt")
        let started = dir.appendingPathComponent("started")
        let release = dir.appendingPathComponent("release")
        // The first run's alert command holds its delivery open until the test releases it, so the second
        // run certainly starts while the first is mid-delivery: the overlap is made, not hoped for.
        let action = BudgetAction.command(
            "echo \"$TOKENLEDGER_ALERT_KIND\" >> '\(sent.path)'; touch '\(started.path)'; while [ ! -e '\(release.path)' ]; do sleep 0.01; done")
        let results = ResultsBox()
        let runs = DispatchGroup()
        let opened = DispatchSemaphore(value: 0)
        func run() {
            DispatchQueue.global().async(group: runs) {
                do {
                    let ledger = try Ledger.open(at: file)
                    opened.signal()
                    let result = try BudgetChecker(budgets: [budget(action)], ledger: ledger).check(at: at("2026-11-01T10:00:00Z"))
                    results.append(result.reports.count)
                } catch {
                    results.append(-1)
                }
            }
        }
        run()
        #expect(waitForFile(started), "the first run never started delivering")
        #expect(opened.wait(timeout: .now() + 30) == .success)
        run()
        #expect(opened.wait(timeout: .now() + 30) == .success, "the second run never opened the ledger")
        // The second run has opened the ledger while the first still holds its delivery (and the alert
        // claim), so the two overlap for certain; neither can have finished yet.
        #expect(results.values.isEmpty, "a run finished while the first delivery was still held open")
        FileManager.default.createFile(atPath: release.path, contents: nil)
        #expect(runs.wait(timeout: .now() + 60) == .success)
        #expect(results.values.sorted() == [0, 1])
        #expect(try String(contentsOf: sent, encoding: .utf8) == "threshold:50\n")
    }
}

/// Polls for a file the code under test creates; false after `seconds`.
func waitForFile(_ url: URL, seconds: Double = 30) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !FileManager.default.fileExists(atPath: url.path) {
        if Date() > deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    func append(_ v: Int) { lock.lock(); stored.append(v); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return stored }
}
