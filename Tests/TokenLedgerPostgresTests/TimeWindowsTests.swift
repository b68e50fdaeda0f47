import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// Reprice's windows of time, planned from the hourly rollup's counts (`TimeWindows`).
@Suite("reprice's windows of time")
struct TimeWindowsTests {
    @Test("a window closes at the end of the hour in which a page's worth of records is reached; the windows tile the time axis")
    func plan() {
        let hour: Int64 = 3_600_000
        let windows = TimeWindows(hours: [(0, 3), (1, 3), (5, 10), (6, 1), (9, 1)], pageSize: 5)
        #expect(windows.ends == [2 * hour, 6 * hour])
        #expect(windows.windows == [.init(start: nil, end: 2 * hour), .init(start: 2 * hour, end: 6 * hour), .init(start: 6 * hour, end: nil)])
        #expect(TimeWindows(hours: [], pageSize: 5).windows == [.init(start: nil, end: nil)])
        #expect(TimeWindows(hours: [(-3, 4), (-1, 4)], pageSize: 4).ends == [-2 * hour, 0])
        // The last hour whose end is still a millisecond count: the window after it has no end.
        let top = Int64.max / hour
        #expect(TimeWindows(hours: [(top - 1, 9), (top, 9)], pageSize: 1).ends == [top * hour])
        #expect(TimeWindows(hours: [(Int64.max, 9)], pageSize: 1).windows == [.init(start: nil, end: nil)])
    }
}

/// `usage_record.ts` as a block-range index (migration v15): the readers that needed the B-tree's
/// order read through the hourly rollup, and get the records' own answers even when it is wrong.
@Suite("the records' times through a block-range index", .enabled(if: TestServer.available, TestServer.skipReason))
struct TimeRangeIndexTests {
    static func bounds(_ team: TeamLedger) throws -> String {
        try team.run { try TeamLedger.recordTimeBounds(on: team.connection) }.map { "\($0.first) \($0.last)" } ?? "none"
    }

    static let scannedBounds = "SELECT coalesce(min(ts)::text || ' ' || max(ts)::text, 'none') FROM usage_record"

    @Test("ts is a BRIN index; the first and last times and reprice's pages are the records' own, also with the rollup emptied")
    func fixtureLedger() throws {
        let (local, db, team) = try TeamRepriceTests.bothLedgers()
        defer { db.drop() }
        #expect(try db.texts("SELECT indexname || ': ' || substring(indexdef from 'USING .*') FROM pg_indexes WHERE tablename = 'usage_record' ORDER BY 1") == [
            "usage_record_by_time: USING brin (ts int8_minmax_multi_ops) WITH (autosummarize='on')", "usage_record_dedup_key_key: USING btree (dedup_key)",
            "usage_record_unpriced_by_time: USING btree (ts) WHERE (cost_pusd IS NULL)",
        ])
        // The ledger's connections do not compile queries (a range of `ts` is estimated at a share of the table).
        #expect(try team.run { try team.connection.execute("SHOW jit").text(0, 0) } == "off")
        #expect(try team.run { try team.secondConnection().execute("SHOW jit").text(0, 0) } == "off")
        let count = try db.texts("SELECT count(*)::text FROM usage_record").first.flatMap { $0.flatMap { Int($0) } } ?? 0
        #expect(count > 20)
        #expect(try Self.bounds(team) == db.texts(Self.scannedBounds).first)
        let expected = try local.reprice(with: TeamRepriceTests.withoutAnthropic(), apply: false)
        // Pages of 4 end inside windows and at their ends; the report counts each record once.
        let paged = try team.reprice(with: TeamRepriceTests.withoutAnthropic(), apply: false, pageSize: 4)
        #expect(paged == expected && paged.records == count)

        _ = try db.texts("DELETE FROM report_rollup")
        #expect(try Self.bounds(team) == db.texts(Self.scannedBounds).first)
        #expect(try team.reprice(with: TeamRepriceTests.withoutAnthropic(), apply: false, pageSize: 4) == expected)
        // A rollup that names an hour without records: still the records' own answers.
        _ = try db.texts("""
            INSERT INTO report_rollup VALUES (1000000, 'openai', 'gpt-4o', true, 'unknown', false, 'laptop', 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            """)
        #expect(try Self.bounds(team) == db.texts(Self.scannedBounds).first)
        #expect(try team.reprice(with: TeamRepriceTests.withoutAnthropic(), apply: false, pageSize: 3) == expected)
    }

    @Test("records before 1970 and on hours' edges: the first and last times are the records' own")
    func hourEdges() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "laptop")
        #expect(try Self.bounds(team) == "none")
        for (times, expected) in [([-7_200_001, -5_000, 3_599_999], "-7200001 3599999"), ([-10_799_999, 0], "-10799999 3599999"),
                                  ([7_200_000, 10_799_999], "-10799999 10799999")] as [([Int64], String)] {
            for ts in times {
                _ = try db.texts("""
                    INSERT INTO usage_record (dedup_key, ts, provider, model, source, machine, imported_at)
                    VALUES ('edge:\(ts)', \(ts), 'openai', 'gpt-4o', 'openai-chat', 'laptop', 0)
                    """)
            }
            #expect(try Self.bounds(team) == expected)
            #expect(try db.texts(Self.scannedBounds).first == expected)
        }
    }

    @Test("an import or push storing many records summarises the new ranges of the ts index itself; a small one leaves them to the server")
    func summarisedAfterLargeWrites() throws {
        // 3,000 records fill one range of 128 pages (the last range, still filling, is never summarised by
        // hand). The server's own summarising is turned off, so only the writer's can have done it.
        let dir = try TeamImportTests.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("responses.jsonl")
        try Data((0..<3_000).map(TeamImportTests.chatLine).joined().utf8).write(to: log)
        let unsummarised = "SELECT brin_summarize_new_values('usage_record_by_time')::text"
        for (threshold, expected) in [(TeamLedger.summarizeAfterRecords, "1"), (3_000, "0")] {
            let db = try TestServer.freshDatabase()
            defer { db.drop() }
            let team = try db.connect(machine: "laptop")
            _ = try db.texts("ALTER INDEX usage_record_by_time SET (autosummarize = off)")
            team.summarizeAfter.value = threshold
            #expect(try TeamImportTests.importing([log], into: team).imported == 3_000)
            #expect(try db.texts(unsummarised) == [expected], "import, summarising after \(threshold) records")
        }
        let local = try LocalLedger.make(LocalLedger.entries(3_000))
        for (threshold, expected) in [(3_001, "1"), (3_000, "0")] {
            let db = try TestServer.freshDatabase()
            defer { db.drop() }
            let team = try db.connect(machine: "desktop")
            _ = try db.texts("ALTER INDEX usage_record_by_time SET (autosummarize = off)")
            team.summarizeAfter.value = threshold
            #expect(try team.push(from: local, ledgerPath: "/tmp/local.sqlite").counts.inserted == 3_000)
            #expect(try db.texts(unsummarised) == [expected], "push, summarising after \(threshold) records")
        }
    }
}
