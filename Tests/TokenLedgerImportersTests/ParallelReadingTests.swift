import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Reading several files at once leaves the ledger a sequential import leaves")
struct ParallelReadingTests {
    /// A Claude Code projects tree shaped like a real one: sessions of streamed responses (a
    /// placeholder line, then the final line of the same key), user turns between them, each resumed
    /// session starting with a copy of the previous one's last turns (the same keys at the same ranks,
    /// in another file: ties), subagent files with lower-ranked sidechain copies, a `<synthetic>` error,
    /// a line cut short, and the checked-in fixture tree copied in twice (two more copies of every key).
    static func tree() throws -> URL {
        let root = try TestLog.folder().appendingPathComponent("projects")
        let fixture = AdapterHarness.fixture("fixtures/logs/claude-code/projects")
        for copy in ["", "-copy"] {
            for project in try FileManager.default.contentsOfDirectory(atPath: fixture.path) {
                try FileManager.default.copyItem(
                    at: fixture.appendingPathComponent(project), to: root.appendingPathComponent(project + copy))
            }
        }
        func assistant(_ session: Int, _ turn: Int, output: Int, sidechain: Bool = false, model: String = "claude-sonnet-4-5-20250929") -> String {
            let ts = Timestamp.iso8601(Date(timeIntervalSince1970: 1_764_000_000 + Double(session * 10_000 + turn * 7)))
            let cwd = "/home/dev/src/project\(session % 3)"
            // Turn keys run on across sessions, so a resumed session's copied turns keep their keys.
            let key = session * 40 + turn
            return #"{"parentUuid":"p","isSidechain":\#(sidechain),"userType":"external","cwd":"\#(cwd)","sessionId":"s\#(session)","version":"1.0.85","gitBranch":"feature/x","message":{"id":"msg_01K\#(key)","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":"answer with \"quotes\" and {braces} [\#(turn)]"}],"stop_reason":null,"usage":{"input_tokens":\#(3 + turn),"cache_creation_input_tokens":\#(turn % 5 == 0 ? 1200 : 0),"cache_read_input_tokens":\#(9000 + turn),"cache_creation":{"ephemeral_5m_input_tokens":\#(turn % 5 == 0 ? 1200 : 0),"ephemeral_1h_input_tokens":\#(turn % 9 == 0 ? 300 : 0)},"output_tokens":\#(output),"service_tier":"standard"}},"requestId":"req_011K\#(key)","type":"assistant","uuid":"u\#(session)-\#(turn)","timestamp":"\#(ts)"}"#
        }
        let user = #"{"parentUuid":null,"isSidechain":false,"type":"user","message":{"role":"user","content":"a prompt that is never stored"},"sessionId":"s","uuid":"x","timestamp":"2025-11-24T10:00:00.000Z"}"#
        for session in 0..<14 {
            var lines: [String] = []
            if session > 0 {
                // A resumed session repeats the previous session's last 15 turns, final lines only.
                for turn in 25..<40 { lines.append(assistant(session - 1, turn, output: 40 + turn)) }
            }
            for turn in 0..<40 {
                lines.append(user)
                lines.append(assistant(session, turn, output: 1))
                if session == 5 && turn == 20 { lines.append(#"{"type":"assistant","message":{"id":"msg_cut","usage":{"input_"#) }
                if session == 6 && turn == 3 { lines.append(assistant(session, 99, output: 0, model: "<synthetic>")) }
                lines.append(assistant(session, turn, output: 40 + turn))
            }
            let file = root.appendingPathComponent("-home-dev-src-project\(session % 3)/6f1d2c3a-\(session)-resumed.jsonl")
            try TestLog.write(lines.joined(separator: "\n") + "\n", to: file)
            // A subagent's copies: sidechain, one below the main chain's rank, and one above it.
            let sub = [assistant(session, 2, output: 42, sidechain: true), assistant(session, 3, output: 500, sidechain: true)]
            try TestLog.write(sub.joined(separator: "\n") + "\n",
                              to: file.deletingPathExtension().appendingPathComponent("subagents/agent-\(session).jsonl"))
        }
        return root
    }

    /// Every table an import writes, row by row, without the import times.
    static func contents(of ledger: Ledger) throws -> [String: [String]] {
        try ledger.reader.read { db in
            var tables: [String: [String]] = [:]
            for table in ["usage_record", "log_file", "import_file", "quarantine", "report_rollup", "report_rollup_day"] {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                    .filter { !$0.hasSuffix("_at") && $0 != "first_seen" }
                let rows = try Row.fetchAll(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table)")
                tables[table] = rows.map { $0.description }.sorted()
            }
            return tables
        }
    }

    func imported(_ tree: URL, readingThreads: Int, batchSize: Int) throws -> (ImportSummary, [String: [String]]) {
        let ledger = try Ledger.inMemory()
        var options = ImportOptions(format: "claude-code", batchSize: batchSize, settledAge: 0)
        options.readingThreads = readingThreads
        let summary = try ImportPipeline(ledger: ledger, pricing: PriceBook.bundled(), options: options).run(paths: [tree])
        return (summary, try Self.contents(of: ledger))
    }

    @Test("rows, ranks, log files, checkpoints, quarantine and rollups equal a sequential import's",
          arguments: [7, 64, 4096])
    func sameLedgerAsSequential(batchSize: Int) throws {
        let tree = try Self.tree()
        defer { try? FileManager.default.removeItem(at: tree.deletingLastPathComponent()) }
        let (sequential, expected) = try imported(tree, readingThreads: 0, batchSize: batchSize)
        #expect(sequential.filesRead == 34)
        #expect(sequential.quarantined == 3)  // the cut line, and the fixture's cut line twice
        #expect(sequential.duplicates > 0 && sequential.replaced > 0)
        #expect(expected["usage_record"]?.count == sequential.imported)
        for threads in [1, 3] {
            let (parallel, contents) = try imported(tree, readingThreads: threads, batchSize: batchSize)
            for (table, rows) in expected {
                let got = contents[table] ?? []
                // The first row that differs, rather than two whole tables.
                let first = zip(got, rows).first { $0 != $1 }
                #expect(got.count == rows.count && first == nil, "\(table), \(threads) reading threads: \(got.count) rows against \(rows.count); first difference: \(String(describing: first))")
            }
            #expect(parallel.imported == sequential.imported && parallel.duplicates == sequential.duplicates
                && parallel.replaced == sequential.replaced && parallel.skipped == sequential.skipped
                && parallel.quarantined == sequential.quarantined && parallel.unpriced == sequential.unpriced
                && parallel.bytesRead == sequential.bytesRead && parallel.filesRead == sequential.filesRead)
        }
    }

    @Test("a key two files hold at the same rank keeps the first file's row, as a sequential import does")
    func tiesGoToTheFirstFile() throws {
        let tree = try Self.tree()
        defer { try? FileManager.default.removeItem(at: tree.deletingLastPathComponent()) }
        let ledger = try Ledger.inMemory()
        var options = ImportOptions(format: "claude-code", batchSize: 64, settledAge: 0)
        options.readingThreads = 3
        _ = try ImportPipeline(ledger: ledger, pricing: PriceBook.bundled(), options: options).run(paths: [tree])
        // Turn 30 of session 4 is final in session 4's file and copied, same rank, into session 5's.
        let copied = try #require(try ledger.storedRecord(dedupKey: "anthropic:msg_01K\(4 * 40 + 30):req_011K\(4 * 40 + 30)"))
        #expect(copied.entry.location?.file.hasSuffix("6f1d2c3a-4-resumed.jsonl") == true)
        #expect(copied.entry.supersedeRank == (40 + 30) * 2 + 1)
        // A subagent's higher-ranked sidechain copy replaces the main chain's.
        let sub = try #require(try ledger.storedRecord(dedupKey: "anthropic:msg_01K\(4 * 40 + 3):req_011K\(4 * 40 + 3)"))
        #expect(sub.entry.location?.file.hasSuffix("subagents/agent-4.jsonl") == true)
        #expect(sub.entry.supersedeRank == 1000)
    }
}
