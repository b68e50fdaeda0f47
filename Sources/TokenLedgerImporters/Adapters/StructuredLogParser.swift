import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// The common reader under the provider-API adapters (OpenAI, Anthropic, Gemini, OpenRouter): one
/// `.lines` parser that works out, from the file's first non-blank line, which of the shapes a
/// saved API response takes, and hands each JSON object (or CSV row) to the adapter's hook.
///
/// Shapes, decided once per file:
/// - **lines**: JSON Lines and raw SSE streams, mixed freely line by line. A line starting with `{`
///   or `[` is one JSON value (an array is read like a document); `data: {…}` is an SSE event's
///   payload (`data: [DONE]` ends a stream); `event:`, `id:`, `retry:`, blank lines and `: comments`
///   are ignored (every provider repeats the event name as the payload's `type`). Each line is
///   parsed once, straight from the pipeline's buffer, skipping members the adapter does not read.
/// - **document**: a pretty-printed JSON file (one response, an array of responses, a usage-API
///   page). Recognised when the first line opens a JSON value that does not close on that line; the
///   lines are collected and parsed as one value at `finish`. If that fails, the collected lines are
///   read as JSON Lines instead, so a truncated first line of a JSONL file costs one line, not the file.
/// - **csv**: a CSV export (only for adapters that pass `acceptsCSV`), read by header name with
///   `CSVReader` (RFC 4180: a quoted field may span lines).
///
/// Files without a final newline: the pipeline holds such a last line back (it may be being
/// written). A JSON document or one-line JSON file that is complete on disk is read anyway at
/// `finish`; if the newline arrives later, the re-read adds only duplicates.
///
/// Checkpoints: the saved `state` carries the shape, the CSV header (and a CSV record still open
/// inside quotes) and anything the adapter carries over (an open Anthropic stream), so an appended
/// JSONL, SSE or CSV file continues from its last byte. A JSON document is read whole: if a checkpoint ever lands in the middle of one, the
/// next run re-reads the file from disk (dedup keys make that add nothing twice).
class StructuredLogParser: LogParser {
    enum Shape: String { case undecided, lines, document, csv }

    let context: ImportContext
    let filePath: String
    let acceptsCSV: Bool
    private(set) var shape: Shape = .undecided

    private var documentBytes: [UInt8] = []
    private var documentStartLine = 0
    private var documentResumed = false
    /// The CSV header and any record still open inside quotes (shape `.csv`).
    private var csv = CSVReader()

    init(context: ImportContext, state: JSONValue?, acceptsCSV: Bool = false) {
        self.context = context
        self.filePath = context.file.path
        self.acceptsCSV = acceptsCSV
        if let state, let saved = state["shape"]?.string.flatMap(Shape.init(rawValue:)) {
            shape = saved
            if saved == .csv { csv = CSVReader(state: state) } // reads its own "header" and "pending"
            if saved == .document { documentResumed = true }
            if let carried = state["carried"] { restore(carried) }
        }
    }

    /// What the adapter carries to the next run (an open stream), saved with the checkpoint.
    var carried: JSONValue? { nil }

    /// Takes back what `carried` saved at the last checkpoint.
    func restore(_ carried: JSONValue) {}

    // MARK: Hooks for the adapter

    /// The top-level members the adapter reads from a JSON line; the others (a response's `choices`
    /// or `output`, its text) are validated and skipped without being built. nil reads everything.
    var topLevelKeys: JSONParser.KeySet? { nil }

    /// A JSON Lines line that starts with `{`, offered before it is parsed: true when the adapter read
    /// it and emitted what it holds, false to have it parsed and handed to `handle(object:)`. For an
    /// adapter's member-by-member reader of its most common line shape (`OpenAIChatLine`).
    /// It hands what it read over to `take` (which keeps it: no copy).
    func handleFast(line: UnsafeRawBufferPointer, number: Int, take: (consuming LogItem) -> Void) -> Bool { false }

    /// One JSON value from a JSONL line, an SSE `data:` payload, or an element of a document array.
    func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) { emit(.skipped) }

    /// One CSV data row (only when `acceptsCSV`).
    func handle(row: CSVRow, line: Int, emit: (LogItem) -> Void) {
        emit(.malformed(reason: "CSV rows are not a shape of this format", line: line))
    }

    /// A whole JSON document; by default each element of a top-level array, or the value itself.
    func handle(document: JSONValue, line: Int, emit: (LogItem) -> Void) {
        if case .array(let elements) = document {
            for element in elements { handle(object: element, line: line, emit: emit) }
        } else {
            handle(object: document, line: line, emit: emit)
        }
    }

    /// Called once at the end of the available data, after everything else (open streams flush here).
    func flush(emit: (LogItem) -> Void) {}

    /// Called just before a JSON Lines or SSE line that cannot be read is reported: an adapter that
    /// holds a chunk back to merge it with the next chunks of the same response emits it now, since
    /// what stood between them is unknown. Only on that error path: nothing is added to good lines.
    func lineUnreadable(emit: (LogItem) -> Void) {}

    /// The file's modification time, for formats whose bodies carry no time (Anthropic messages,
    /// embeddings): the best bound on when the requests were made. Read once, when first needed.
    final lazy var fileDate: Date = {
        let attributes = try? FileManager.default.attributesOfItem(atPath: filePath)
        return attributes?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
    }()

    /// A ledger entry located at `line` of this file.
    @inline(__always)
    final func entry(_ record: consuming UsageRecord, key: consuming String, line: Int, rank: Int = 0) -> LogItem {
        .entry(LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: filePath, line: line), supersedeRank: rank))
    }

    /// The tags every record of this import carries (`--tag`), plus `extra`.
    final func tags(_ extra: [String: String] = [:]) -> [String: String] {
        if extra.isEmpty { return context.tags }
        return context.tags.merging(extra) { user, _ in user }
    }

    // MARK: LogParser

    final func parse(handingOver line: UnsafeRawBufferPointer, number: Int, to take: (consuming LogItem) -> Void) {
        if shape == .lines {
            parseLine(line, number: number, emit: { take($0) }, take: take)
        } else {
            parse(line: line, number: number, emit: { take($0) })
        }
    }

    final func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        switch shape {
        case .lines: parseLine(line, number: number, emit: emit)
        case .document:
            if !documentResumed {
                if documentBytes.isEmpty { documentStartLine = number }
                documentBytes.append(contentsOf: line)
                documentBytes.append(0x0A)
            }
        case .csv: parseCSVLine(line, number: number, emit: emit)
        case .undecided: decide(line, number: number, emit: emit)
        }
    }

    final func finish(emit: (LogItem) -> Void) {
        if shape == .document {
            var fromDisk = false
            if documentResumed {
                documentResumed = false
                if let bytes = wholeFile() {
                    documentBytes = bytes
                    documentStartLine = 1
                    fromDisk = true
                }
            }
            finishDocument(emit: emit, documentFromDisk: fromDisk)
        }
        if shape == .undecided, let bytes = wholeFile(), !bytes.contains(0x0A) {
            // A one-line JSON file without a final newline (a response saved with `curl > file`):
            // the pipeline holds such a line back as possibly still being written. A complete JSON
            // value is read now; if the newline comes later, the re-read adds only duplicates.
            if let value = try? JSONParser.parse(bytes) {
                shape = .document
                handle(document: value, line: 1, emit: emit)
            }
        }
        flush(emit: emit)
    }

    /// The whole file from disk (at most 64 MiB), for documents whose lines were not all handed over.
    private func wholeFile() -> [UInt8]? {
        guard let data = try? Data(contentsOf: context.file, options: .alwaysMapped), data.count <= 64 << 20 else { return nil }
        return [UInt8](data)
    }

    var state: JSONValue? {
        switch shape {
        case .undecided: return nil
        case .lines:
            if let carried { return ["shape": "lines", "carried": carried] }
            return ["shape": "lines"]
        case .document: return ["shape": "document"]
        case .csv:
            // The reader's own members (header, an open record) next to the shape.
            var members: [(key: String, value: JSONValue)] = [("shape", "csv")]
            if case .object(let reader)? = csv.state { members += reader.members }
            return .object(JSONObject(members))
        }
    }

    // MARK: Shapes

    private func decide(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        guard let first = Self.firstNonBlank(line) else { return } // leading blank lines
        let byte = line[first]
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            do {
                let value = try parseJSON(UnsafeRawBufferPointer(rebasing: line[first...]))
                shape = .lines
                handleLineValue(value, line: number, emit: emit)
            } catch {
                if error.offset >= line.count - first {
                    // The value continues on the next lines: a pretty-printed document.
                    shape = .document
                    documentStartLine = number
                    documentBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[first...]))
                    documentBytes.append(0x0A)
                } else {
                    shape = .lines
                    emit(.malformed(reason: error.message, line: number))
                }
            }
            return
        }
        if Self.isSSELine(line, from: first) || !acceptsCSV {
            shape = .lines
            parseLine(line, number: number, emit: emit)
            return
        }
        shape = .csv
        parseCSVLine(line, number: number, emit: emit) // the header
    }

    private func parseLine(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        parseLine(line, number: number, emit: emit, take: { emit($0) })
    }

    /// One line of the `.lines` shape: what `handleFast` reads goes to `take`, anything else to `emit`.
    private func parseLine(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void, take: (consuming LogItem) -> Void) {
        guard let first = Self.firstNonBlank(line) else { return } // blank: the end of an SSE event
        let byte = line[first]
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            let value = UnsafeRawBufferPointer(rebasing: line[first...])
            if byte == UInt8(ascii: "{") && handleFast(line: value, number: number, take: take) { return }
            do {
                handleLineValue(try parseJSON(value), line: number, emit: emit)
            } catch {
                lineUnreadable(emit: emit)
                emit(.malformed(reason: error.message, line: number))
            }
            return
        }
        if byte == UInt8(ascii: ":") { return } // SSE comment (": OPENROUTER PROCESSING")
        if let payload = Self.field("data", of: line, from: first) {
            guard let p = Self.firstNonBlank(payload) else { return }
            if payload.count - p >= 6 && payload[p] == UInt8(ascii: "[") && payload[p + 1] == UInt8(ascii: "D") {
                return // data: [DONE]
            }
            do {
                handleLineValue(try parseJSON(payload), line: number, emit: emit)
            } catch {
                lineUnreadable(emit: emit)
                emit(.malformed(reason: "SSE data is not JSON: \(error.message)", line: number))
            }
            return
        }
        if Self.field("event", of: line, from: first) != nil || Self.field("id", of: line, from: first) != nil
            || Self.field("retry", of: line, from: first) != nil { return }
        lineUnreadable(emit: emit)
        // A bare number, string or literal is valid JSON but no record: say which it is.
        if let value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: line[first...])) {
            emit(.malformed(reason: LogSupport.notAnObject(value), line: number))
            return
        }
        emit(.malformed(reason: "this line is neither JSON nor a server-sent event", line: number))
    }

    /// A JSON line that is an array (a one-line `streamGenerateContent` chunk array, a compact dump of
    /// several responses) is read like a document; an object goes to the adapter.
    @inline(__always)
    private func handleLineValue(_ value: JSONValue, line: Int, emit: (LogItem) -> Void) {
        if case .array = value { handle(document: value, line: line, emit: emit) } else { handle(object: value, line: line, emit: emit) }
    }

    @inline(__always)
    private func parseJSON(_ bytes: UnsafeRawBufferPointer) throws(JSONParser.Error) -> JSONValue {
        if let keys = topLevelKeys { return try JSONParser.parse(bytes, keepingTopLevelKeys: keys) }
        return try JSONParser.parse(bytes)
    }

    private func finishDocument(emit: (LogItem) -> Void, documentFromDisk: Bool = false) {
        let bytes = documentBytes
        documentBytes = []
        guard !bytes.isEmpty else { return }
        let result: Result<JSONValue, JSONParser.Error> = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParser.Error) -> JSONValue in try JSONParser.parse(buffer) }
        }
        switch result {
        case .success(let value):
            handle(document: value, line: documentStartLine, emit: emit)
        case .failure(let error):
            // The pipeline holds back a last line without a newline ("}" of a document saved without
            // one): read the file as it is on disk.
            if !documentFromDisk, let whole = wholeFile(), whole.count > bytes.count, let value = try? JSONParser.parse(whole) {
                handle(document: value, line: documentStartLine, emit: emit)
                return
            }
            // Not one document: read the collected lines as JSON Lines (a JSONL file whose first line
            // was cut short), unless nothing but the first line could be read that way either.
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            // Server-sent events count too: a stray "[" above a stream must not hide the stream.
            let looksLikeJSONLines = lines.dropFirst().contains { line in
                line.withUnsafeBytes { LogSupport.looksLikeObject($0) || Self.isSSEData($0) }
            }
            if looksLikeJSONLines {
                shape = .lines
                for (i, line) in lines.enumerated() where i < lines.count - 1 || !line.isEmpty {
                    line.withUnsafeBytes { parseLine($0, number: documentStartLine + i, emit: emit) }
                }
            } else {
                // An error at the very end (a document cut short) is on its last line, not the one
                // after it: every collected line, the last included, ends in the "\n" added here.
                let newlinesBefore = bytes.prefix(min(error.offset, bytes.count)).reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                let errorLine = documentStartLine + min(newlinesBefore, max(lines.count - 2, 0))
                emit(.malformed(reason: "the JSON document cannot be read: \(error.message)", line: errorLine))
            }
        }
    }

    private func parseCSVLine(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        // A line of nothing but spaces between records is blank, not a one-field row.
        if !csv.isInsideQuotes && Self.firstNonBlank(line) == nil { return }
        switch csv.feed(line: line, number: number) {
        case .row(let row):
            if row.fields == row.header.names { return } // a repeated header (concatenated exports)
            handle(row: row, line: row.line, emit: emit)
        case .malformed(let reason, let line):
            emit(.malformed(reason: reason, line: line))
        case .header, .pending, .blank:
            break // a record open inside quotes waits in `csv` (and in `state`) for its closing quote
        }
    }

    // MARK: Byte helpers

    /// The index of the first byte that is not a blank (or a UTF-8 byte-order mark), or nil.
    static func firstNonBlank(_ line: UnsafeRawBufferPointer) -> Int? {
        var i = line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF ? 3 : 0
        while i < line.count {
            let b = line[i]
            if b != 0x20 && b != 0x09 && b != 0x0D { return i }
            i += 1
        }
        return nil
    }

    /// A `data:` line of a server-sent-event stream.
    static func isSSEData(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let first = firstNonBlank(line) else { return false }
        return field("data", of: line, from: first) != nil
    }

    private static func isSSELine(_ line: UnsafeRawBufferPointer, from first: Int) -> Bool {
        line[first] == UInt8(ascii: ":") || field("data", of: line, from: first) != nil || field("event", of: line, from: first) != nil
    }

    /// The value of an SSE field line `name: value` (one leading space removed), or nil.
    private static func field(_ name: StaticString, of line: UnsafeRawBufferPointer, from first: Int) -> UnsafeRawBufferPointer? {
        let n = name.utf8CodeUnitCount
        guard line.count - first > n, line[first + n] == UInt8(ascii: ":") else { return nil }
        let p = name.utf8Start
        for i in 0..<n where line[first + i] != p[i] { return nil }
        var start = first + n + 1
        if start < line.count && line[start] == 0x20 { start += 1 }
        return UnsafeRawBufferPointer(rebasing: line[start..<line.count])
    }
}
