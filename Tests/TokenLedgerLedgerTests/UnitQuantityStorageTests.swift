import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

/// Seconds of audio and characters are stored with the record, so a reprice prices it as the import did.
@Suite("Unit quantities survive the ledger")
struct UnitQuantityStorageTests {
    func entry(_ model: String, key: String, units: UnitCounts) -> LedgerEntry {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_115_200), provider: "openai", model: model,
            tokens: TokenCounts(), units: units, source: "openai-usage", requestCount: 3, isAggregate: true)
        return LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: "/logs/usage.jsonl", line: 1))
    }

    @Test("whisper-1 seconds and tts-1-hd characters are stored, read back and repriced to the same cost")
    func roundTrip() throws {
        let ledger = try Ledger.inMemory()
        let book = try PriceBook.bundled()
        try ledger.insert([
            entry("whisper-1", key: "w", units: UnitCounts(audioSeconds: 754)),
            entry("tts-1-hd", key: "t", units: UnitCounts(characters: 123_457)),
            entry("gpt-4o-transcribe", key: "g", units: UnitCounts(audioSeconds: 300)),
        ], pricing: book)
        func costs() throws -> [String: Int64?] {
            try ledger.reader.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT dedup_key, cost_pusd FROM usage_record").map { ($0[0] as String, $0[1] as Int64?) })
            }
        }
        // 754 s × $0.006 / 60 = $0.0754; 123,457 × $30 / 1M = $3.70371; seconds for a token-billed model: unpriced.
        let expected: [String: Int64?] = ["w": 75_400_000_000, "t": 3_703_710_000_000, "g": nil]
        #expect(try costs() == expected)
        let stored = try ledger.reader.read { db in try Ledger.storedRecords(afterID: 0, limit: 10, in: db) }
        #expect(stored.map(\.entry.record.units) == [UnitCounts(audioSeconds: 754), UnitCounts(characters: 123_457), UnitCounts(audioSeconds: 300)])
        let report = try ledger.reprice(with: book, apply: true)
        _ = report
        #expect(try costs() == expected)
    }
}
