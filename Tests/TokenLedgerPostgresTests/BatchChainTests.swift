import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerPostgres

/// The import's batches stored in a chain on two connections (`TeamImportSink`): each takes the write
/// lock only after the batch before it ended (migration v9), commits only if that batch committed, and
/// two machines' chains crossing on the same keys still store every record once.
@Suite("batches stored in a chain", .enabled(if: TestServer.available, TestServer.skipReason))
struct BatchChainTests {
    static func batch(_ entries: [LedgerEntry], file: String = "/logs/a.jsonl", quarantine reason: String? = nil) throws -> ImportBatch {
        let line = entries.last?.location?.line ?? 0
        let checkpoint = FileCheckpoint(path: file, format: "openai-chat", device: nil, inode: nil, size: 100_000, mtimeNanoseconds: 1,
                                        headSHA: nil, offset: Int64(line), line: line, state: nil)
        let quarantined = reason.map {
            [QuarantinedLine(file: file, line: line + 1, byteOffset: nil, byteLength: nil, format: "openai-chat", reason: $0,
                             lineSHA: "sha-\(line)", firstSeen: Date())]
        } ?? []
        return ImportBatch(records: PricedBatch(entries, pricing: try PriceBook.bundled()), quarantine: quarantined, checkpoints: [checkpoint])
    }

    /// Writers waiting for an advisory lock (a ticket or the write lock) in `db` (other tests' scratch
    /// databases left out).
    static func waiters(_ db: ScratchDatabase) throws -> String? {
        try db.texts("""
            SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """).first ?? nil
    }

    @Test("a batch after an open batch copies its rows but takes the write lock only once that batch ended")
    func waitsForTheBatchBefore() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        let batch = try Self.batch(LocalLedger.entries(40))
        let before: Int64 = 0x5445_5354_0000_0001
        let stored = Mutex<Result<InsertCounts, TeamLedgerError>?>(nil)
        let finished = DispatchGroup()
        let writeLockFree = try db.address.withRawConnection { holder in
            // The batch before: open, holding its ticket.
            try holder.execute("BEGIN")
            try holder.execute("SELECT pg_advisory_xact_lock($1)", [before])
            finished.enter()
            Thread.detachNewThread {
                let ticket = TeamLedger.BatchTicket(own: before + 1, after: before) {}
                let result = Result { () throws(TeamLedgerError) in
                    try team.store(batch, now: Date(), on: team.connection, order: .next(previousCommitted: {}), ticket: ticket)
                }
                stored.withLock { $0 = result }
                finished.leave()
            }
            // Its rows copied, its rollup trigger waits for the ticket, not holding the write lock: the
            // batch before can still take it.
            for _ in 0..<500 where try Self.waiters(db) != "1" { Thread.sleep(forTimeInterval: 0.01) }
            #expect(try Self.waiters(db) == "1")
            let free = try holder.execute("SELECT pg_try_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock]).text(0, 0)
            #expect(stored.withLock { $0 } == nil)
            try holder.execute("COMMIT")
            return free
        }
        #expect(writeLockFree == "t")
        finished.wait()
        #expect(try stored.withLock { $0 }?.get().inserted == 40)
        #expect(try team.recordCount() == 40)
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }

    @Test("a batch failing on the server: the batches before it stay, the one chained after it rolls back, and the import stops")
    func failureRollsBackTheChain() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect()
        // The third batch's quarantined line is refused by the server (a trigger the test adds).
        try db.address.withRawConnection { connection in
            try connection.execute("""
                CREATE FUNCTION refuse_line() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused by the test'; END $$
                """)
            try connection.execute("""
                CREATE TRIGGER refuse_line BEFORE INSERT ON quarantine FOR EACH ROW WHEN (NEW.reason = 'refuse') EXECUTE FUNCTION refuse_line()
                """)
        }
        let entries = LocalLedger.entries(300)
        let batches = try stride(from: 0, to: 300, by: 60).map { start in
            try Self.batch(Array(entries[start..<start + 60]), quarantine: start == 120 ? "refuse" : "not JSON")
        }
        let sink = TeamImportSink(team: team)
        var counts = InsertCounts()
        let failure = #expect(throws: TeamLedgerError.self) {
            for batch in batches {
                if let finished = try sink.submit(batch) { counts = counts + finished }
            }
            if let finished = try sink.finish() { counts = counts + finished }
        }
        #expect(failure?.message.contains("refused by the test") == true)
        // Batches 0 and 1 committed; 2 failed and 3, stored beside it after it, rolled back with it.
        #expect(counts.inserted == 120)
        #expect(try team.recordCount() == 120)
        #expect(try team.checkpoints(forPaths: ["/logs/a.jsonl"])["/logs/a.jsonl"]?.line == entries[119].location?.line)
        #expect(try team.quarantinedLines().map(\.line) == [entries[59].location!.line + 1, entries[119].location!.line + 1])
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }

    @Test("two machines importing the same export at once, each chaining its batches: every record once, both tiers exact")
    func crossedChains() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let laptop = try db.connect(machine: "laptop")
        let gateway = try db.connect(machine: "gateway")
        let shared = LocalLedger.entries(480, prefix: "shared")
        let batches = try stride(from: 0, to: 480, by: 60).map { try Self.batch(Array(shared[$0..<$0 + 60])) }
        let results = Mutex<[String: InsertCounts]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, team) in [("laptop", laptop), ("gateway", gateway)] {
                group.addTask {
                    let sink = TeamImportSink(team: team)
                    var counts = InsertCounts()
                    for batch in batches {
                        if let finished = try sink.submit(batch) { counts = counts + finished }
                    }
                    if let finished = try sink.finish() { counts = counts + finished }
                    results.withLock { $0[name] = counts }
                }
            }
            try await group.waitForAll()
        }
        let counts = results.withLock { $0 }
        #expect(counts.values.map(\.inserted).reduce(0, +) == 480, "\(counts)")
        #expect(try laptop.recordCount() == 480)
        #expect(try PairedBatchTests.tierMismatches(db) == [])
        // Each machine's checkpoint stands at the export's end.
        for team in [laptop, gateway] {
            #expect(try team.checkpoints(forPaths: ["/logs/a.jsonl"])["/logs/a.jsonl"]?.line == shared.last?.location?.line)
        }
    }
}
