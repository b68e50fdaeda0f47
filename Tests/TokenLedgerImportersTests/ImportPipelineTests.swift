import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing

@Suite("The import pipeline: exactly once, incremental, nothing lost")
struct ImportPipelineTests {
    let adapter = TestJSONLAdapter()

    func importing(_ paths: [URL], into ledger: Ledger, options: ImportOptions = ImportOptions(),
                   reporter: CollectingImportReporter = CollectingImportReporter()) throws -> ImportSummary {
        try ImportPipeline(ledger: ledger, pricing: PriceBook(), adapters: [adapter], options: options, reporter: reporter).run(paths: paths)
    }

    @Test("a folder is walked recursively, hidden and irrelevant files skipped; re-importing adds nothing without reading")
    func folderAndUnchanged() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestLog.write(TestLog.use("a") + TestLog.note + TestLog.use("b"), to: dir.appendingPathComponent("one.jsonl"))
        try TestLog.write(TestLog.use("c") + TestLog.use("a"), to: dir.appendingPathComponent("sub/deeper/two.jsonl"))
        try TestLog.write(TestLog.use("hidden"), to: dir.appendingPathComponent(".hidden.jsonl"))
        try TestLog.write(TestLog.use("hidden2"), to: dir.appendingPathComponent(".git/x.jsonl"))
        try TestLog.write(TestLog.use("md"), to: dir.appendingPathComponent("README.md"))
        let ledger = try Ledger.inMemory()

        let first = try importing([dir], into: ledger)
        #expect(first.filesRead == 2 && first.filesUnchanged == 0 && first.filesSkipped == 0)
        #expect(first.imported == 3 && first.duplicates == 1 && first.skipped == 1 && first.quarantined == 0)
        #expect(first.unpriced == 3)
        // Why, for the summary: the test adapter's model "m" is in no (empty) price table.
        #expect(first.unpricedCauses.map(\.cause) == [.unknownModel])
        #expect(first.unpricedCauses.first?.records == 3 && first.unpricedCauses.first?.models == ["m"])
        #expect(first.unpricedLines.count == 1 && first.unpricedLines[0].contains("3 unpriced records: unknown model (m). Fix: tokenledger prices update"))
        #expect(try Set(ledger.storedRecords().map(\.entry.dedupKey)) == ["test:a", "test:b", "test:c"])
        let b = try #require(try ledger.storedRecord(dedupKey: "test:b"))
        #expect(b.entry.location == SourceLocation(file: dir.appendingPathComponent("one.jsonl").path, line: 3))

        let parsersBefore = adapter.parsersMade.withLock { $0 }
        let detectsBefore = adapter.detectCalls.withLock { $0 }
        let second = try importing([dir], into: ledger)
        #expect(second.filesRead == 0 && second.filesUnchanged == 2)
        #expect(second.imported == 0 && second.duplicates == 0 && second.bytesRead == 0)
        #expect(second.unpricedCauses.isEmpty && second.unpricedLines.isEmpty)
        #expect(adapter.parsersMade.withLock { $0 } == parsersBefore)
        #expect(adapter.detectCalls.withLock { $0 } == detectsBefore)
        #expect(try ledger.recordCount() == 3)
    }

    @Test("an appended file reads only the new bytes, continues the line count and the adapter's state; a partial last line waits")
    func appendAndPartialLine() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("log.jsonl")
        let firstPart = TestLog.use("a") + TestLog.use("b")
        try TestLog.write(firstPart, to: file)
        let ledger = try Ledger.inMemory()
        #expect(try importing([file], into: ledger).imported == 2)

        let partial = String(TestLog.use("d").dropLast(10))
        let appended = TestLog.note + TestLog.use("c") + partial
        try TestLog.append(appended, to: file)
        let second = try importing([file], into: ledger)
        #expect(second.imported == 1 && second.duplicates == 0 && second.quarantined == 0)
        #expect(second.bytesRead == Int64(appended.utf8.count))
        let c = try #require(try ledger.storedRecord(dedupKey: "test:c"))
        #expect(c.entry.location?.line == 4)
        var checkpoint = try #require(try ledger.checkpoint(forPath: file.path))
        #expect(checkpoint.offset == Int64((firstPart + TestLog.note + TestLog.use("c")).utf8.count))
        #expect(checkpoint.line == 4 && checkpoint.state == ["seen": 4])
        #expect(checkpoint.format == "test-jsonl")

        // The writer finishes the line: the next run reads it, and only it.
        try TestLog.append(String(TestLog.use("d").suffix(10)), to: file)
        let third = try importing([file], into: ledger)
        #expect(third.imported == 1 && third.bytesRead == Int64(TestLog.use("d").utf8.count))
        #expect(try ledger.storedRecord(dedupKey: "test:d")?.entry.location?.line == 5)
        checkpoint = try #require(try ledger.checkpoint(forPath: file.path))
        #expect(checkpoint.line == 5 && checkpoint.state == ["seen": 5])
        #expect(try ledger.recordCount() == 4)
    }

    @Test("a last line without newline in a file that has settled is read once")
    func settledLastLine() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("export.jsonl")
        try TestLog.write(TestLog.use("a") + String(TestLog.use("b").dropLast()), to: file)
        let ledger = try Ledger.inMemory()
        #expect(try importing([file], into: ledger).imported == 1)
        // Unchanged but now old enough: the tail is read, once.
        let settled = ImportOptions(settledAge: 0)
        #expect(try importing([file], into: ledger, options: settled).imported == 1)
        let again = try importing([file], into: ledger, options: settled)
        #expect(again.filesUnchanged == 1 && again.imported == 0)
        #expect(try ledger.recordCount() == 2)
    }

    @Test("a malformed line is reported as file:line, quarantined without its text, and the lines around it are imported")
    func malformedLine() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("log.jsonl")
        let bad = #"{"t":"use","id":"x" "SECRET PROMPT TEXT"}"#
        let before = TestLog.use("a") + TestLog.note
        try TestLog.write(before + bad + "\r\n" + TestLog.use("b") + #"{"t":"use","id":"y"}"# + "\n", to: file)
        let ledger = try Ledger.inMemory()
        let reporter = CollectingImportReporter()
        let summary = try importing([file], into: ledger, reporter: reporter)
        #expect(summary.imported == 2 && summary.quarantined == 2 && summary.skipped == 1)
        #expect(reporter.malformedLines.map(\.line) == [3, 5])
        #expect(reporter.malformedLines.allSatisfy { $0.file == file.path })
        #expect(reporter.malformedLines[0].reason.contains("invalid JSON at byte 20"))
        #expect(reporter.malformedLines[1].reason == "a usage line needs id, ts and model")

        let quarantined = try ledger.quarantinedLines()
        #expect(quarantined.count == 2)
        #expect(quarantined[0].line == 3 && quarantined[0].byteOffset == Int64(before.utf8.count))
        #expect(quarantined[0].byteLength == bad.utf8.count)
        #expect(quarantined[0].lineSHA == SHA256.hexDigest(of: bad))
        #expect(quarantined[0].format == "test-jsonl")
        // Nothing of the line's text is stored anywhere in the ledger.
        let dump = try ledger.reader.read { db in
            try String.fetchAll(db, sql: "SELECT quote(source_file) || quote(reason) || quote(line_sha) FROM quarantine")
            + String.fetchAll(db, sql: "SELECT quote(tags) || quote(state) FROM usage_record, import_file")
        }
        #expect(!dump.joined().contains("SECRET"))

        // The file replaced by an edited copy (first record changed): read again from the start, and
        // the same malformed lines are not quarantined twice.
        let copy = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: #""id":"a""#, with: #""id":"z""#)
        try FileManager.default.removeItem(at: file)
        try TestLog.write(copy, to: file)
        let again = try importing([file], into: ledger)
        #expect(again.filesRead == 1 && again.duplicates == 1 && again.imported == 1)
        #expect(try ledger.quarantinedLines().count == 2)
    }

    @Test("a truncated or replaced file is read again from the start, adding only what is new")
    func truncatedAndReplaced() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("log.jsonl")
        try TestLog.write(TestLog.use("a") + TestLog.use("b") + TestLog.use("c"), to: file)
        let ledger = try Ledger.inMemory()
        #expect(try importing([file], into: ledger).imported == 3)

        // Truncated in place (same inode) to something shorter.
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(TestLog.use("e").utf8))
        try handle.close()
        let truncated = try importing([file], into: ledger)
        #expect(truncated.imported == 1 && truncated.duplicates == 0)
        #expect(try ledger.storedRecord(dedupKey: "test:e")?.entry.location?.line == 1)

        // Replaced by a longer file with other first bytes (log rotation): read from the start.
        try FileManager.default.removeItem(at: file)
        try TestLog.write(TestLog.use("b") + TestLog.use("e") + TestLog.use("f") + TestLog.use("g"), to: file)
        let replaced = try importing([file], into: ledger)
        #expect(replaced.imported == 2 && replaced.duplicates == 2)
        #expect(try ledger.recordCount() == 6)
        #expect(try ledger.checkpoint(forPath: file.path)?.state == ["seen": 4])
    }

    @Test("--project, --tag and --channel apply to every record; entries get their file:line")
    func contextApplied() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("log.jsonl")
        try TestLog.write(TestLog.use("a", extra: #","project":"from-log","tag":"x""#), to: file)
        let ledger = try Ledger.inMemory()
        let options = ImportOptions(project: "acme", tags: ["team": "search", "from-log": "cli"], channel: "302ai")
        _ = try importing([file], into: ledger, options: options)
        let a = try #require(try ledger.storedRecord(dedupKey: "test:a"))
        #expect(a.record.project == "acme" && a.record.channel == "302ai")
        #expect(a.record.tags == ["team": "search", "from-log": "cli"])
        #expect(a.entry.location == SourceLocation(file: file.path, line: 1))
    }

    @Test("auto detection skips files no adapter claims; --format reads them; a missing path is one sentence")
    func detectionAndMissing() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("notes.txt")
        try TestLog.write("hello\n", to: plain)
        let good = dir.appendingPathComponent("good.jsonl")
        try TestLog.write(TestLog.use("a"), to: good)
        let ledger = try Ledger.inMemory()
        let reporter = CollectingImportReporter()
        let summary = try importing([plain, good], into: ledger, reporter: reporter)
        #expect(summary.filesRead == 1 && summary.filesSkipped == 1 && summary.imported == 1)
        #expect(reporter.problems == ["\(plain.path) is not a usage log TokenLedger recognises; pass --format F to read it as format F."])

        // A Batch API input file holds requests, not usage: passed over in a folder without a warning,
        // and named as such when given on its own.
        let batchFolder = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: batchFolder) }
        let batchInput = batchFolder.appendingPathComponent("batch_1_input.jsonl")
        try TestLog.write(#"{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}"# + "\n", to: batchInput)
        try TestLog.write(TestLog.use("b"), to: batchFolder.appendingPathComponent("good.jsonl"))
        let quiet = CollectingImportReporter()
        let folderRun = try importing([batchFolder], into: ledger, reporter: quiet)
        #expect(folderRun.filesRead == 1 && folderRun.filesSkipped == 1 && quiet.problems.isEmpty)
        #expect(throws: ImportError.nothingRead(problems: ["\(batchInput.path) is an OpenAI Batch input file (requests, no usage); import its output file, which is joined with it (or pass it with --batch-input)."])) {
            try importing([batchInput], into: ledger)
        }

        let forced = try importing([plain], into: ledger, options: ImportOptions(format: "test-jsonl"))
        #expect(forced.filesRead == 1 && forced.quarantined == 1)

        let missing = dir.appendingPathComponent("nope.jsonl")
        #expect(throws: ImportError.nothingRead(problems: ["no such file or directory: \(missing.path); check the path."])) {
            try importing([missing], into: ledger)
        }
        #expect(throws: ImportError.unknownFormat("nope")) {
            try ImportPipeline(ledger: ledger, pricing: PriceBook(), adapters: [adapter], options: ImportOptions(format: "nope"))
        }
    }

    @Test("a large file streams in small transactions with exact counts; a line longer than the read buffer is whole")
    func largeFileAndLongLine() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("big.jsonl")
        var text = ""
        for i in 0..<20_000 { text += TestLog.use("r\(i % 15_000)", input: i) }
        let long = String(repeating: "x", count: 3 << 20)
        text += TestLog.use("long", extra: #","pad":"\#(long)""#)
        try TestLog.write(text, to: file)
        let ledger = try Ledger.inMemory()
        let summary = try importing([file], into: ledger, options: ImportOptions(batchSize: 700))
        #expect(summary.imported == 15_001 && summary.duplicates == 5_000)
        #expect(summary.bytesRead == Int64(text.utf8.count))
        #expect(try ledger.storedRecord(dedupKey: "test:long")?.entry.location?.line == 20_001)
        #expect(try ledger.checkpoint(forPath: file.path)?.line == 20_001)
    }

    @Test("a whole-document format is re-read when it changes, with malformed lines located in it")
    func documentLayout() throws {
        let docAdapter = TestJSONLAdapter(name: "test-doc", layout: .document)
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("page.json")
        try TestLog.write(TestLog.use("a") + "{broken\n" + TestLog.use("b"), to: file)
        let ledger = try Ledger.inMemory()
        let run = { try ImportPipeline(ledger: ledger, pricing: PriceBook(), adapters: [docAdapter]).run(paths: [file]) }
        let first = try run()
        #expect(first.imported == 2 && first.quarantined == 1)
        let q = try #require(try ledger.quarantinedLines().first)
        #expect(q.line == 2 && q.byteOffset == Int64(TestLog.use("a").utf8.count) && q.byteLength == 7)
        #expect(try run().filesUnchanged == 1)
        try TestLog.append(TestLog.use("c"), to: file)
        let grown = try run()
        #expect(grown.imported == 1 && grown.duplicates == 2)
        #expect(try ledger.quarantinedLines().count == 1)
    }

    @Test("the quarantine listing reads each line back from its file, and says when the file changed or is gone")
    func quarantineListing() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let kept = dir.appendingPathComponent("kept.jsonl")
        let edited = dir.appendingPathComponent("edited.jsonl")
        let gone = dir.appendingPathComponent("gone.jsonl")
        for file in [kept, edited, gone] { try TestLog.write(TestLog.use("a") + "{not json\n", to: file) }
        let ledger = try Ledger.inMemory()
        _ = try importing([kept, edited, gone], into: ledger)
        try TestLog.write(TestLog.use("a") + "{changed!\n", to: edited)
        try FileManager.default.removeItem(at: gone)

        let listing = try QuarantineListing(ledger: ledger)
        let byFile = Dictionary(uniqueKeysWithValues: listing.items.map { ($0.line.file, $0) })
        #expect(byFile[kept.path]?.status == .available && byFile[kept.path]?.text == "{not json")
        #expect(byFile[edited.path]?.status == .changed && byFile[edited.path]?.text == nil)
        #expect(byFile[gone.path]?.status == .fileMissing)
        let text = listing.text()
        #expect(text.contains("\(kept.path):2: invalid JSON at byte 1: expected a string key [test-jsonl]\n    {not json\n"))
        #expect(text.contains("    (file changed)\n") && text.hasSuffix("3 quarantined lines.\n"))
        #expect(listing.json()[0]?["line"] == 2)
    }

    @Test("a file of nothing but malformed lines commits in bounded batches and continues after a checkpoint")
    func manyMalformedLines() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.jsonl")
        try TestLog.write(String(repeating: "{nope\n", count: 2500), to: file)
        let ledger = try Ledger.inMemory()
        let reporter = CollectingImportReporter()
        let summary = try importing([file], into: ledger, options: ImportOptions(format: "test-jsonl", batchSize: 100), reporter: reporter)
        #expect(summary.quarantined == 2500 && summary.imported == 0 && summary.filesRead == 1)
        #expect(try ledger.quarantinedLines().count == 2500)
        #expect(try ledger.checkpoint(forPath: file.path)?.line == 2500)
    }
}
