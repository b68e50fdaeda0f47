import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

@Suite("Goose sessions.db")
struct GooseAdapterTests {
    func copy() throws -> URL {
        let dir = try TestLog.folder()
        let goose = dir.appendingPathComponent("goose/sessions")
        try FileManager.default.createDirectory(at: goose, withIntermediateDirectories: true)
        let db = goose.appendingPathComponent("sessions.db")
        try FileManager.default.copyItem(at: AdapterHarness.fixture("fixtures/logs/goose/sessions.db"), to: db)
        return db
    }

    @Test("one record per session from its running totals, requests = its assistant messages; an empty session skipped, a broken one quarantined by rowid")
    func sessions() throws {
        let db = try copy()
        defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()) }
        let out = try AdapterHarness.run(GooseAdapter(), file: db)
        #expect(out.records.count == 2 && out.skipped == 1 && out.malformed.map(\.line) == [4])
        let a = out.records[0], b = out.records[1]
        #expect(a.model == "claude-sonnet-4-5" && a.provider == "anthropic" && a.requestCount == 7)
        #expect(a.tokens == TokenCounts(input: 398_000, output: 14_000))
        #expect(a.timestamp == Date(timeIntervalSince1970: 1_767_606_130.512) && a.project == "shop" && a.sessionID == "20260105_1")
        #expect(b.model == "openai/gpt-5" && b.provider == "openrouter" && b.requestCount == 2)
        #expect(b.timestamp == Date(timeIntervalSince1970: 1_767_709_200))
        #expect(out.entries.map(\.dedupKey) == ["goose:20260105_1", "goose:20260106_1"])
    }

    @Test("detected by name and place; imported exactly once; a session that grew replaces its record")
    func exactlyOnceAndGrowth() throws {
        let db = try copy()
        defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()) }
        let head = [UInt8](try Data(contentsOf: db).prefix(100))
        #expect(GooseAdapter().detect(path: db.path, head: head) == 95)
        #expect(GooseAdapter().detect(path: "/tmp/other/sessions.db", head: head) == 0)
        let ledger = try Ledger.inMemory()
        func importing() throws -> ImportSummary {
            try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [db])
        }
        let first = try importing()
        #expect(first.imported == 2 && first.quarantined == 1)
        #expect(try importing().imported == 0)
        let queue = try DatabaseQueue(path: db.path)
        try queue.write { db in
            try db.execute(sql: "UPDATE sessions SET accumulated_input_tokens = 450000, accumulated_output_tokens = 16000, updated_at = '2026-01-05T10:00:00Z' WHERE id = '20260105_1'")
        }
        try queue.close()
        let next = try importing()
        #expect(next.imported == 0 && next.replaced == 1)
        let stored = try #require(try ledger.storedRecord(dedupKey: "goose:20260105_1"))
        #expect(stored.record.tokens == TokenCounts(input: 450_000, output: 16_000))
    }
}

@Suite("Kimi CLI wire logs")
struct KimiCLIAdapterTests {
    static let file = "fixtures/logs/kimi-cli/sessions/5d41402abc4b2a76b9719d911017c592/0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/wire.jsonl"

    @Test("each StatusUpdate's token_usage (input_other already uncached), model unknown so unpriced; a cut line quarantined")
    func wire() throws {
        let out = try AdapterHarness.run(KimiCLIAdapter(), file: AdapterHarness.fixture(Self.file))
        #expect(out.records.count == 2 && out.malformed.map(\.line) == [6])
        #expect(out.records[0].tokens == TokenCounts(input: 1120, cacheRead: 12000, output: 310))
        #expect(out.records[0].model == "unknown" && out.records[0].sessionID == "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a")
        #expect(out.records[0].timestamp == Date(timeIntervalSince1970: 1_780_000_004.75))
        #expect(out.entries[1].dedupKey == "kimi-cli:0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a:chatcmpl-kimi-0002")
    }

    @Test("detected; imported exactly once, unpriced not zero; an appended step is read alone")
    func exactlyOnce() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = dir.appendingPathComponent(".kimi/sessions/abc/s1")
        try FileManager.default.createDirectory(at: session, withIntermediateDirectories: true)
        let file = session.appendingPathComponent("wire.jsonl")
        try FileManager.default.copyItem(at: AdapterHarness.fixture(Self.file), to: file)
        let ledger = try Ledger.inMemory()
        func importing() throws -> ImportSummary {
            try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [dir.appendingPathComponent(".kimi")])
        }
        let first = try importing()
        #expect(first.imported == 2 && first.quarantined == 1 && first.unpriced == 2)
        #expect(try importing().imported == 0)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"timestamp": 1780000020.0, "message": {"type": "StatusUpdate", "payload": {"token_usage": {"input_other": 5, "output": 7, "input_cache_read": 0, "input_cache_creation": 0}, "message_id": "chatcmpl-kimi-0003"}}}"#.utf8 + [0x0A]))
        try handle.close()
        #expect(try importing().imported == 1)
    }
}
