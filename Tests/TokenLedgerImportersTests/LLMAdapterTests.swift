import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerImporters

@Suite("llm logs.db adapter")
struct LLMAdapterTests {
    let adapter = LLMAdapter()
    static let current = "fixtures/logs/llm/logs.db"
    static let old = "fixtures/logs/llm/logs-pre-0.19.db"

    /// A private copy of a fixture database, so tests can append rows or change permissions.
    static func copy(_ fixture: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("llm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let dest = dir.appendingPathComponent("logs.db")
        try FileManager.default.copyItem(at: AdapterHarness.fixture(fixture), to: dest)
        return dest
    }

    @Test func readsEveryRowWithTokensAndReportsTheBadOnes() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture(Self.current))
        #expect(out.entries.map(\.dedupKey) == [1, 2, 3, 4, 8].map { "llm:01jr000000000000000000000\($0)" })
        #expect(out.entries.map { $0.location?.line } == [1, 2, 3, 4, 8]) // rowids
        #expect(out.malformed.map(\.line) == [6, 7])  // broken token_details, unreadable datetime
        #expect(out.skipped == 1)                     // local model without usage
        let r = out.records
        // 1: prompt 1500 incl. 1024 cached → 476 uncached + 1024 read.
        #expect(r[0].tokens == TokenCounts(input: 476, cacheRead: 1024, output: 200))
        #expect(r[0].model == "gpt-4o-mini-2024-07-18")   // resolved_model wins
        #expect(r[0].provider == "openai")
        #expect(r[0].sessionID == "01jc0nv0000000000000000001")
        #expect(r[0].timestamp == Timestamp.parse("2026-11-23T08:00:00.123456Z"))
        // 2: reasoning 960 ⊂ output 1200; naive datetime is UTC.
        #expect(r[1].tokens == TokenCounts(input: 800, output: 1200, reasoning: 960))
        #expect(r[1].model == "o3-mini")
        #expect(r[1].timestamp == Timestamp.parse("2026-11-23T08:05:00.5Z"))
        // 3: Anthropic: 20 uncached, 5000 read, 2000 written (5m), all outside input_tokens.
        #expect(r[2].tokens == TokenCounts(input: 20, cacheRead: 5000, cacheWrite5m: 2000, output: 300))
        #expect(r[2].provider == "anthropic")
        // 4: Gemini: 1200 prompt incl. 1000 cached → 200 + 1000; 700 output incl. 500 thoughts.
        #expect(r[3].tokens == TokenCounts(input: 200, cacheRead: 1000, output: 700, reasoning: 500))
        #expect(r[3].provider == "google")
        #expect(r[4].tokens == TokenCounts(input: 100, output: 10))
        // input 476+800+20+200+100 = 1596; read 1024+5000+1000 = 7024; write 2000;
        // output 200+1200+300+700+10 = 2410; reasoning 960+500 = 1460.
        #expect(out.totals == TokenCounts(input: 1596, cacheRead: 7024, cacheWrite5m: 2000, output: 2410, reasoning: 1460))
        #expect(out.state == ["lastRowid": 8])
        // Prompts and responses are never read into records.
        #expect(!String(describing: out.entries).contains("SECRET"))
    }

    @Test func continuesFromTheLastRowidAndReReadingAddsNothing() throws {
        let file = try Self.copy(Self.current)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let first = try AdapterHarness.run(adapter, file: file)
        let again = try AdapterHarness.run(adapter, file: file, state: first.state)
        #expect(again.entries.isEmpty && again.malformed.isEmpty && again.skipped == 0)
        let queue = try DatabaseQueue(path: file.path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO responses (id, model, prompt, response, datetime_utc, input_tokens, output_tokens, token_details)
                VALUES ('01jr0000000000000000000009', 'gpt-4o', 'SECRET', 'SECRET', '2026-11-24T10:00:00+00:00', 3000, 50,
                        '{"prompt_tokens_details": {"cached_tokens": 2048}}'),
                       ('01jr0000000000000000000010', 'gpt-4o', 'x', 'y', '2026-11-24T10:01:00+00:00', 'lots', X'00', NULL)
                """)
        }
        try queue.close()
        let next = try AdapterHarness.run(adapter, file: file, state: first.state)
        #expect(next.entries.map(\.dedupKey) == ["llm:01jr0000000000000000000009"])
        #expect(next.malformed.map(\.line) == [10]) // text and blob token counts: reported, not a crash
        #expect(next.records.first?.tokens == TokenCounts(input: 952, cacheRead: 2048, output: 50))
        #expect(next.state == ["lastRowid": 10])
    }

    @Test func opensReadOnlyAndNeverChangesTheFile() throws {
        let file = try Self.copy(Self.current)
        let dir = file.deletingLastPathComponent()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
            try? FileManager.default.removeItem(at: dir)
        }
        let before = try Data(contentsOf: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        let out = try AdapterHarness.run(adapter, file: file)
        #expect(out.entries.count == 5)
        #expect(try Data(contentsOf: file) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["logs.db"]) // no -wal/-shm/-journal left
    }

    @Test func aDatabaseFromBeforeTokenColumnsIsReportedOnce() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture(Self.old))
        #expect(out.entries.isEmpty)
        #expect(out.skipped == 3)
        #expect(out.malformed.map(\.line) == [1]) // reported at the first row it covers
        #expect(out.malformed.first?.reason.contains("before 0.19") == true)
        #expect(out.malformed.first?.reason.contains("3 responses") == true)
        let again = try AdapterHarness.run(adapter, file: AdapterHarness.fixture(Self.old), state: out.state)
        #expect(again.malformed.isEmpty && again.skipped == 0)
    }

    @Test func notAnLLMDatabaseOrNotADatabaseIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("llm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = dir.appendingPathComponent("other.db")
        let q = try DatabaseQueue(path: other.path)
        try q.write { try $0.execute(sql: "CREATE TABLE t (x)") }
        try q.close()
        let parser = adapter.makeParser(context: ImportContext(file: other), state: nil)
        #expect(throws: LLMDatabaseError.notLLMDatabase(path: other.path)) { try parser.parseDatabase { _ in } }
        let missing = adapter.makeParser(context: ImportContext(file: dir.appendingPathComponent("nope.db")), state: nil)
        #expect(throws: LLMDatabaseError.self) { try missing.parseDatabase { _ in } }
    }

    @Test func detection() throws {
        let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.current)).prefix(100))
        #expect(adapter.detect(fileName: "logs.db", head: head) == 90)
        #expect(adapter.detect(fileName: "x.jsonl", head: Array("{\"a\":1}".utf8)) == 0)
    }
}
