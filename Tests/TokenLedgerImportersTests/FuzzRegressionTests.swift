import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing

/// Every input on which the fuzzer once found a crash, a hang, a line lost or a record counted twice
/// (fixtures/fuzz-regressions/README.md) is imported again: the import must finish, and what it
/// stores must point to real lines; the inputs of lost or doubled lines are checked for that too.
@Suite("Fuzz regressions: inputs that once crashed, hung, lost or doubled lines")
struct FuzzRegressionTests {
    static let folder = AdapterHarness.fixture("fixtures/fuzz-regressions")
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { !$0.hasPrefix("README") }.sorted()

    @Test("there are regression inputs to run")
    func present() {
        #expect(FuzzRegressionTests.files.count >= 9)
    }

    @Test("imports to the end with file:line for everything it stores", .timeLimit(.minutes(1)), arguments: FuzzRegressionTests.files)
    func importsCleanly(_ name: String) throws {
        // The harness names each file <format>-seed<S>-input<I>-<fixture name>.
        let format = try #require(name.range(of: "-seed").map { String(name[..<$0.lowerBound]) })
        let file = FuzzRegressionTests.folder.appendingPathComponent(name)
        let lineCount = try Data(contentsOf: file).reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } + 1
        let ledger = try Ledger.inMemory()
        let reporter = CollectingImportReporter()
        let summary = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(),
                                         options: ImportOptions(format: format, settledAge: 0), reporter: reporter)
            .run(paths: [file])
        #expect(summary.filesRead == 1)
        #expect(try ledger.recordCount() == summary.imported)
        for record in try ledger.storedRecords() {
            #expect(record.entry.location?.file == file.path && (1...lineCount).contains(record.entry.location?.line ?? 0))
            #expect(record.record.tokens.countsInRange, "no absurd count is stored (summing it would trap)")
        }
        for line in try ledger.quarantinedLines() {
            #expect(line.file == file.path && (1...lineCount).contains(line.line))
            #expect(!line.reason.contains("\n"))
        }
        if !FuzzRegressionTests.damageReadAsIs.contains(name) {
            #expect(summary.quarantined > 0, "each of these inputs has at least one damaged line")
        }
    }

    /// Inputs whose damage reads as if it were not there (a byte-order mark on a blank line).
    static let damageReadAsIs: Set<String> = ["openrouter-seed20261204-input4631-stream.sse"]

    /// Imports regression input `name` as its format (the part of the name before "-seed").
    func importingRegression(_ name: String) throws -> (ImportSummary, Ledger) {
        let format = try #require(name.range(of: "-seed").map { String(name[..<$0.lowerBound]) })
        let ledger = try Ledger.inMemory()
        let summary = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(),
                                         options: ImportOptions(format: format, settledAge: 0))
            .run(paths: [FuzzRegressionTests.folder.appendingPathComponent(name)])
        return (summary, ledger)
    }

    @Test("a Gemini CLI message repeated above its session's metadata line is keyed by the session, so it counts once")
    func geminiCLIMessageAboveMetadataLine() throws {
        let (summary, ledger) = try importingRegression("gemini-cli-seed20261204-input482-session-2026-05-02T08-15-7c1d2e3f.jsonl")
        #expect(summary.imported == 3 && summary.duplicates == 1)
        #expect(try ledger.storedRecords().allSatisfy { $0.entry.dedupKey.hasPrefix("gemini-cli:7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f:") })
    }

    @Test("a Gemini response followed by damaged lines and then a copy of itself is still read from its own line")
    func geminiChunkBeforeDamagedLines() throws {
        // Line 2 and line 5 share a responseId; lines 3 and 4 are damaged. Read as chunks of one
        // stream, line 2 was passed over for line 5 without a word.
        let file = FuzzRegressionTests.folder.appendingPathComponent("gemini-seed20261204-input36274-responses.jsonl")
        let out = try AdapterHarness.run(GeminiAdapter(), file: file)
        #expect(out.malformed.map(\.line) == [1, 3, 4, 6])
        #expect(out.entries.compactMap { $0.location?.line } == [2, 5, 7, 8])
        let (summary, ledger) = try importingRegression("gemini-seed20261204-input36274-responses.jsonl")
        #expect(try summary.imported == 3 && ledger.recordCount() == 3, "line 5 is the same response as line 2: one record")
    }

    @Test("a byte-order mark at the start of any stream line is read past, as at the start of the file",
          arguments: zip(["anthropic-seed20261204-input96566-stream.sse", "openrouter-seed20261204-input4631-stream.sse"],
                         ["anthropic", "openrouter"]))
    func byteOrderMarkOnStreamLines(_ name: String, format: String) throws {
        let clean = try String(contentsOf: AdapterHarness.fixture("fixtures/logs/\(format)/stream.sse"), encoding: .utf8)
        // Every line of the fixture with a mark in front (event, data, comment and blank lines alike).
        let marked = clean.split(separator: "\n", omittingEmptySubsequences: false).map { "\u{FEFF}" + $0 }.joined(separator: "\n")
        let (plain, plainLedger, _) = try importing(clean, as: format, named: "stream.sse")
        let (withMarks, markedLedger, _) = try importing(marked, as: format, named: "stream.sse")
        #expect(plain.imported > 0 && withMarks.imported == plain.imported && withMarks.quarantined == plain.quarantined)
        #expect(try markedLedger.storedRecords().map(\.entry.dedupKey) == plainLedger.storedRecords().map(\.entry.dedupKey))
        // The saved input itself: its records are the clean stream's.
        let (summary, ledger) = try importingRegression(name)
        #expect(summary.imported == plain.imported)
        #expect(Set(try ledger.storedRecords().map(\.record.tokens.total)) == Set(try plainLedger.storedRecords().map(\.record.tokens.total)))
    }

    /// Imports `text` as `format` from a file named `name` in a fresh folder.
    func importing(_ text: String, as format: String, named name: String) throws -> (ImportSummary, Ledger, CollectingImportReporter) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-fuzzreg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        let ledger = try Ledger.inMemory()
        let reporter = CollectingImportReporter()
        let summary = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(),
                                         options: ImportOptions(format: format, settledAge: 0), reporter: reporter).run(paths: [file])
        return (summary, ledger, reporter)
    }

    @Test("a stray '[' line above a server-sent-event stream is quarantined and the stream still read")
    func strayBracketAboveStream() throws {
        let stream = try String(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-chat/stream.sse"), encoding: .utf8)
        let (clean, _, _) = try importing(stream, as: "openai-chat", named: "stream.sse")
        let (summary, _, reporter) = try importing("[\n" + stream, as: "openai-chat", named: "stream.sse")
        #expect(clean.imported == 2)
        #expect(summary.imported == clean.imported, "the stream's records are all read")
        #expect(reporter.malformedLines.contains { $0.line == 1 })
    }

    @Test("a usage page without its data array is quarantined, not passed over")
    func pageWithoutData() throws {
        let (summary, _, reporter) = try importing(#"{"object":"page","datJ":[],"has_more":false}"# + "\n", as: "openai-usage", named: "usage_pages.jsonl")
        #expect(summary.quarantined == 1 && reporter.malformedLines.first?.reason == "the page has no data array")
    }

    @Test("a finished Gemini response without usageMetadata is quarantined: its tokens are unknown")
    func geminiWithoutUsage() throws {
        let line = #"{"candidates":[{"content":{"parts":[{"text":"…"}],"role":"model"},"finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash"}"#
        let (summary, _, _) = try importing(line + "\n", as: "gemini", named: "responses.jsonl")
        #expect(summary.quarantined == 1 && summary.imported == 0)
    }
}
