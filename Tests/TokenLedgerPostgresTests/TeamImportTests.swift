import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports
@testable import TokenLedgerPostgres

/// `import --db postgres://` through the import pipeline's team sink: exactly once, incremental per
/// machine, quarantine kept, consistent after a failure, and the same reports as a SQLite import.
@Suite("importing into the team ledger", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamImportTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("fixtures/logs")

    /// An OpenAI chat completion line (a real response's shape), keyed by `n`.
    static func chatLine(_ n: Int) -> String {
        #"{"id":"chatcmpl-team\#(n)","object":"chat.completion","created":\#(1_793_000_000 + n * 97),"model":"\#(n % 3 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18")","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(100 + n),"completion_tokens":\#(7 + n % 13),"total_tokens":\#(107 + n + n % 13)}}"#
            + "\n"
    }

    static func lines(_ range: Range<Int>) -> String { range.map(chatLine).joined() }

    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func append(_ text: String, to file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// Imports `paths` into the team ledger as `team`'s machine.
    static func importing(_ paths: [URL], into team: TeamLedger, options: ImportOptions = ImportOptions(),
                          reporter: CollectingImportReporter = CollectingImportReporter()) throws -> ImportSummary {
        try team.importing { sink in
            try ImportPipeline(sink: sink, pricing: LocalLedger.prices, options: options, reporter: reporter).run(paths: paths)
        }
    }

    @Test("re-importing adds nothing and reads nothing; an appended file reads only its new lines")
    func exactlyOnceAndIncremental() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        try Data(Self.lines(0..<50).utf8).write(to: file)
        let team = try db.connect(machine: "alice-laptop")

        let first = try Self.importing([file], into: team)
        #expect(first.imported == 50 && first.filesRead == 1 && first.duplicates == 0)
        let again = try Self.importing([file], into: team)
        #expect(again.imported == 0 && again.duplicates == 0 && again.filesUnchanged == 1 && again.bytesRead == 0)
        #expect(try team.recordCount() == 50)

        let appended = Self.lines(50..<70)
        try Self.append(appended, to: file)
        let grown = try Self.importing([file], into: team)
        #expect(grown.imported == 20 && grown.duplicates == 0 && grown.bytesRead == Int64(appended.utf8.count))
        #expect(try team.recordCount() == 70)
        let checkpoint = try #require(try team.checkpoints(forPaths: [file.path])[file.path])
        #expect(checkpoint.line == 70 && checkpoint.offset == Int64((Self.lines(0..<70)).utf8.count) && checkpoint.format == "openai-chat")
        #expect(try db.texts("SELECT DISTINCT machine FROM usage_record") == ["alice-laptop"])
        #expect(try db.texts("SELECT source_line::text FROM usage_record WHERE dedup_key LIKE '%chatcmpl-team69'") == ["70"])
    }

    @Test("rows copied in key order keep the log's order: ids follow the lines, batch after batch of the chain")
    func idsFollowTheLog() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        // Keys chatcmpl-team0 … team699: their bytes sort 0, 1, 10, 100, …, so key order is not the
        // lines'. 100 batches of 7, so two batches in flight race for their ids often.
        try Data(Self.lines(0..<700).utf8).write(to: file)
        let team = try db.connect(machine: "alice-laptop")
        let summary = try Self.importing([file], into: team, options: ImportOptions(batchSize: 7))
        #expect(summary.imported == 700)
        #expect(try db.texts("SELECT source_line::text FROM usage_record ORDER BY id") == (1...700).map { String($0) })
        #expect(try db.texts("SELECT count(DISTINCT id)::text FROM usage_record") == ["700"])
    }

    @Test("ids are claimed as blocks: consecutive, after any id taken before, never overlapping another writer's")
    func reservedIDs() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        _ = try db.connect(machine: "m")  // migrates
        let (first, second) = try db.address.withRawConnection { connection in
            let first = try TeamLedger.reserveIDs(5, on: connection)
            _ = try connection.execute("SELECT nextval('usage_record_id_seq')")  // a row inserted by hand takes 6
            return (first, try TeamLedger.reserveIDs(4, on: connection))
        }
        #expect(first == [1, 2, 3, 4, 5] && second == [7, 8, 9, 10])
        // Four writers claiming blocks at once, each with its own connection: no id twice.
        let blocks = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<4 {
                group.addTask {
                    try db.address.withRawConnection { connection in
                        var ids: [Int64] = []
                        for n in 0..<40 { ids += try TeamLedger.reserveIDs(1 + (n * 7 + writer) % 50, on: connection) }
                        return ids
                    }
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(blocks.count == Set(blocks).count && blocks.count > 3_000)
        // An import's rows, straight and staged, get ids of such blocks, in the log's order when straight.
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        try Data(Self.lines(0..<30).utf8).write(to: file)
        let team = try db.connect(machine: "m")
        #expect(try Self.importing([file], into: team, options: ImportOptions(batchSize: 10)).imported == 30)
        try Self.append(Self.lines(20..<45), to: file)  // 20-29 again: staged from here on
        #expect(try Self.importing([file], into: team, options: ImportOptions(batchSize: 10)).imported == 15)
        let ids = try db.texts("SELECT id::text FROM usage_record ORDER BY source_line").compactMap { $0.flatMap { Int64($0) } }
        #expect(ids.count == 45 && Set(ids).count == 45 && Set(ids).isDisjoint(with: blocks + first + second + [6]))
        #expect(Array(ids.prefix(30)) == Array(ids.prefix(30)).sorted())
    }

    @Test("a malformed line is quarantined with file:line, per machine and once; every good line around it is imported")
    func quarantine() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        let bad = #"{"id":"chatcmpl-broken","object":"chat.completion","usage":{"prompt_tokens": SECRET"#
        let before = Self.lines(0..<5)
        try Data((before + bad + "\n" + Self.lines(5..<10)).utf8).write(to: file)
        let team = try db.connect(machine: "alice-laptop")
        let reporter = CollectingImportReporter()
        let summary = try Self.importing([file], into: team, reporter: reporter)
        #expect(summary.imported == 10 && summary.quarantined == 1)
        #expect(reporter.malformedLines.map(\.line) == [6] && reporter.malformedLines.first?.file == file.path)

        let lines = try team.quarantinedLines()
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.file == file.path && line.line == 6 && line.format == "openai-chat")
        #expect(line.byteOffset == Int64(before.utf8.count) && line.byteLength == bad.utf8.count)
        #expect(line.lineSHA == SHA256.hexDigest(of: bad))
        // The listing reads the text back from the file; the ledger never held it.
        #expect(QuarantineListing(lines: lines).items.first?.status == .available)
        #expect(try db.texts("SELECT reason || line_sha || source_file FROM quarantine").allSatisfy { $0?.contains("SECRET") == false })

        // The file rewritten (a copy, so read from the start): the line is not quarantined twice, and
        // another machine keeps its own quarantine.
        try FileManager.default.removeItem(at: file)
        try Data((before + bad + "\n" + Self.lines(5..<10)).utf8).write(to: file)
        _ = try Self.importing([file], into: team)
        #expect(try team.quarantinedLines().count == 1)
        let other = try db.connect(machine: "ci-runner")
        _ = try Self.importing([file], into: other)
        #expect(try other.quarantinedLines().count == 1)
        #expect(try db.texts("SELECT count(*)::text FROM quarantine") == ["2"])
    }

    /// A sink that fails like a killed process after `batches` stored batches: what was committed stays.
    final class FailingSink: ImportSink {
        struct Killed: Error {}
        let inner: any ImportSink
        var left: Int
        init(_ inner: any ImportSink, after batches: Int) {
            self.inner = inner
            left = batches
        }
        func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] { try inner.checkpoints(forPaths: paths) }
        var batchesInFlight: Int { inner.batchesInFlight }
        func submit(_ batch: ImportBatch) throws -> InsertCounts? {
            if left == 0 {
                _ = try inner.finish()
                throw Killed()
            }
            left -= 1
            return try inner.submit(batch)
        }
        func finish() throws -> InsertCounts? { try inner.finish() }
    }

    @Test("an import stopped between batches leaves whole batches with their checkpoint; the rerun adds each record once")
    func failureMidImport() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        try Data(Self.lines(0..<500).utf8).write(to: file)
        let team = try db.connect(machine: "alice-laptop")
        let small = ImportOptions(batchSize: 64)

        #expect(throws: FailingSink.Killed.self) {
            _ = try team.importing { sink in
                try ImportPipeline(sink: FailingSink(sink, after: 3), pricing: LocalLedger.prices, options: small).run(paths: [file])
            }
        }
        let stored = try team.recordCount()
        #expect(stored == 3 * 64)
        // The checkpoint committed with the last stored batch says exactly how far the file was read.
        let checkpoint = try #require(try team.checkpoints(forPaths: [file.path])[file.path])
        #expect(checkpoint.line == 3 * 64 && checkpoint.offset == Int64(Self.lines(0..<(3 * 64)).utf8.count))

        let rerun = try Self.importing([file], into: team, options: small)
        #expect(rerun.imported == 500 - stored && rerun.duplicates == 0)
        #expect(try team.recordCount() == 500)
        #expect(try db.texts("SELECT count(DISTINCT dedup_key)::text FROM usage_record") == ["500"])
        // The rollup agrees with the records (no batch counted twice).
        #expect(try db.texts("SELECT sum(records)::text FROM report_rollup") == ["500"])
    }

    @Test("two machines importing the same path keep their own checkpoints; the second adds no record twice")
    func checkpointsPerMachine() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        try Data(Self.lines(0..<30).utf8).write(to: file)
        let alice = try db.connect(machine: "alice-laptop")
        let ci = try db.connect(machine: "ci-runner")

        #expect(try Self.importing([file], into: alice).imported == 30)
        // The CI box has no checkpoint of its own for the path: it reads the file, and every key is there.
        let second = try Self.importing([file], into: ci)
        #expect(second.filesRead == 1 && second.imported == 0 && second.duplicates == 30)
        try Self.append(Self.lines(30..<35), to: file)
        #expect(try Self.importing([file], into: alice).imported == 5)
        let ciAgain = try Self.importing([file], into: ci)
        #expect(ciAgain.imported == 0 && ciAgain.duplicates == 5 && ciAgain.bytesRead == Int64(Self.lines(30..<35).utf8.count))
        #expect(try db.texts("SELECT machine || ':' || line FROM import_file ORDER BY machine") == ["alice-laptop:35", "ci-runner:35"])
        #expect(try alice.recordCount() == 35)
        #expect(try db.texts("SELECT DISTINCT machine FROM usage_record") == ["alice-laptop"])
    }

    @Test("every fixture log imported into PostgreSQL reports as the same import into SQLite, in every format")
    func reportParityWithSQLiteImport() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try Ledger.inMemory()
        let sqlite = try ImportPipeline(ledger: local, pricing: LocalLedger.prices).run(paths: [Self.fixtures])
        let team = try db.connect(machine: "laptop")
        let postgres = try Self.importing([Self.fixtures], into: team)
        // The same summary, count for count.
        #expect(postgres.imported == sqlite.imported && postgres.duplicates == sqlite.duplicates && postgres.replaced == sqlite.replaced)
        #expect(postgres.quarantined == sqlite.quarantined && postgres.unpriced == sqlite.unpriced && postgres.skipped == sqlite.skipped)
        #expect(postgres.unpricedCauses == sqlite.unpricedCauses && !sqlite.unpricedCauses.isEmpty)
        #expect(try team.recordCount() == (try local.recordCount()))
        #expect(try team.quarantinedLines().map { "\($0.file):\($0.line)" } == (try local.quarantinedLines()).map { "\($0.file):\($0.line)" })

        let all = ReportPeriod()
        let utc = TimeZone(identifier: "UTC")!
        var queries = try ReportParityTests.queries().map(\.1)
        queries += [
            ReportQuery(groupBy: [.model, .effort], period: all, timeZone: utc, reconcile: true),
            ReportQuery(groupBy: [.source, .project], period: all, timeZone: ReportParityTests.berlin),
            ReportQuery(groupBy: [.day, .provider], period: all, timeZone: ReportParityTests.newYork),
        ]
        for query in queries {
            var charts = query
            charts.groupBy = [.day, .model, .effort]
            charts.reconcile = false
            let expected = ReportParityTests.outputs(try local.spendReport(for: query), charts: try local.spendReport(for: charts))
            let actual = ReportParityTests.outputs(try team.spendReport(for: query), charts: try team.spendReport(for: charts))
            for ((format, want), (_, got)) in zip(expected, actual) {
                #expect(got == want, "\(query.groupBy), \(format): PostgreSQL and SQLite differ")
            }
        }
    }
}
