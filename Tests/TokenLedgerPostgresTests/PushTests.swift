import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerPostgres

/// Local ledgers built with real entries priced by the bundled price book, as an import writes them.
enum LocalLedger {
    static let prices: PriceBook = (try? PriceBook.bundled()) ?? PriceBook()
    static let start = Date(timeIntervalSince1970: 1_793_000_000) // 2026-10-28

    /// `count` varied entries with keys "k:<prefix>:<n>": several providers and models (one unknown, so
    /// unpriced), efforts, projects with tabs, newlines and backslashes, tags, sessions, channels.
    static func entries(_ count: Int, prefix: String = "a", from offset: Int = 0) -> [LedgerEntry] {
        (offset..<(offset + count)).map { n in
            let models = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-4o-mini"), ("openai", "no-such-model-x")]
            let (provider, model) = models[n % models.count]
            let record = UsageRecord(
                timestamp: start.addingTimeInterval(Double(n) * 1_537.25), provider: provider, model: model,
                effort: n % 3 == 0 ? "high" : .unknown, serviceTier: n % 5 == 0 ? "priority" : nil, isBatch: n % 7 == 0,
                tokens: TokenCounts(input: 1_000 + n, cacheRead: n % 4 * 100, cacheWrite5m: n % 3 * 10, output: 200 + n % 50, reasoning: n % 2 * 20),
                source: "test", channel: n % 6 == 0 ? "openrouter" : n % 6 == 1 ? "" : nil,
                project: ["search", "tab\there", "line\nbreak", "back\\slash", nil][n % 5],
                tags: n % 4 == 0 ? ["team": "core", "env": "prod"] : [:],
                reportedCost: n % 9 == 0 ? Money(picodollars: Int128(n) * 1_000_000_000) : nil,
                requestID: "req-\(n)", sessionID: "sess-\(n % 3)",
                repository: ["github.com/acme/shop", nil, "api"][n % 3], branch: ["main", "feature/x", nil, "tab\tbranch"][n % 4])
            return LedgerEntry(record: record, dedupKey: "k:\(prefix):\(n)", location: SourceLocation(file: "/logs/\(prefix).jsonl", line: n + 1))
        }
    }

    /// Expects `team` to hold exactly `expected` (a local ledger's records), column for column, ids aside.
    static func expectStored(_ expected: [StoredRecord], in team: TeamLedger, _ label: String) throws {
        let stored = try team.run {
            var names = try TeamLedger.allNames(on: team.connection)
            return try TeamLedger.storedRecords(after: nil, limit: 1_000, names: &names, on: team.connection)
        }
        #expect(stored.count == expected.count, "\(label)")
        let byKey = Dictionary(uniqueKeysWithValues: stored.map { ($0.entry.dedupKey, $0) })
        for var record in expected {
            let copy = try #require(byKey[record.entry.dedupKey], "\(record.entry.dedupKey), \(label)")
            record.id = copy.id
            #expect(copy == record, "\(record.entry.dedupKey), \(label)")
        }
    }

    static func make(_ entries: [LedgerEntry], now: Date = Date()) throws -> Ledger {
        let ledger = try Ledger.inMemory()
        try ledger.insert(entries, pricing: prices, now: now)
        return ledger
    }
}

@Suite("push: a local ledger into the team ledger, exactly once", .enabled(if: TestServer.available, TestServer.skipReason))
struct PushTests {
    @Test("every record arrives once with its machine; pushing again adds nothing")
    func pushOnce() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(250))
        let team = try db.connect(machine: "alice-laptop")
        let first = try team.push(from: local, ledgerPath: "/home/alice/ledger.sqlite", batchSize: 64)
        #expect(first.sent == 250 && first.counts.inserted == 250 && first.counts.duplicates == 0)
        // Unpriced records stay unpriced (the unknown model, and whatever the bundled tables lack).
        let localUnpriced = try local.storedRecords().filter { $0.cost == nil }.count
        #expect(localUnpriced >= 62 && first.counts.unpriced == localUnpriced)
        #expect(try db.texts("SELECT count(*)::text FROM usage_record WHERE cost_pusd IS NULL") == [String(localUnpriced)])
        let again = try team.push(from: local, ledgerPath: "/home/alice/ledger.sqlite", batchSize: 64)
        #expect(again.counts.inserted == 0 && again.counts.replaced == 0)
        #expect(try team.recordCount() == 250)
        #expect(try db.texts("SELECT DISTINCT machine FROM usage_record") == ["alice-laptop"])
        // Text with tabs, newlines and backslashes survives COPY exactly.
        #expect(Set(try db.texts("SELECT DISTINCT project FROM usage_record")) == ["search", "tab\there", "line\nbreak", "back\\slash", nil])
        // Money: the team ledger holds the same picodollars as the local one.
        let localCost = try local.storedRecords().compactMap { $0.cost?.picodollars }.reduce(Int128(0), +)
        #expect(try db.texts("SELECT sum(cost_pusd)::text FROM usage_record") == [String(localCost)])
    }

    @Test("every column arrives as the local ledger holds it, read back as the team's reprice reads it")
    func everyColumnRoundTrips() async throws {
        // Varied records (priced and unpriced, tags, reported costs, channels "" and nil, texts with
        // tabs and newlines, repositories and branches, ranks above 0), in short and long pages.
        var entries = LocalLedger.entries(200)
        for n in stride(from: 0, to: entries.count, by: 11) { entries[n].supersedeRank = n % 3 }
        let local = try LocalLedger.make(entries)
        let expected = try local.storedRecords()
        for size in [3, 64] {
            let db = try TestServer.freshDatabase()
            defer { db.drop() }
            let team = try db.connect(machine: "m")
            _ = try team.push(from: local, ledgerPath: "/l.sqlite", batchSize: size)
            try LocalLedger.expectStored(expected, in: team, "pages of \(size)")
        }
    }

    @Test("a push killed after two batches, rerun, adds each record once")
    func resumeAfterKill() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        // Imported two hours ago: older than the hour before the push in which rows count as possibly
        // replaced, so only rows above the cursor are sent on the rerun.
        let local = try LocalLedger.make(LocalLedger.entries(300), now: Date().addingTimeInterval(-7_200))
        let team = try db.connect(machine: "ci")
        let killed = try team.push(from: local, ledgerPath: "/ci/ledger.sqlite", batchSize: 100, now: Date(), stopAfterBatches: 2)
        #expect(killed.counts.inserted == 200)
        #expect(try team.recordCount() == 200)
        let resumed = try team.push(from: local, ledgerPath: "/ci/ledger.sqlite", batchSize: 100)
        // The resumed push starts after the last committed batch: only the last 100 are new, and only
        // they are sent (the 200 below the cursor are not re-sent as possibly replaced).
        #expect(resumed.counts.inserted == 100)
        #expect(resumed.sent == 100 && resumed.counts.duplicates == 0)
        #expect(try team.recordCount() == 300)
        #expect(try db.texts("SELECT count(DISTINCT dedup_key)::text FROM usage_record") == ["300"])
    }

    @Test("a record replaced locally after a push (higher rank) replaces the team's copy; re-sent rows the team lacks are added, the rest add nothing")
    func replacedLocally() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        var entries = LocalLedger.entries(10)
        let local = try LocalLedger.make(entries, now: Date().addingTimeInterval(-60))
        let team = try db.connect(machine: "m")
        _ = try team.push(from: local, ledgerPath: "/l", batchSize: 4)
        entries[3].supersedeRank = 2
        entries[3].record.tokens.output = 9_999
        try local.insert([entries[3]], pricing: LocalLedger.prices)
        // Two rows gone from the team ledger (as after a restore): they are re-sent and must come back.
        #expect(try db.texts("DELETE FROM usage_record WHERE dedup_key IN ('k:a:6', 'k:a:7') RETURNING dedup_key").count == 2)
        let second = try team.push(from: local, ledgerPath: "/l", batchSize: 4)
        // Every row was imported within the hour before the first push: all ten are re-sent.
        #expect(second.sent == 10 && second.counts.replaced == 1 && second.counts.inserted == 2 && second.counts.duplicates == 7)
        #expect(try db.texts("SELECT output_tokens::text FROM usage_record WHERE dedup_key = 'k:a:3'") == ["9999"])
        #expect(try db.texts("SELECT dedup_key || ':' || machine FROM usage_record WHERE dedup_key IN ('k:a:6', 'k:a:7') ORDER BY 1")
            == ["k:a:6:m", "k:a:7:m"])
        #expect(try team.recordCount() == 10)
        #expect(try PairedBatchTests.tierMismatches(db).isEmpty)
    }

    @Test("two machines pushing an overlapping record: counted once, kept by the first")
    func twoMachines() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let laptop = try LocalLedger.make(LocalLedger.entries(20, prefix: "shared"))
        let gateway = try LocalLedger.make(LocalLedger.entries(20, prefix: "shared", from: 10))
        let a = try db.connect(machine: "laptop")
        let b = try db.connect(machine: "gateway")
        _ = try a.push(from: laptop, ledgerPath: "/l")
        let second = try b.push(from: gateway, ledgerPath: "/l")
        #expect(second.counts.inserted == 10 && second.counts.duplicates == 10)
        #expect(try a.recordCount() == 30)
        #expect(try db.texts("SELECT machine || ':' || count(*) FROM usage_record GROUP BY machine ORDER BY machine") == ["gateway:10", "laptop:20"])
    }

    @Test("a batch meeting stored keys: the straight COPY is refused whole, then the batch is upserted (new added, higher rank replaces, the rest duplicates)")
    func clashingBatch() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "m")
        let first = try LocalLedger.make(LocalLedger.entries(10)).storedRecords()
        let stored = try team.transaction { connection in try team.upsert(first, on: connection) }
        #expect(stored.inserted == 10 && !team.keysMayClash)
        // Keys 5-9 are stored (5 and 6 come with a higher rank), keys 10-14 are new.
        var mixed = try LocalLedger.make(LocalLedger.entries(10, from: 5)).storedRecords()
        mixed[0].entry.supersedeRank = 2
        mixed[1].entry.supersedeRank = 2
        let counts = try team.transaction { connection in try team.upsert(mixed, on: connection) }
        #expect(counts.inserted == 5 && counts.replaced == 2 && counts.duplicates == 3)
        #expect(team.keysMayClash)
        #expect(try team.recordCount() == 15)
        #expect(try db.texts("SELECT dedup_key FROM usage_record WHERE supersede_rank = 2 ORDER BY dedup_key") == ["k:a:5", "k:a:6"])
        // Later batches on this connection are staged: all new, all added.
        let later = try LocalLedger.make(LocalLedger.entries(5, from: 15)).storedRecords()
        #expect(try team.transaction { connection in try team.upsert(later, on: connection) }.inserted == 5)
        #expect(try team.recordCount() == 20)
        // The rollup holds each stored record once.
        #expect(try db.texts("SELECT sum(records)::text FROM report_rollup") == ["20"])
    }

    @Test("a rebuilt local ledger (ids reused for other keys) is pushed from the start, adding only what is new")
    func rebuiltLocalLedger() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "m")
        _ = try team.push(from: try LocalLedger.make(LocalLedger.entries(30)), ledgerPath: "/l")
        let rebuilt = try LocalLedger.make(LocalLedger.entries(40, prefix: "b"))
        let summary = try team.push(from: rebuilt, ledgerPath: "/l")
        #expect(summary.restarted)
        #expect(summary.counts.inserted == 40)
        #expect(try team.recordCount() == 70)
    }
}

@Suite("team ledger migrations", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamLedgerMigrationTests {
    static let migrations = [
        "v1-team-ledger", "v2-repository-branch", "v3-unit-quantities", "v5-report-rollup-day", "v6-kind-index-on-day-tier",
        "v7-rollup-under-write-lock", "v8-rollup-insert-one-pass", "v9-write-lock-after-previous-batch",
        "v10-model-index-dropped", "v11-key-ordered-copy", "v12-tiers-sent-with-straight-copy",
        "v13-ids-reserved-in-blocks", "v14-dedup-key-bytewise", "v15-names-as-ids",
    ]

    @Test("both of the ledger's connections run without the server's JIT compilation")
    func jitOff() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        #expect(try team.run { try team.connection.execute("SHOW jit").text(0, 0) } == "off")
        #expect(try team.run { try team.secondConnection().execute("SHOW jit").text(0, 0) } == "off")
    }

    @Test("a new database gets every migration once; connecting again applies nothing")
    func migratesOnce() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let first = try db.connect()
        #expect(try first.appliedMigrations() == Self.migrations)
        let second = try db.connect()
        #expect(try second.appliedMigrations() == Self.migrations)
    }

    @Test("two machines connecting to a new database at once: one migrates, both work")
    func concurrentMigration() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        async let a = db.connect(machine: "a")
        async let b = db.connect(machine: "b")
        let (x, y) = try await (a, b)
        #expect(try x.appliedMigrations() == Self.migrations)
        #expect(try y.appliedMigrations() == Self.migrations)
    }

    @Test("a database with other tables is refused, and so is one migrated by a newer version")
    func refusesForeignAndNewer() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        _ = try db.texts("CREATE TABLE customers (id int)")
        #expect(throws: TeamLedgerError.notATeamLedger(address: db.address.description)) { _ = try db.connect() }

        let newer = try TestServer.freshDatabase()
        defer { newer.drop() }
        _ = try newer.connect()
        _ = try newer.texts("INSERT INTO tokenledger_migration (identifier) VALUES ('v9-from-the-future')")
        #expect(throws: TeamLedgerError.newerSchema(address: newer.address.description, migration: "v9-from-the-future")) { _ = try newer.connect() }
    }

    @Test("a wrong password is refused in one sentence without the password")
    func wrongPassword() async throws {
        let address = try TeamLedgerAddress(parsing: try #require(TestServer.url)).with(password: "definitely-wrong-pw")
        do {
            _ = try TeamLedger.connect(address)
            Issue.record("logged in with a wrong password")
        } catch {
            guard case .authenticationFailed = error else { Issue.record("expected authenticationFailed, got \(error)"); return }
            #expect(!error.message.contains("definitely-wrong-pw"))
        }
    }
}
