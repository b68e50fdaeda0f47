import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Dedup slots: a 64-bit hash index, exact even when hashes collide")
struct DedupSlotTests {
    func entry(key: String, output: Int, rank: Int = 0) -> LedgerEntry {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "openai", model: "no-such-model",
            tokens: TokenCounts(input: 10, output: output), source: "openai-chat")
        return LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: "/logs/a.jsonl", line: 1), supersedeRank: rank)
    }

    /// Rows of other keys (one output token each) written straight into the given slots, as collisions would put them.
    func occupy(_ ledger: Ledger, _ rows: [(key: String, slot: Int64)]) throws {
        try ledger.write { db in
            for row in rows {
                try db.execute(sql: """
                    INSERT INTO usage_record (dedup_key, dedup_hash, ts, provider, model, source, imported_at, output_tokens)
                    VALUES (?, ?, 1764000000000, 'openai', 'm', 'sql', 0, 1)
                    """, arguments: [row.key, row.slot])
            }
        }
    }

    @Test("the hash is fixed: stored slots depend on it")
    func stableHash() {
        // FNV-1a 64 then the splitmix64 finaliser, computed independently (Python, arbitrary-precision
        // integers masked to 64 bits) and pinned: a change here would orphan every stored dedup_hash.
        #expect(DedupSlot.hash("openai:chatcmpl-abc") == 1_632_705_798_298_020_814)
        #expect(DedupSlot.hash("anthropic:msg_01:req_011") == 4_754_051_765_186_246_441)
        #expect(DedupSlot.hash("openai:chatcmpl-abc") != DedupSlot.hash("openai:chatcmpl-abd"))
    }

    @Test("a key whose slot another key holds goes to the next free slot, and is found there")
    func collision() throws {
        let ledger = try Ledger.inMemory()
        let home = DedupSlot.hash("k2")
        // Another key squatting on k2's home slot, as a genuine 64-bit collision would.
        try occupy(ledger, [("squatter", home)])
        let first = try ledger.insert([entry(key: "k1", output: 5), entry(key: "k2", output: 7)], pricing: PriceBook())
        #expect(first.inserted == 2)
        let slot = try ledger.reader.read { db in try Int64.fetchOne(db, sql: "SELECT dedup_hash FROM usage_record WHERE dedup_key = 'k2'") }
        #expect(slot == home &+ 1)
        let again = try ledger.insert([entry(key: "k2", output: 7)], pricing: PriceBook())
        #expect(again.inserted == 0 && again.duplicates == 1)
        let up = try ledger.insert([entry(key: "k2", output: 70, rank: 5)], pricing: PriceBook())
        #expect(up.replaced == 1)
        #expect(try ledger.storedRecord(dedupKey: "k2")?.record.tokens.output == 70)
        let squatter = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT output_tokens FROM usage_record WHERE dedup_hash = ?", arguments: [home]) }
        #expect(squatter == 1)
        #expect(try ledger.storedRecord(dedupKey: "k3") == nil)
        let rows = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") }
        #expect(rows == 3)
    }

    @Test("two new keys with one home slot in the same batch both get stored")
    func collisionInOneBatch() throws {
        let ledger = try Ledger.inMemory()
        let home = DedupSlot.hash("a")
        try occupy(ledger, [("x", home), ("y", home &+ 1)])
        let counts = try ledger.insert([entry(key: "a", output: 1), entry(key: "a", output: 2, rank: 1), entry(key: "a", output: 3)], pricing: PriceBook())
        #expect(counts.inserted == 1 && counts.replaced == 1 && counts.duplicates == 1)
        let stored = try ledger.reader.read { db in try Row.fetchOne(db, sql: "SELECT dedup_hash, output_tokens FROM usage_record WHERE dedup_key = 'a'") }
        #expect(stored?["dedup_hash"] as Int64? == home &+ 2)
        #expect(stored?["output_tokens"] as Int? == 2)
    }

    @Test("inserting 16 rows per statement stores and counts exactly what one row at a time does, with old keys, repeats and a collision inside a statement")
    func severalRowStatements() throws {
        // 61 entries: statement 1 mixes new keys with stored ones, statement 2 repeats a new key (a
        // higher rank replaces it, an equal one is a duplicate) and holds a key whose home slot another
        // key squats on, statement 3 is all new, and the last 13 go one row at a time (one repeats a key).
        var entries: [LedgerEntry] = []
        for i in 0..<61 { entries.append(entry(key: "openai:k\(i)", output: i + 1)) }
        entries[3] = entry(key: "openai:old1", output: 100)
        entries[9] = entry(key: "openai:old2", output: 200, rank: 2)
        entries[18] = entry(key: "openai:k17", output: 300, rank: 1)
        entries[20] = entry(key: "openai:k17", output: 400, rank: 1)
        entries[50] = entry(key: "openai:k33", output: 500)
        func prepared() throws -> Ledger {
            let ledger = try Ledger.inMemory()
            try occupy(ledger, [("squatter", DedupSlot.hash("openai:k25"))])
            _ = try ledger.insert([entry(key: "openai:old1", output: 1), entry(key: "openai:old2", output: 2)], pricing: PriceBook())
            return ledger
        }
        let bulk = try prepared()
        let counts = try bulk.insert(entries, pricing: PriceBook())
        let single = try prepared()
        var expected = InsertCounts()
        for e in entries {
            expected = expected + (try single.insert([e], pricing: PriceBook()))
        }
        #expect(counts == expected)
        #expect(counts.inserted == 56 && counts.duplicates == 3 && counts.replaced == 2)
        let rows = "SELECT dedup_key, dedup_hash, supersede_rank, output_tokens FROM usage_record ORDER BY dedup_key"
        #expect(try bulk.reader.read { try Row.fetchAll($0, sql: rows) } == single.reader.read { try Row.fetchAll($0, sql: rows) })
        let rollup = "SELECT * FROM report_rollup ORDER BY 1, 2, 3, 4, 5, 6"
        #expect(try bulk.reader.read { try Row.fetchAll($0, sql: rollup) } == single.reader.read { try Row.fetchAll($0, sql: rollup) })
        #expect(try bulk.storedRecord(dedupKey: "openai:k25")?.record.tokens.output == 26)
        #expect(try bulk.storedRecord(dedupKey: "openai:k17")?.record.tokens.output == 300)
    }

    @Test("migrating a v2 ledger keeps every row and id, hashes the keys, and keeps dedup, rollup and view working")
    func migrationFromV2() throws {
        let queue = try DatabaseQueue()
        try LedgerSchema.migrator.migrate(queue, upTo: "v2-report-indexes")
        try queue.write { db in
            for (id, key, file) in [(7, "openai:one", "/logs/a.jsonl"), (9, "openai:two", "/logs/a.jsonl"), (12, "anthropic:three", nil)] {
                try db.execute(sql: """
                    INSERT INTO usage_record (id, dedup_key, ts, provider, model, model_id, source, source_file, source_line, imported_at, input_tokens, output_tokens, cost_pusd)
                    VALUES (?, ?, 1764000000000, 'openai', 'gpt-4o', 'gpt-4o', 'openai-chat', ?, ?, 0, 100, 10, 5000000)
                    """, arguments: [id, key, file, id])
            }
        }
        let rollupBefore = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM report_rollup ORDER BY 1, 2, 3") }
        let ledger = try Ledger(queue)
        let rows = try ledger.reader.read { db in try Row.fetchAll(db, sql: "SELECT id, dedup_key, dedup_hash FROM usage_record ORDER BY id") }
        #expect(rows.map { $0["id"] as Int64 } == [7, 9, 12])
        for row in rows {
            #expect(row["dedup_hash"] as Int64? == DedupSlot.hash(row["dedup_key"]))
        }
        // The path is stored once in log_file and read back with each record.
        #expect(try ledger.reader.read { db in try String.fetchAll(db, sql: "SELECT path FROM log_file") } == ["/logs/a.jsonl"])
        #expect(try ledger.storedRecords().map { $0.entry.location?.file } == ["/logs/a.jsonl", "/logs/a.jsonl", nil])
        #expect(try ledger.reader.read { db in try String.fetchAll(db, sql: "SELECT coalesce(source_file, '-') FROM priced_usage ORDER BY id") } == ["/logs/a.jsonl", "/logs/a.jsonl", "-"])
        let rollupAfter = try ledger.reader.read { db in try Row.fetchAll(db, sql: "SELECT * FROM report_rollup ORDER BY 1, 2, 3") }
        #expect(rollupAfter == rollupBefore)
        let again = try ledger.insert([entry(key: "openai:one", output: 10)], pricing: PriceBook())
        #expect(again.duplicates == 1 && again.inserted == 0)
        let costs = try ledger.reader.read { db in try String.fetchAll(db, sql: "SELECT cost_usd FROM priced_usage ORDER BY id") }
        #expect(costs == ["0.000005000000", "0.000005000000", "0.000005000000"])
        // The rollup triggers came back: a plain SQL insert still updates it.
        try ledger.write { db in
            try db.execute(sql: "INSERT INTO usage_record (dedup_key, ts, provider, model, source, imported_at, output_tokens) VALUES ('sql', 1764000000000, 'openai', 'gpt-4o', 'sql', 0, 4)")
        }
        let records = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT SUM(records) FROM report_rollup") }
        #expect(records == 4)
        let indexes = try ledger.reader.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_record' AND name NOT LIKE 'sqlite_%' ORDER BY name") }
        #expect(indexes == ["usage_record_by_dedup_hash", "usage_record_by_time"])
    }

    @Test("stored keys that share a hash (before the unique index exists) move to the next free values, in id order")
    func migrationSeparatesCollisions() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: LedgerSchema.usageRecordTable(named: "usage_record"))
            for (id, key, hash) in [(1, "a", 100), (2, "b", 100), (3, "c", 101), (4, "d", 100)] {
                try db.execute(sql: """
                    INSERT INTO usage_record (id, dedup_key, dedup_hash, ts, provider, model, source, imported_at)
                    VALUES (?, ?, ?, 0, 'openai', 'm', 'sql', 0)
                    """, arguments: [id, key, hash])
            }
            try LedgerSchema.separateCollidingHashes(db)
        }
        let hashes = try queue.read { db in try Int64.fetchAll(db, sql: "SELECT dedup_hash FROM usage_record ORDER BY id") }
        #expect(hashes == [100, 102, 101, 103])
    }
}
