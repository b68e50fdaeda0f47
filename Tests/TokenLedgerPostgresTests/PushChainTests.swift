import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// Push's pages of new rows stored in a chain on two connections (`BatchChain`): page N+1 copied
/// while page N updates its tiers and commits, each moving the push cursor in its transaction and
/// committing only if the page before it did.
@Suite("push's pages stored in a chain", .enabled(if: TestServer.available, TestServer.skipReason))
struct PushChainTests {
    /// The keys of `count` entries of `LocalLedger.entries` from `offset`, in the local ledger's order.
    static func keys(_ count: Int, from offset: Int = 0, prefix: String = "a") -> [String?] {
        (offset..<(offset + count)).map { "k:\(prefix):\($0)" }
    }

    /// The stored keys in id order.
    static func keysByID(_ db: ScratchDatabase) throws -> [String?] {
        try db.texts("SELECT dedup_key FROM usage_record ORDER BY id")
    }

    /// The push cursors' last ids, by machine.
    static func cursors(_ db: ScratchDatabase) throws -> [String?] {
        try db.texts("SELECT machine || ':' || last_id FROM push_cursor ORDER BY machine")
    }

    /// Adds a row trigger on `usage_row` (the rows behind `usage_record`) that raises `error` (an SQLSTATE) for the row with `key`:
    /// every time, or only the first time with `once` (a sequence counts the times; it is not rolled back).
    static func failInsert(of key: String, with error: String, once: Bool, in db: ScratchDatabase) throws {
        try db.address.withRawConnection { connection in
            try connection.execute("CREATE SEQUENCE failed_inserts")
            try connection.execute("""
                CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('failed_inserts') = 1 OR NOT \(once) THEN
                        RAISE EXCEPTION 'refused by the test' USING ERRCODE = '\(error)';
                    END IF;
                    RETURN NEW;
                END $$
                """)
            try connection.execute("""
                CREATE TRIGGER fail_insert BEFORE INSERT ON usage_row FOR EACH ROW WHEN (NEW.dedup_key = '\(key)')
                EXECUTE FUNCTION fail_insert()
                """)
        }
    }

    @Test("many small pages: every row once, ids in the local ledger's order, the cursor at its last row, the tiers the rows' sums")
    func smallPages() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(300))
        let team = try db.connect(machine: "m")
        // 43 pages of 7: the chain's two connections take turns many times. Keys k:a:0, k:a:1, k:a:10, …
        // sort otherwise than the rows, so ids given out of the chain's order would show.
        let summary = try team.push(from: local, ledgerPath: "/l", batchSize: 7)
        #expect(summary.sent == 300 && summary.counts.inserted == 300 && summary.counts.duplicates == 0)
        #expect(try Self.keysByID(db) == Self.keys(300))
        #expect(try Self.cursors(db) == ["m:300"])
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }

    @Test("a push stopped after 1, 2, 3 and 1 pages: each time the cursor stands at the last row of the last committed page, every row up to it stored and none after")
    func stopsAfterPages() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        // Imported two hours ago: older than the hour before a push in which rows count as possibly
        // replaced, so each rerun sends only the rows above the cursor.
        let local = try LocalLedger.make(LocalLedger.entries(60), now: Date().addingTimeInterval(-7_200))
        let team = try db.connect(machine: "m")
        var pages = 0
        for stop in [1, 2, 3, 1] {
            let stopped = try team.push(from: local, ledgerPath: "/l", batchSize: 7, now: Date(), stopAfterBatches: stop)
            pages += stop
            #expect(stopped.sent == 7 * stop && stopped.counts.inserted == 7 * stop)
            #expect(try Self.cursors(db) == ["m:\(7 * pages)"])
            #expect(try Self.keysByID(db) == Self.keys(7 * pages))
        }
        let rest = try team.push(from: local, ledgerPath: "/l", batchSize: 7)
        #expect(rest.sent == 11 && rest.counts.inserted == 11 && !rest.restarted)
        #expect(try Self.cursors(db) == ["m:60"])
        #expect(try Self.keysByID(db) == Self.keys(60))
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }

    @Test("a page refused by the server: the pages before it stay, the page chained after it rolls back, the cursor stays on the last stored row, and the rerun adds the rest once")
    func refusedPage() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(300), now: Date().addingTimeInterval(-7_200))
        let team = try db.connect(machine: "m")
        // k:a:100 is local row 101, on page 15 (rows 99-105) of pages of 7; page 16 is copied beside it.
        try Self.failInsert(of: "k:a:100", with: "P0001", once: false, in: db)
        let failure = #expect(throws: TeamLedgerError.self) {
            try team.push(from: local, ledgerPath: "/l", batchSize: 7)
        }
        #expect(failure?.message.contains("refused by the test") == true)
        #expect(try Self.cursors(db) == ["m:98"])
        #expect(try Self.keysByID(db) == Self.keys(98))
        #expect(try PairedBatchTests.tierMismatches(db) == [])
        _ = try db.texts("DROP TRIGGER fail_insert ON usage_row")
        let rerun = try team.push(from: local, ledgerPath: "/l", batchSize: 7)
        #expect(rerun.sent == 202 && rerun.counts.inserted == 202 && !rerun.restarted)
        #expect(try Self.keysByID(db) == Self.keys(300))
        #expect(try Self.cursors(db) == ["m:300"])
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }

    @Test("a page meeting a write conflict: it and the page rolled back after it are stored again alone, in order, and the push goes on")
    func conflictStoredAlone() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try LocalLedger.make(LocalLedger.entries(300))
        let team = try db.connect(machine: "m")
        // Once, as when PostgreSQL ends a deadlock with another machine's writer by failing this page.
        try Self.failInsert(of: "k:a:100", with: "40P01", once: true, in: db)
        let summary = try team.push(from: local, ledgerPath: "/l", batchSize: 7)
        #expect(summary.sent == 300 && summary.counts.inserted == 300 && summary.counts.duplicates == 0)
        #expect(try db.texts("SELECT nextval('failed_inserts')::text") == ["3"], "the conflict was met once, then stored alone")
        #expect(try Self.keysByID(db) == Self.keys(300))
        #expect(try Self.cursors(db) == ["m:300"])
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }

    @Test("two machines pushing the same rows at once in small pages: every row once, each cursor at its ledger's end, the tiers the rows' sums")
    func twoMachinesAtOnce() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        // The same export imported on both machines: both push the same keys in the same order, their
        // pages copied beside each other, so one machine's page meets keys the other's holds uncommitted
        // (and, once staged, the two wait on each other: a write conflict, stored again alone).
        let laptop = try LocalLedger.make(LocalLedger.entries(400, prefix: "shared"))
        let gateway = try LocalLedger.make(LocalLedger.entries(400, prefix: "shared"))
        let a = try db.connect(machine: "laptop")
        let b = try db.connect(machine: "gateway")
        let results = Mutex<[String: PushSummary]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (team, local) in [(a, laptop), (b, gateway)] {
                group.addTask {
                    let summary = try team.push(from: local, ledgerPath: "/l", batchSize: 7)
                    results.withLock { $0[summary.machine] = summary }
                }
            }
            try await group.waitForAll()
        }
        let summaries = results.withLock { $0 }
        #expect(summaries.values.map(\.sent) == [400, 400])
        #expect(summaries.values.map(\.counts.inserted).reduce(0, +) == 400, "\(summaries)")
        #expect(summaries.values.map(\.counts.duplicates).reduce(0, +) == 400, "\(summaries)")
        #expect(try db.texts("SELECT dedup_key FROM usage_record ORDER BY dedup_key") == Self.keys(400, prefix: "shared").sorted { $0! < $1! })
        #expect(try Self.cursors(db) == ["gateway:400", "laptop:400"])
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }
}
