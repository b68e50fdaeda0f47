import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerPostgres

/// Two batches stored at once on two connections (push and the import sink): the second is copied
/// before it holds the write lock, commits only after the first, and the tiers stay exact.
@Suite("batches stored two at a time", .enabled(if: TestServer.available, TestServer.skipReason))
struct PairedBatchTests {
    /// Rows of `usage_record` summed per tier key that differ from the tier's row (both directions).
    static func tierMismatches(_ db: ScratchDatabase) throws -> [String?] {
        let sums = "count(*) AS n, coalesce(sum(cost_pusd), 0) AS c, sum(input_tokens) AS i, sum(output_tokens) AS o"
        let hour = try db.texts("""
            SELECT 'hour' FROM (SELECT ts / 3600000 AS hour, provider, coalesce(model_id, model) AS model_key, effort, is_aggregate, machine, \(sums)
                                FROM usage_record GROUP BY 1, 2, 3, 4, 5, 6) r
            FULL JOIN (SELECT * FROM report_rollup WHERE records <> 0) t USING (hour, provider, model_key, effort, is_aggregate, machine)
            WHERE r.n IS DISTINCT FROM t.records OR r.c IS DISTINCT FROM t.cost_pusd
               OR r.i IS DISTINCT FROM t.input_tokens OR r.o IS DISTINCT FROM t.output_tokens
            """)
        let day = try db.texts("""
            SELECT 'day' FROM (SELECT ts / 86400000 AS day, provider, coalesce(model_id, model) AS model_key, coalesce(project, '') AS project,
                                      source, machine, \(sums)
                               FROM usage_record GROUP BY 1, 2, 3, 4, 5, 6) r
            FULL JOIN (SELECT day, provider, model_key, project, source, machine, sum(records) AS records, sum(cost_pusd) AS cost_pusd,
                              sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
                       FROM report_rollup_day GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(records) <> 0) t
                USING (day, provider, model_key, project, source, machine)
            WHERE r.n IS DISTINCT FROM t.records OR r.c IS DISTINCT FROM t.cost_pusd
               OR r.i IS DISTINCT FROM t.input_tokens OR r.o IS DISTINCT FROM t.output_tokens
            """)
        return hour + day
    }

    @Test("two machines pushing at once, two batches each at a time: every record once, both tiers exact")
    func concurrentPairedPushes() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let laptop = try LocalLedger.make(LocalLedger.entries(900, prefix: "laptop"))
        let gateway = try LocalLedger.make(LocalLedger.entries(900, prefix: "gateway"))
        let a = try db.connect(machine: "laptop")
        let b = try db.connect(machine: "gateway")
        let results = Mutex<[Int]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { let s = try a.push(from: laptop, ledgerPath: "/l", batchSize: 50); results.withLock { $0.append(s.counts.inserted) } }
            group.addTask { let s = try b.push(from: gateway, ledgerPath: "/g", batchSize: 50); results.withLock { $0.append(s.counts.inserted) } }
            try await group.waitForAll()
        }
        #expect(results.withLock { $0 } == [900, 900])
        #expect(try a.recordCount() == 1_800)
        #expect(try Self.tierMismatches(db) == [])
        // The cursor stands at each ledger's last row: pushing again sends nothing new.
        #expect(try db.texts("SELECT machine || ':' || last_id FROM push_cursor ORDER BY machine") == ["gateway:900", "laptop:900"])
    }

    @Test("two machines' batches waiting on each other: PostgreSQL stops one, it is a write conflict, and stored again alone it lands once")
    func crossedBatchesRetried() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let laptop = try db.connect(machine: "laptop")
        let gateway = try db.connect(machine: "gateway")
        let prices = try PriceBook.bundled()
        // One shared export imported on both machines: the same 30 new keys.
        let shared = ImportBatch(records: PricedBatch(LocalLedger.entries(30, prefix: "shared"), pricing: prices), quarantine: [], checkpoints: [])
        func waiters() throws -> String? { try BatchChainTests.waiters(db) }
        func waitFor(_ count: String) throws {
            for _ in 0..<500 where try waiters() != count { Thread.sleep(forTimeInterval: 0.01) }
            #expect(try waiters() == count)
        }
        let results = Mutex<[String: Result<InsertCounts, TeamLedgerError>]>([:])
        let finished = DispatchGroup()
        // A third writer holds the write lock; the gateway's first batch queues for it, then the laptop's
        // second batch copies the same keys beside its (already committed) first and its rollup trigger
        // queues behind. The lock freed, the gateway copies keys the laptop's batch holds uncommitted
        // while the laptop waits for the lock the gateway holds.
        try db.address.withRawConnection { holder in
            try holder.execute("BEGIN")
            try holder.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock])
            finished.enter()
            Thread.detachNewThread {
                let result = Result { () throws(TeamLedgerError) in
                    try gateway.store(shared, now: Date(), on: gateway.connection, order: .first(holdsLock: nil))
                }
                results.withLock { $0["gateway"] = result }
                finished.leave()
            }
            try waitFor("1")
            let second = try laptop.secondConnection()
            finished.enter()
            Thread.detachNewThread {
                let result = Result { () throws(TeamLedgerError) in
                    try laptop.store(shared, now: Date(), on: second, order: .next(previousCommitted: {}))
                }
                results.withLock { $0["laptop"] = result }
                finished.leave()
            }
            try waitFor("2")
            try holder.execute("COMMIT")
        }
        finished.wait()
        let outcome = results.withLock { $0 }
        let conflicts = outcome.filter { _, result in if case .failure(.writeConflict) = result { true } else { false } }
        #expect(conflicts.count == 1, "one of the two is stopped as a write conflict: \(outcome)")
        var stored = 0
        for (machine, result) in outcome {
            let team = machine == "laptop" ? laptop : gateway
            let counts = try TeamLedger.resolvingConflicts(result) { () throws(TeamLedgerError) in
                try team.store(shared, now: Date(), on: team.connection, order: .first(holdsLock: nil))
            }
            stored += counts.inserted
        }
        #expect(stored == 30)
        #expect(try laptop.recordCount() == 30)
        #expect(try Self.tierMismatches(db) == [])
        // What a user sees when the retries run out: one sentence saying to run the command again.
        if case .failure(let error) = conflicts.first?.value {
            #expect(error.message.contains("run the same command again"))
        }
    }

    @Test("a batch whose previous batch did not commit rolls back, records, quarantine and checkpoint alike")
    func secondRollsBackWithoutFirst() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        let prices = try PriceBook.bundled()
        let checkpoint = FileCheckpoint(path: "/logs/a.jsonl", format: "openai-chat", device: nil, inode: nil, size: 10, mtimeNanoseconds: 1,
                                        headSHA: nil, offset: 10, line: 3, state: nil)
        let batch = ImportBatch(records: PricedBatch(LocalLedger.entries(30), pricing: prices),
                                quarantine: [QuarantinedLine(file: "/logs/a.jsonl", line: 2, byteOffset: 5, byteLength: 3, format: "openai-chat",
                                                             reason: "not JSON", lineSHA: "abc", firstSeen: Date())],
                                checkpoints: [checkpoint])
        let failed = TeamLedgerError.server(address: "test", message: "the batch before failed")
        #expect(throws: failed) {
            try team.store(batch, now: Date(), on: team.connection, order: .next(previousCommitted: { () throws(TeamLedgerError) in throw failed }))
        }
        #expect(try team.recordCount() == 0)
        #expect(try team.checkpoints(forPaths: ["/logs/a.jsonl"]).isEmpty)
        #expect(try team.quarantinedLines().isEmpty)
        #expect(try Self.tierMismatches(db) == [])
        #expect(try db.texts("SELECT count(*)::text FROM report_rollup") == ["0"])
        // Let through, the same batch stores whole.
        let counts = try team.store(batch, now: Date(), on: team.connection, order: .next(previousCommitted: {}))
        #expect(counts.inserted == 30)
        #expect(try team.checkpoints(forPaths: ["/logs/a.jsonl"])["/logs/a.jsonl"]?.offset == 10)
    }

    @Test("a record copied without the write lock: its rollup trigger takes the lock (v7)")
    func triggerTakesTheLock() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        _ = try db.connect()
        let held = try db.address.withRawConnection { connection in
            try connection.execute("BEGIN")
            let before = try connection.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            try connection.execute("""
                INSERT INTO usage_record (dedup_key, ts, provider, model, source, machine, imported_at)
                VALUES ('k', 1764000000000, 'openai', 'gpt-4o', 'test', 'm', 0)
                """)
            let after = try connection.execute("""
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                    AND ((classid::bigint << 32) | objid::bigint) = \(TeamLedgerSchema.writeLock)
                """)
            try connection.execute("ROLLBACK")
            return (try before.requiredInt64(0, 0), try after.requiredInt64(0, 0))
        }
        #expect(held.0 == 0 && held.1 == 1)
    }

    @Test("a batch bringing back the last key of the batch being stored waits for it (beside it, each would wait on the other)")
    func sharedKeyWaits() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        let prices = try PriceBook.bundled()
        let first = LocalLedger.entries(3_000)
        var last = first[2_999]
        last.supersedeRank = 1
        let second = [last] + LocalLedger.entries(20, prefix: "b")
        let sink = TeamImportSink(team: team)
        var counts = InsertCounts()
        for batch in [first, second] {
            if let finished = try sink.submit(ImportBatch(records: PricedBatch(batch, pricing: prices), quarantine: [], checkpoints: [])) {
                counts = counts + finished
            }
        }
        if let finished = try sink.finish() { counts = counts + finished }
        #expect(counts.inserted == 3_020 && counts.replaced == 1)
        #expect(try team.recordCount() == 3_020)
        #expect(try Self.tierMismatches(db) == [])
    }

    @Test("import batches in a chain, keys coming back in later batches: the same counts as SQLite in order")
    func sinkPairsAndSharedKeys() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        let prices = try PriceBook.bundled()
        var entries = LocalLedger.entries(400)
        // Batches of 67, each stored beside the one before it (a chain on two connections). Batch 2
        // writes k:a:150 and batch 3 brings it back with a higher rank, so batch 3 waits for batch 2
        // instead of running beside it; batch 4, beside batch 3 on batch 2's connection, brings back
        // k:a:160, which batch 2 committed: its straight COPY clashes and it is staged and upserted instead.
        var again = entries[150]
        again.supersedeRank = 3
        again.record.tokens.output = 4_321
        entries.insert(again, at: 210)
        entries.insert(entries[160], at: 300)
        #expect(entries.count == 402)
        let batches = stride(from: 0, to: entries.count, by: 67).map { Array(entries[$0..<min(entries.count, $0 + 67)]) }
        let sink = TeamImportSink(team: team)
        var counts = InsertCounts()
        for batch in batches {
            let checkpoint = FileCheckpoint(path: "/logs/a.jsonl", format: "openai-chat", device: nil, inode: nil, size: 1_000,
                                            mtimeNanoseconds: 1, headSHA: nil, offset: Int64(batch.last!.location!.line), line: batch.last!.location!.line,
                                            state: nil)
            if let finished = try sink.submit(ImportBatch(records: PricedBatch(batch, pricing: prices), quarantine: [], checkpoints: [checkpoint])) {
                counts = counts + finished
            }
        }
        if let finished = try sink.finish() { counts = counts + finished }
        let ledger = try Ledger.inMemory()
        var inOrder = InsertCounts()
        for batch in batches { inOrder = inOrder + (try ledger.insert(batch, pricing: prices)) }
        #expect(counts == inOrder)
        #expect(try team.recordCount() == 400)
        #expect(try db.texts("SELECT output_tokens::text FROM usage_record WHERE dedup_key = 'k:a:150'") == ["4321"])
        #expect(try team.checkpoints(forPaths: ["/logs/a.jsonl"])["/logs/a.jsonl"]?.line == entries.last!.location!.line)
        #expect(try Self.tierMismatches(db) == [])
    }
}
