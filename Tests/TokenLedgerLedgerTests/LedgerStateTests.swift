import Foundation
import GRDB
import Synchronization
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Ledger checkpoints, quarantine and the stored-record read model")
struct LedgerStateTests {
    func entry(_ key: String, output: Int = 5, model: String = "no-such-model") -> LedgerEntry {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000.25), provider: "openai", model: model, effort: .high,
            serviceTier: "flex", isBatch: true,
            tokens: TokenCounts(input: 200, cacheRead: 800, output: output, reasoning: 2),
            // A cost LiteLLM worked out (not one the provider stated), so an unknown model stays unpriced.
            units: UnitCounts(webSearchCalls: 1, audioSeconds: 4, characters: 9), source: "litellm", channel: "302ai", project: "acme",
            tags: ["team": "core", "env": "prod"], reportedCost: Money(decimalText: "0.0012"),
            requestID: "chatcmpl-\(key)", sessionID: "s1", apiKeyHash: SHA256.shortHash(of: "sk-secret"))
        return LedgerEntry(record: record, dedupKey: "openai:\(key)", location: SourceLocation(file: "/logs/a.jsonl", line: 7), supersedeRank: 3)
    }

    @Test("a checkpoint round-trips with its identity, offsets and adapter state, and is replaced on save")
    func checkpointRoundTrip() throws {
        let ledger = try Ledger.inMemory()
        #expect(try ledger.checkpoint(forPath: "/logs/a.jsonl") == nil)
        var c = FileCheckpoint(path: "/logs/a.jsonl", format: "codex", device: 2049, inode: 1_234_567, size: 10_000,
                               mtimeNanoseconds: 1_764_000_000_123_456_789, headSHA: SHA256.hexDigest(of: "head"),
                               offset: 9_990, line: 41, state: ["total": ["input_tokens": 1200]])
        try ledger.write { db in try Ledger.saveCheckpoint(c, in: db) }
        #expect(try ledger.checkpoint(forPath: "/logs/a.jsonl") == c)
        c.size = 20_000
        c.offset = 20_000
        c.line = 80
        c.state = nil
        try ledger.write { db in try Ledger.saveCheckpoint(c, in: db) }
        #expect(try ledger.checkpoints(forPaths: ["/logs/a.jsonl", "/logs/none.jsonl"]) == ["/logs/a.jsonl": c])
        #expect(try ledger.allCheckpoints().count == 1)
    }

    @Test("quarantine keeps place, length and fingerprint (never text) and stores a line once")
    func quarantineOnce() throws {
        let ledger = try Ledger.inMemory()
        let line = QuarantinedLine(file: "/logs/a.jsonl", line: 3, byteOffset: 120, byteLength: 17, format: "openai-chat",
                                   reason: "invalid JSON at byte 9: expected ':' after key", lineSHA: SHA256.hexDigest(of: "{\"id\" \"x\"}"))
        let added = try ledger.write { db in try Ledger.quarantine([line, line], in: db) }
        #expect(added == 1)
        let again = try ledger.write { db in try Ledger.quarantine([line], in: db) }
        #expect(again == 0)
        let listed = try ledger.quarantinedLines()
        #expect(listed.count == 1)
        var withoutDate = listed[0]
        withoutDate.firstSeen = nil
        #expect(withoutDate == line)
        let columns = try ledger.reader.read { db in try db.columns(in: "quarantine").map(\.name) }
        #expect(!columns.contains { $0.contains("text") || $0.contains("content") })
    }

    @Test("a stored record reads back equal to what was inserted, with its cost state")
    func readModel() throws {
        let ledger = try Ledger.inMemory()
        let e = entry("abc")
        try ledger.insert([e], pricing: PriceBook())
        let stored = try #require(try ledger.storedRecord(dedupKey: "openai:abc"))
        #expect(stored.entry == e)
        #expect(stored.cost == nil)
        #expect(stored.unpricedReason?.isEmpty == false)
        #expect(try ledger.storedRecords().map(\.entry) == [e])
        #expect(try ledger.recordCount() == 1)
    }

    @Test("reprice reports the difference per model and month; a dry run writes nothing")
    func repriceDryRunAndApply() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insert([entry("a"), entry("b"), entry("c", model: "other-model")], pricing: PriceBook())
        // Pretend an older price table had priced "a" at $0.5 (500_000_000_000 pUSD).
        try ledger.write { db in
            try db.execute(sql: "UPDATE usage_record SET cost_pusd = 500000000000, unpriced_reason = NULL, price_period = '2025-01-01' WHERE dedup_key = 'openai:a'")
        }
        let dry = try ledger.reprice(with: PriceBook(), apply: false)
        #expect(!dry.applied)
        #expect(dry.records == 3 && dry.changed == 1)
        #expect(dry.lines.map(\.model) == ["no-such-model", "other-model"])
        #expect(dry.lines.map(\.month) == ["2025-11", "2025-11"])
        let line = dry.lines[0]
        #expect(line.records == 2 && line.changed == 1)
        #expect(line.before == Money(decimalText: "0.5") && line.after == .zero && line.difference == Money(decimalText: "-0.5"))
        #expect(line.unpricedBefore == 1 && line.unpricedAfter == 2)
        #expect(try ledger.storedRecord(dedupKey: "openai:a")?.cost == Money(decimalText: "0.5"))

        let applied = try ledger.reprice(with: PriceBook(), apply: true, pageSize: 2)
        #expect(applied.applied && applied.changed == 1 && applied.records == 3)
        #expect(try ledger.storedRecord(dedupKey: "openai:a")?.cost == nil)
        #expect(try ledger.reprice(with: PriceBook(), apply: true).changed == 0)
    }
}

@Suite("Several writers on one ledger file")
struct LedgerConcurrencyTests {
    func entries(prefix: String, range: Range<Int>) -> [LedgerEntry] {
        range.map { i in
            LedgerEntry(record: UsageRecord(timestamp: Date(timeIntervalSince1970: 1_764_000_000 + Double(i)), provider: "openai",
                                            model: "m", tokens: TokenCounts(input: i, output: 1), source: "test"),
                        dedupKey: "\(prefix):\(i)")
        }
    }

    @Test("two connections pools writing and one reading at once: no 'database is locked', no lost records")
    func concurrentWriters() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-conc-\(UUID().uuidString)/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let a = try Ledger.open(at: url)
        let b = try Ledger.open(at: url)
        let errors = Mutex<[String]>([])
        let readsSeen = Mutex<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            do {
                if worker == 2 {
                    // A report reading while the imports write.
                    for _ in 0..<50 {
                        let n = try a.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") ?? 0 }
                        readsSeen.withLock { $0 = max($0, n) }
                    }
                    return
                }
                let ledger = worker == 0 ? a : b
                // Each writer: its own 6000 keys plus 2000 keys the other one also writes.
                for batch in 0..<4 {
                    let own = entries(prefix: "w\(worker)", range: batch * 1500 ..< (batch + 1) * 1500)
                    let shared = entries(prefix: "shared", range: batch * 500 ..< (batch + 1) * 500)
                    try ledger.write { db in
                        _ = try Ledger.insert(PricedBatch(own + shared, pricing: PriceBook()), in: db)
                    }
                }
            } catch {
                errors.withLock { $0.append("\(error)") }
            }
        }
        #expect(errors.withLock { $0 } == [])
        #expect(try a.recordCount() == 6000 + 6000 + 2000)
        #expect(readsSeen.withLock { $0 } <= 14000)
    }

    @Test("several processes' worth of connections creating a new ledger at once all get a migrated schema")
    func concurrentCreate() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-create-\(UUID().uuidString)/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            do {
                let ledger = try Ledger.open(at: url)
                try ledger.insert(entries(prefix: "p\(i)", range: 0..<10), pricing: PriceBook())
            } catch {
                errors.withLock { $0.append("\(error)") }
            }
        }
        #expect(errors.withLock { $0 } == [])
        #expect(try Ledger.open(at: url).recordCount() == 40)
    }
}
