import Foundation
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

/// Runs one adapter over a fixture the way the import pipeline feeds it (whole lines without their
/// terminator, or the whole document), and collects what it emits. Shared by every adapter test.
struct AdapterHarness {
    struct Output {
        var entries: [LedgerEntry] = []
        var malformed: [(line: Int, reason: String)] = []
        var skipped = 0
        var state: JSONValue?

        /// The records, for asserting exact token counts.
        var records: [UsageRecord] { entries.map(\.record) }
        /// Sum of every record's tokens.
        var totals: TokenCounts { records.map(\.tokens).reduce(TokenCounts(), +) }
    }

    /// The package root, for fixture paths.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent(relativePath)
    }

    /// Reads `file` with `adapter`, optionally continuing from a saved `state`.
    static func run(_ adapter: any LogAdapter, file: URL, context: ImportContext? = nil, state: JSONValue? = nil) throws -> Output {
        let data = try Data(contentsOf: file)
        return run(adapter, bytes: [UInt8](data), context: context ?? ImportContext(file: file), state: state)
    }

    /// Reads in-memory text as if it were the file `context.file`.
    static func run(_ adapter: any LogAdapter, text: String, context: ImportContext) -> Output {
        run(adapter, bytes: Array(text.utf8), context: context, state: nil)
    }

    static func run(_ adapter: any LogAdapter, bytes: [UInt8], context: ImportContext, state: JSONValue?) -> Output {
        var out = Output()
        let parser = adapter.makeParser(context: context, state: state)
        var currentLine = 1
        let emit: (LogItem) -> Void = { item in
            switch item {
            case .entry(let e):
                var e = e
                if e.location == nil { e.location = SourceLocation(file: context.file.path, line: currentLine) }
                out.entries.append(e)
            case .malformed(let reason, let line): out.malformed.append((line ?? currentLine, reason))
            case .skipped: out.skipped += 1
            }
        }
        switch adapter.layout {
        case .lines:
            var start = 0
            var number = 0
            bytes.withUnsafeBytes { all in
                while start < all.count {
                    guard let nl = all[start...].firstIndex(of: UInt8(ascii: "\n")) else { break } // partial last line waits
                    number += 1
                    currentLine = number
                    var end = nl
                    if end > start && all[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    parser.parse(line: UnsafeRawBufferPointer(rebasing: all[start..<end]), number: number, emit: emit)
                    start = nl + 1
                }
            }
        case .document:
            bytes.withUnsafeBytes { parser.parse(document: $0, emit: emit) }
        case .database:
            do { try parser.parseDatabase(emit: emit) } catch { out.malformed.append((0, "\(error)")) }
        }
        parser.finish(emit: emit)
        out.state = parser.state
        return out
    }
}
