import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Page size: a new ledger file gets larger pages, an existing one keeps its own")
struct LedgerPageSizeTests {
    func entry(_ key: String) -> LedgerEntry {
        LedgerEntry(record: UsageRecord(timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "openai",
                                        model: "gpt-4o", tokens: TokenCounts(input: 10, output: 5), source: "openai-chat"),
                    dedupKey: key)
    }

    func pageSize(_ ledger: Ledger) throws -> Int? {
        try ledger.reader.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
    }

    @Test("a ledger created by open(at:) has 8 KiB pages, in WAL mode, and keeps them when reopened")
    func newLedger() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let ledger = try Ledger.open(at: url)
        #expect(try pageSize(ledger) == 8_192)
        #expect(try ledger.reader.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        try ledger.insert([entry("a"), entry("b")], pricing: PriceBook())
        let again = try Ledger.open(at: url)
        #expect(try pageSize(again) == 8_192)
        #expect(try again.recordCount() == 2)
    }

    @Test("a ledger file that already exists with 4 KiB pages (every ledger before this version) keeps them and works")
    func existingLedger() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try DatabaseQueue(path: url.path).write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        let ledger = try Ledger.open(at: url)
        #expect(try pageSize(ledger) == 4_096)
        let counts = try ledger.insert([entry("a"), entry("b")], pricing: PriceBook())
        #expect(counts.inserted == 2)
        #expect(try Ledger.open(at: url).insert([entry("a")], pricing: PriceBook()).duplicates == 1)
    }
}
