import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerBudgets

@Suite("Alert actions: command and webhook")
struct AlertDeliveryTests {
    let hundred = Money(picodollars: 100_000_000_000_000)

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-alert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A ledger where the "search" budget has spent $80.5 of $100 in November.
    func ledgerAt80() throws -> TestLedger {
        var t = try TestLedger()
        try t.add("2026-11-02T09:00:00Z", usd: "80.5", project: "search")
        return t
    }

    func budget(_ action: BudgetAction) -> Budget {
        Budget(name: "search", period: .month, limit: hundred, scope: BudgetScope(project: "search"), action: action, timeZone: utc)
    }

    @Test("a command gets the alert as JSON on stdin and in TOKENLEDGER_ALERT_* variables")
    func command() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try ledgerAt80()
        let command = "cat > '\(dir.path)/stdin.json'; env | grep '^TOKENLEDGER_ALERT_' | sort > '\(dir.path)/env.txt'"
        let result = try BudgetChecker(budgets: [budget(.command(command))], ledger: t.ledger).check(at: at("2026-11-03T00:00:00Z"))
        #expect(result.reports.map(\.outcome) == [.delivered])

        let json = try JSONParser.parse(try String(contentsOf: dir.appendingPathComponent("stdin.json"), encoding: .utf8))
        #expect(json["budget"] == "search")
        #expect(json["kind"] == "threshold:80")
        #expect(json["severity"] == "warning")
        #expect(json["threshold_percent"] == .int(80))
        #expect(json["spent_usd"] == "80.5")
        #expect(json["limit_usd"] == "100")
        #expect(json["percent"] == "80.5")
        #expect(json["period_start"] == "2026-11-01")
        #expect(json["period_end"] == "2026-11-30")
        #expect(json["scope"] == "project search")
        #expect(json["forecast_usd"] == .null)
        #expect(json["fired_at"] == "2026-11-03T00:00:00.000Z")
        #expect(json["text"]?.string?.hasPrefix("TokenLedger budget 'search'") == true)

        let env = try String(contentsOf: dir.appendingPathComponent("env.txt"), encoding: .utf8)
        for line in [
            "TOKENLEDGER_ALERT_BUDGET=search", "TOKENLEDGER_ALERT_KIND=threshold:80", "TOKENLEDGER_ALERT_THRESHOLD=80",
            "TOKENLEDGER_ALERT_SEVERITY=warning", "TOKENLEDGER_ALERT_SPENT_USD=80.5", "TOKENLEDGER_ALERT_LIMIT_USD=100",
            "TOKENLEDGER_ALERT_PERCENT=80.5", "TOKENLEDGER_ALERT_PERIOD=month", "TOKENLEDGER_ALERT_PERIOD_START=2026-11-01",
            "TOKENLEDGER_ALERT_UNPRICED_RECORDS=0",
        ] {
            #expect(env.contains(line + "\n"), "env has \(line)")
        }
    }

    @Test("a command that hangs is stopped after its timeout and counted as failed")
    func commandTimeout() throws {
        let t = try ledgerAt80()
        let checker = BudgetChecker(budgets: [budget(.command("sleep 30"))], ledger: t.ledger, delivery: AlertDelivery(commandTimeout: 0.5))
        let result = try checker.check(at: at("2026-11-03T00:00:00Z"))
        #expect(result.reports.map(\.outcome) == [.failed(reason: "command 'sleep 30' did not finish within 0.5 seconds and was stopped")])
    }

    @Test("timeouts are said as set: whole seconds, one second, tenths")
    func timeoutWording() {
        #expect(AlertDelivery.secondsText(20) == "20 seconds")
        #expect(AlertDelivery.secondsText(1) == "1 second")
        #expect(AlertDelivery.secondsText(0.5) == "0.5 seconds")
        #expect(AlertDelivery.secondsText(2.5) == "2.5 seconds")
    }

    @Test("a webhook is POSTed to a local listener as JSON with a Slack-compatible text field")
    func webhook() throws {
        let server = try LoopbackHTTPServer(status: 200)
        let t = try ledgerAt80()
        let url = try #require(URL(string: server.url))
        let result = try BudgetChecker(budgets: [budget(.webhook(url))], ledger: t.ledger).check(at: at("2026-11-03T00:00:00Z"))
        let request = try #require(server.request())
        #expect(result.reports.map(\.outcome) == [.delivered])
        #expect(request.requestLine == "POST /hook HTTP/1.1")
        #expect(request.headers["content-type"] == "application/json")
        let body = try JSONParser.parse(request.body)
        #expect(body["text"] == .string("TokenLedger budget 'search' (month from 2026-11-01, project search): 80% threshold crossed: spent $80.50 of $100.00 (80.5%)."))
        #expect(body["budget"] == "search")
        #expect(body["spent_usd"] == "80.5")
        #expect(try t.ledger.alerts().first?.deliveredAt != nil)
    }

    @Test("a failing webhook's user, password, path and query appear neither in the report nor in the ledger")
    func webhookCredentialsRedacted() throws {
        let t = try ledgerAt80()
        let failing = try LoopbackHTTPServer(status: 500)
        let port = try #require(URL(string: failing.url)?.port)
        let secretURL = try #require(URL(string: "http://hookuser:s3cretPassw0rd@127.0.0.1:\(port)/services/T000/B000/XSECRETPATHX?token=qtoken123"))
        let result = try BudgetChecker(budgets: [budget(.webhook(secretURL))], ledger: t.ledger).check(at: at("2026-11-03T00:00:00Z"))
        #expect(failing.request() != nil, "the request still goes to the full URL")
        let said = "\(result.reports.map(\.outcome)) \(try t.ledger.alerts().map { $0.lastError ?? "" })"
        #expect(said.contains("webhook http://127.0.0.1:\(port)/… replied HTTP 500"))
        for secret in ["hookuser", "s3cretPassw0rd", "XSECRETPATHX", "qtoken123", "services"] { #expect(!said.contains(secret), "\(secret) shown") }
    }

    @Test("a webhook answering 500 is reported, kept, and delivered by the next run")
    func webhook500() throws {
        let t = try ledgerAt80()
        let failing = try LoopbackHTTPServer(status: 500)
        let failingURL = try #require(URL(string: failing.url))
        let first = try BudgetChecker(budgets: [budget(.webhook(failingURL))], ledger: t.ledger).check(at: at("2026-11-03T00:00:00Z"))
        #expect(failing.request() != nil)
        // Shown without its path: a hook's secret is often its path (hooks.slack.com/services/…).
        let shown = "http://127.0.0.1:\(failingURL.port ?? 0)/…"
        #expect(first.reports.map(\.outcome) == [.failed(reason: "webhook \(shown) replied HTTP 500")])
        #expect(try t.ledger.alerts().first?.deliveredAt == nil)
        #expect(try t.ledger.alerts().first?.lastError == "webhook \(shown) replied HTTP 500")

        let working = try LoopbackHTTPServer(status: 200)
        let workingURL = try #require(URL(string: working.url))
        let second = try BudgetChecker(budgets: [budget(.webhook(workingURL))], ledger: t.ledger).check(at: at("2026-11-03T00:15:00Z"))
        #expect(working.request()?.body.contains("\"kind\":\"threshold:80\"") == true)
        #expect(second.reports.map(\.outcome) == [.delivered])
        #expect(second.reports.map(\.isRetry) == [true])
        #expect(try t.ledger.alerts().first?.deliveredAt == at("2026-11-03T00:15:00Z"))
    }

    @Test("a refused connection is a failed delivery, not a lost alert")
    func webhookRefused() throws {
        let t = try ledgerAt80()
        let url = try #require(URL(string: "http://127.0.0.1:\(try unusedLoopbackPort())/hook"))
        let result = try BudgetChecker(budgets: [budget(.webhook(url))], ledger: t.ledger, delivery: AlertDelivery(webhookTimeout: 5))
            .check(at: at("2026-11-03T00:00:00Z"))
        guard case .failed(let reason) = result.reports.first?.outcome else {
            Issue.record("expected a failed delivery, got \(result.reports)")
            return
        }
        #expect(reason.hasPrefix("webhook http://127.0.0.1:\(url.port ?? 0)/… failed ("))
        #expect(result.exitStatus == .budgetWarning)
        #expect(try t.ledger.alerts().map(\.deliveredAt) == [nil])
    }
}
