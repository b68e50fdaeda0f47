import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Inserting into the ledger: exactly once, higher rank supersedes")
struct LedgerInsertTests {
    func entry(key: String, output: Int, rank: Int = 0, model: String = "no-such-model") -> LedgerEntry {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "anthropic", model: model,
            tokens: TokenCounts(input: 10, cacheRead: 900, output: output), source: "claude-code",
            tags: ["team": "core"], apiKeyHash: SHA256.shortHash(of: "sk-ant-secret"))
        return LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: "/logs/a.jsonl", line: 3), supersedeRank: rank)
    }

    @Test("re-inserting the same entries adds nothing and counts them as duplicates")
    func reinsertIsDuplicate() throws {
        let ledger = try Ledger.inMemory()
        let first = try ledger.insert([entry(key: "k1", output: 5), entry(key: "k2", output: 7)], pricing: PriceBook())
        #expect(first.inserted == 2)
        let again = try ledger.insert([entry(key: "k1", output: 5), entry(key: "k2", output: 7)], pricing: PriceBook())
        #expect(again.inserted == 0 && again.duplicates == 2)
        let count = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") }
        #expect(count == 2)
    }

    @Test("a higher-ranked copy replaces the row; a lower one does not")
    func supersede() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insert([entry(key: "msg", output: 1, rank: 2)], pricing: PriceBook())
        let up = try ledger.insert([entry(key: "msg", output: 300, rank: 600)], pricing: PriceBook())
        #expect(up.replaced == 1)
        let down = try ledger.insert([entry(key: "msg", output: 1, rank: 2)], pricing: PriceBook())
        #expect(down.duplicates == 1)
        let output = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT output_tokens FROM usage_record WHERE dedup_key = 'msg'") }
        #expect(output == 300)
    }

    @Test("an unknown model is stored unpriced with a reason, never as $0")
    func unpricedIsNotZero() throws {
        let ledger = try Ledger.inMemory()
        let counts = try ledger.insert([entry(key: "k", output: 5)], pricing: PriceBook())
        #expect(counts.unpriced == 1)
        let row = try ledger.reader.read { db in try Row.fetchOne(db, sql: "SELECT cost_pusd, unpriced_reason, tags, api_key_hash FROM usage_record") }
        #expect(row?["cost_pusd"] as Int64? == nil)
        #expect((row?["unpriced_reason"] as String?)?.isEmpty == false)
        #expect(row?["tags"] as String? == #"{"team":"core"}"#)
        #expect(row?["api_key_hash"] as String? == SHA256.shortHash(of: "sk-ant-secret"))
    }

    @Test("a ledger file reopens with its rows, and the priced_usage view reads")
    func reopen() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Ledger.open(at: url).insert([entry(key: "k", output: 5)], pricing: PriceBook())
        let again = try Ledger.open(at: url)
        let n = try again.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM priced_usage") }
        #expect(n == 1)
        let ro = try Ledger.openReadOnly(at: url)
        #expect(try ro.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") } == 1)
    }

    @Test("opening a file that is not a database is a clear error")
    func notADatabase() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("notdb-\(UUID().uuidString).sqlite")
        try Data("this is not sqlite, just text that is long enough to be a header".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: LedgerError.self) { try Ledger.open(at: url) }
        #expect(throws: LedgerError.missing(path: "/no/such/ledger.sqlite")) { try Ledger.openReadOnly(at: URL(fileURLWithPath: "/no/such/ledger.sqlite")) }
    }
}
