import Foundation
import Synchronization
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

/// A trivial JSON Lines format for testing the pipeline without depending on a real adapter:
/// `{"t":"use","id":"a1","ts":"2026-11-01T10:00:00Z","model":"m","in":10,"out":5}` is a record,
/// `{"t":"note"}` carries no usage, anything else is malformed. Its state counts lines seen, so tests
/// can check that a continued file gets its saved state back.
final class TestJSONLAdapter: LogAdapter, @unchecked Sendable {
    let name: String
    let summary = "test JSON Lines"
    let layout: LogLayout
    let parsersMade = Mutex<Int>(0)
    let detectCalls = Mutex<Int>(0)

    init(name: String = "test-jsonl", layout: LogLayout = .lines) {
        self.name = name
        self.layout = layout
    }

    func detect(fileName: String, head: [UInt8]) -> Int {
        detectCalls.withLock { $0 += 1 }
        return head.starts(with: Array(#"{"t":"#.utf8)) ? 90 : 0
    }

    func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        parsersMade.withLock { $0 += 1 }
        return Parser(seen: state?["seen"]?.int ?? 0)
    }

    final class Parser: LogParser {
        var seen: Int
        init(seen: Int) { self.seen = seen }

        func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
            seen += 1
            emit(Parser.item(line))
        }

        func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void) {
            var number = 0
            for line in document.split(separator: 0x0A, omittingEmptySubsequences: false) {
                number += 1
                if line.isEmpty { continue }
                seen += 1
                switch Parser.item(UnsafeRawBufferPointer(rebasing: line)) {
                case .malformed(let reason, _): emit(.malformed(reason: reason, line: number))
                case .entry(var e):
                    e.location = SourceLocation(file: "doc", line: number)
                    emit(.entry(e))
                case .skipped: emit(.skipped)
                }
            }
        }

        static func item(_ line: UnsafeRawBufferPointer) -> LogItem {
            let value: JSONValue
            do { value = try JSONParser.parse(line) } catch { return .malformed(reason: error.message) }
            switch value["t"]?.string {
            case "note": return .skipped
            case "use":
                guard let id = value["id"]?.string, let ts = value["ts"]?.string.flatMap({ Timestamp.parse($0) }),
                      let model = value["model"]?.string else { return .malformed(reason: "a usage line needs id, ts and model") }
                let record = UsageRecord(
                    timestamp: ts, provider: "test", model: model,
                    tokens: TokenCounts(input: value["in"]?.int ?? 0, output: value["out"]?.int ?? 0), source: "test-jsonl",
                    project: value["project"]?.string, tags: value["tag"]?.string.map { ["from-log": $0] } ?? [:])
                return .entry(LedgerEntry(record: record, dedupKey: "test:\(id)"))
            default: return .malformed(reason: "unknown line type")
            }
        }

        var state: JSONValue? { ["seen": .int(seen)] }
    }
}

/// Writes test logs.
enum TestLog {
    static func use(_ id: String, input: Int = 10, output: Int = 5, extra: String = "") -> String {
        #"{"t":"use","id":"\#(id)","ts":"2026-11-01T10:00:00Z","model":"m","in":\#(input),"out":\#(output)\#(extra)}"# + "\n"
    }

    static let note = #"{"t":"note","text":"SECRET PROMPT TEXT"}"# + "\n"

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tl-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
