import Foundation
import Testing
import TokenLedgerBudgets
import TokenLedgerCore
import TokenLedgerEstimator
import TokenLedgerLedger
import TokenLedgerReports
@testable import TokenLedgerPostgres

/// Budgets over the team ledger: the same readings as over SQLite, and one alert memory for every machine.
@Suite("budgets on the team ledger", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamBudgetTests {
    static let utc = TimeZone(identifier: "UTC")!
    /// A moment inside the entries' month (LocalLedger.entries start 2026-10-28 and run ~7 days per 400).
    static let now = Date(timeIntervalSince1970: 1_793_300_000) // 2026-10-31T…Z

    @Test("readings equal SQLite's for every kind of scope")
    func readingsMatchSQLite() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(300))
        let team = try db.connect(machine: "m")
        _ = try team.push(from: local, ledgerPath: "/l")
        let scopes = [
            BudgetScope(), BudgetScope(model: "GPT-4o*"), BudgetScope(model: "claude-?onnet*"), BudgetScope(model: "no_such%"),
            BudgetScope(provider: "anthropic"), BudgetScope(project: "tab\there"), BudgetScope(tag: ("team", "core")),
            BudgetScope(effort: "high"), BudgetScope(model: "gpt-4o-mini", provider: "openai", effort: "unknown"),
        ]
        for period in [BudgetPeriod.day, .week, .month] {
            for scope in scopes {
                let budget = Budget(name: "b", period: period, limit: Money(picodollars: 1_000_000_000_000), scope: scope, timeZone: Self.utc)
                let sqlite = try BudgetReading.read(budget, at: Self.now, from: local)
                let postgres = try BudgetReading.read(budget, at: Self.now, from: team)
                #expect(sqlite == postgres, "\(period) \(scope.summary)")
            }
        }
        // The scopes are not vacuous: the model glob selects some records and not all.
        let all = try BudgetReading.read(Budget(name: "b", period: .month, limit: Money(picodollars: 1), timeZone: Self.utc), at: Self.now, from: team)
        let glob = try BudgetReading.read(Budget(name: "b", period: .month, limit: Money(picodollars: 1), scope: BudgetScope(model: "GPT-4o*"), timeZone: Self.utc), at: Self.now, from: team)
        #expect(glob.records > 0 && glob.records < all.records)
    }

    @Test("export rows covered by per-request records count once, as on SQLite")
    func aggregatesAsSQLite() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let requests = LocalLedger.entries(300)
        // Usage-export buckets inside the entries' month: OpenAI's (which also has per-request records,
        // so its buckets are the same spend again) and Google's (its only records).
        let buckets = [("openai", "gpt-4o", "b:openai"), ("google", "gemini-2.5-pro", "b:google")].map { provider, model, key in
            LedgerEntry(record: UsageRecord(timestamp: Self.now.addingTimeInterval(-86_400), provider: provider, model: model,
                                            tokens: TokenCounts(input: 5_000_000, output: 1_000_000), source: "test", requestCount: 40, isAggregate: true),
                        dedupKey: key, location: SourceLocation(file: "/logs/export.jsonl", line: 1))
        }
        let local = try LocalLedger.make(requests + buckets)
        let withoutBuckets = try LocalLedger.make(requests + buckets.filter { $0.record.provider == "google" })
        let team = try db.connect(machine: "m")
        _ = try team.push(from: local, ledgerPath: "/l")
        for scope in [BudgetScope(), BudgetScope(provider: "openai"), BudgetScope(provider: "google")] {
            let budget = Budget(name: "b", period: .month, limit: Money(picodollars: 1_000_000_000_000), scope: scope, timeZone: Self.utc)
            let sqlite = try BudgetReading.read(budget, at: Self.now, from: local)
            #expect(sqlite == (try BudgetReading.read(budget, at: Self.now, from: team)), "\(scope.summary)")
            // OpenAI's bucket adds nothing; Google's counts.
            #expect(sqlite == (try BudgetReading.read(budget, at: Self.now, from: withoutBuckets)), "\(scope.summary)")
        }
        let google = try BudgetReading.read(Budget(name: "b", period: .month, limit: Money(picodollars: 1), scope: BudgetScope(provider: "google"), timeZone: Self.utc), at: Self.now, from: team)
        #expect(google.records == 1 && google.spent > .zero)
    }

    @Test("a scope of tier keys reads the tiers: the same sums as the period's records and as SQLite, for windows cut anywhere")
    func tierSumsEqualRecords() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let bucket = LedgerEntry(record: UsageRecord(timestamp: Self.now.addingTimeInterval(-86_400), provider: "google", model: "gemini-2.5-pro",
                                                     tokens: TokenCounts(input: 5_000_000, output: 1_000_000), source: "test", project: "search",
                                                     requestCount: 40, isAggregate: true),
                                 dedupKey: "b:google", location: SourceLocation(file: "/logs/export.jsonl", line: 1))
        let local = try LocalLedger.make(LocalLedger.entries(300) + [bucket])
        let team = try db.connect(machine: "m")
        _ = try team.push(from: local, ledgerPath: "/l")
        let hour: Int64 = 3_600_000
        let t0: Int64 = 1_793_000_000_000 // 2026-10-28T…Z, where the entries start
        let windows: [(Int64, Int64, Int64)] = [
            (t0 - t0 % (24 * hour), t0 - t0 % (24 * hour) + 7 * 24 * hour, t0 + 3 * 24 * hour),
            (t0 + 5 * hour + 30 * 60_000, t0 + 4 * 24 * hour + 5 * hour + 30 * 60_000, t0 + 2 * 24 * hour + 17 * 60_000 + 3),
            (t0 + 26 * hour + 13, t0 + 50 * hour + 7 * 60_000, t0),
        ]
        let scopes = [BudgetScope(), BudgetScope(provider: "openai"), BudgetScope(provider: "google"), BudgetScope(project: "tab\there"),
                      BudgetScope(provider: "anthropic", project: "search")]
        for scope in scopes {
            for (start, end, rateStart) in windows {
                let tiers = try team.budgetSums(scope: scope, start: start, end: end, rateStart: rateStart)
                #expect(tiers == (try team.recordBudgetSums(scope: scope, start: start, end: end, rateStart: rateStart)), "\(scope.summary) \(start)")
                #expect(tiers == (try local.budgetSums(scope: scope, start: start, end: end, rateStart: rateStart)), "\(scope.summary) \(start)")
            }
        }
        let all = try team.budgetSums(scope: BudgetScope(), start: windows[0].0, end: windows[0].1, rateStart: windows[0].2)
        #expect(all.records > 100 && all.unpricedRecords > 0 && all.recentSpent > 0 && all.recentSpent < all.spent)
    }

    @Test("two machines checking the same budget at the same moment deliver one alert")
    func onceAcrossMachines() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(300))
        let laptop = try db.connect(machine: "laptop")
        let ci = try db.connect(machine: "ci")
        _ = try laptop.push(from: local, ledgerPath: "/l")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-alert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The action is slow, so both checks are inside their claim at the same time.
        let budget = Budget(name: "team", period: .month, limit: Money(picodollars: 1_000_000), thresholds: [100],
                            action: .command("sleep 0.5; echo \"$TOKENLEDGER_ALERT_KIND\" >> '\(dir.path)/delivered'"), timeZone: Self.utc)
        let ledgers: [TeamLedger] = [laptop, ci]
        let results = Mutex<[BudgetChecker.Result]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let result = try? BudgetChecker(budgets: [budget], ledger: ledgers[i]).check(at: Self.now)
            if let result { results.withLock { $0.append(result) } }
        }
        let delivered = try String(contentsOf: dir.appendingPathComponent("delivered"), encoding: .utf8)
        #expect(delivered == "threshold:100\n")
        let reports = results.withLock { $0 }.flatMap(\.reports)
        #expect(results.withLock { $0.count } == 2)
        #expect(reports.count == 1 && reports.first?.outcome == .delivered)
        #expect(try db.texts("SELECT kind || ' by ' || machine FROM alert_state WHERE delivered_at IS NOT NULL").count == 1)
        // A later run on either machine stays quiet.
        #expect(try BudgetChecker(budgets: [budget], ledger: ci).check(at: Self.now.addingTimeInterval(60)).reports.isEmpty)
    }

    @Test("the estimator's output history from the team ledger equals the local ledger's")
    func estimateHistory() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(200))
        let team = try db.connect(machine: "m")
        _ = try team.push(from: local, ledgerPath: "/l")
        var compared = 0
        let resolved = Set(try local.storedRecords().compactMap { $0.modelID })
        for model in resolved.sorted() + ["no-such-model"] {
            for effort: EffortTier in ["high", .unknown] {
                let sqlite = try OutputHistory.load(from: local, modelID: model, effort: effort)
                let postgres = try OutputHistory.load(from: team, modelID: model, effort: effort)
                #expect(sqlite == postgres, "\(model) \(effort)")
                if sqlite != nil { compared += 1 }
            }
        }
        #expect(compared >= 2)
    }

    @Test("a failed delivery is retried by the next check on any machine")
    func retryOnAnotherMachine() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(50))
        let a = try db.connect(machine: "a")
        let b = try db.connect(machine: "b")
        _ = try a.push(from: local, ledgerPath: "/l")
        let failing = Budget(name: "team", period: .month, limit: Money(picodollars: 1_000_000), thresholds: [100], action: .command("exit 3"), timeZone: Self.utc)
        let first = try BudgetChecker(budgets: [failing], ledger: a).check(at: Self.now)
        guard case .failed? = first.reports.first?.outcome else { Issue.record("expected a failed delivery"); return }
        var working = failing
        working.action = .command("true")
        let second = try BudgetChecker(budgets: [working], ledger: b).check(at: Self.now)
        #expect(second.reports.map(\.outcome) == [.delivered] && second.reports.first?.isRetry == true)
        #expect(try db.texts("SELECT machine FROM alert_state") == ["b"])
    }
}

/// A value behind a lock, for results gathered from concurrent threads.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
