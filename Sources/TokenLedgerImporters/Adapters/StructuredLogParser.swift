import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// The common reader under the provider-API adapters (OpenAI, Anthropic, Gemini, OpenRouter): one
/// `.lines` parser that works out, from the file's first non-blank line, which of the shapes a
/// saved API response takes, and hands each JSON object (or CSV row) to the adapter's hook.
///
/// Shapes, decided once per file:
/// - **lines**: JSON Lines and raw SSE streams, mixed freely line by line. A line starting with `{`
///   or `[` is one JSON value; `data: {…}` is an SSE event's payload (`data: [DONE]` ends a stream);
///   `event: name` is remembered in `sseEvent` for the next payload; blank lines and `: comments`
///   are ignored. Each line is parsed exactly once, straight from the pipeline's buffer.
/// - **document**: a pretty-printed JSON file (one response, an array of responses, a usage-API
///   page). Recognised when the first line opens a JSON value that does not close on that line; the
///   lines are collected and parsed as one value at `finish`. If that fails, the collected lines are
///   read as JSON Lines instead, so a truncated first line of a JSONL file costs one line, not the file.
/// - **csv**: a CSV export (only for adapters that pass `acceptsCSV`), read by header name.
///
/// Checkpoints: the saved `state` carries the shape and the CSV header, so an appended JSONL or CSV
/// file continues from its last byte. A JSON document is read whole: if a checkpoint ever lands in
/// the middle of one, the next run re-reads the file from disk (dedup keys make that add nothing twice).
class StructuredLogParser: LogParser {
    enum Shape: String { case undecided, lines, document, csv }

    let context: ImportContext
    let filePath: String
    let acceptsCSV: Bool
    private(set) var shape: Shape = .undecided
    /// The name of the last `event:` line of an SSE stream (nil outside streams).
    var sseEvent: String?

    private var documentBytes: [UInt8] = []
    private var documentStartLine = 0
    private var documentResumed = false
    private var csvHeader: ExportCSVHeader?
    private var csvPending: (text: String, line: Int)?

    init(context: ImportContext, state: JSONValue?, acceptsCSV: Bool = false) {
        self.context = context
        self.filePath = context.file.path
        self.acceptsCSV = acceptsCSV
        if let state, let saved = state["shape"]?.string.flatMap(Shape.init(rawValue:)) {
            shape = saved
            if saved == .csv, let names = state["header"]?.array?.compactMap(\.string) {
                csvHeader = ExportCSVHeader(names)
            }
            if saved == .document { documentResumed = true }
            if let carried = state["carried"] { restore(carried) }
        }
    }

    /// What the adapter carries to the next run (an open stream), saved with the checkpoint.
    var carried: JSONValue? { nil }

    /// Takes back what `carried` saved at the last checkpoint.
    func restore(_ carried: JSONValue) {}

    // MARK: Hooks for the adapter

    /// One JSON value from a JSONL line, an SSE `data:` payload, or an element of a document array.
    func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) { emit(.skipped) }

    /// One CSV data row (only when `acceptsCSV`).
    func handle(row: ExportCSVRow, line: Int, emit: (LogItem) -> Void) {
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

    /// The file's modification time, for formats whose bodies carry no time (Anthropic messages,
    /// embeddings): the best bound on when the requests were made. Read once, when first needed.
    final lazy var fileDate: Date = {
        let attributes = try? FileManager.default.attributesOfItem(atPath: filePath)
        return attributes?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
    }()

    /// A ledger entry located at `line` of this file.
    @inline(__always)
    final func entry(_ record: UsageRecord, key: String, line: Int, rank: Int = 0) -> LogItem {
        .entry(LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: filePath, line: line), supersedeRank: rank))
    }

    /// The tags every record of this import carries (`--tag`), plus `extra`.
    final func tags(_ extra: [String: String] = [:]) -> [String: String] {
        if extra.isEmpty { return context.tags }
        return context.tags.merging(extra) { user, _ in user }
    }

    // MARK: LogParser

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
        if shape == .csv, let pending = csvPending {
            csvPending = nil
            emit(.malformed(reason: "a quoted CSV field is never closed", line: pending.line))
        }
        if shape == .document {
            if documentResumed {
                documentResumed = false
                if let data = try? Data(contentsOf: context.file, options: .alwaysMapped) {
                    documentBytes = [UInt8](data)
                    documentStartLine = 1
                }
            }
            finishDocument(emit: emit)
        }
        flush(emit: emit)
    }

    var state: JSONValue? {
        switch shape {
        case .undecided: return nil
        case .lines:
            if let carried { return ["shape": "lines", "carried": carried] }
            return ["shape": "lines"]
        case .document: return ["shape": "document"]
        case .csv: return ["shape": "csv", "header": .array((csvHeader?.names ?? []).map { .string($0) })]
        }
    }

    // MARK: Shapes

    private func decide(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        guard let first = Self.firstNonBlank(line) else { return } // leading blank lines
        let byte = line[first]
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            do {
                let value = try JSONParser.parse(line)
                shape = .lines
                handle(object: value, line: number, emit: emit)
            } catch {
                if error.offset >= line.count {
                    // The value continues on the next lines: a pretty-printed document.
                    shape = .document
                    documentStartLine = number
                    documentBytes.append(contentsOf: line)
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
        let fields = ExportCSVLine.split(String(decoding: line, as: UTF8.self))
        csvHeader = ExportCSVHeader(fields ?? [])
    }

    private func parseLine(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        guard let first = Self.firstNonBlank(line) else {
            sseEvent = nil // a blank line ends an SSE event
            return
        }
        let byte = line[first]
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            do {
                handle(object: try JSONParser.parse(line), line: number, emit: emit)
            } catch {
                emit(.malformed(reason: error.message, line: number))
            }
            return
        }
        if byte == UInt8(ascii: ":") { return } // SSE comment (": OPENROUTER PROCESSING")
        if let payload = Self.field("data", of: line, from: first) {
            guard let p = Self.firstNonBlank(payload) else { return }
            if payload.count - p >= 6 && payload[p] == UInt8(ascii: "[") && payload[p + 1] == UInt8(ascii: "D") {
                sseEvent = nil // data: [DONE]
                return
            }
            do {
                handle(object: try JSONParser.parse(payload), line: number, emit: emit)
            } catch {
                emit(.malformed(reason: "SSE data is not JSON: \(error.message)", line: number))
            }
            return
        }
        if let name = Self.field("event", of: line, from: first) {
            sseEvent = String(decoding: name, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            return
        }
        if Self.field("id", of: line, from: first) != nil || Self.field("retry", of: line, from: first) != nil { return }
        emit(.malformed(reason: "this line is neither JSON nor a server-sent event", line: number))
    }

    private func finishDocument(emit: (LogItem) -> Void) {
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
            // Not one document: read the collected lines as JSON Lines (a JSONL file whose first line
            // was cut short), unless nothing but the first line could be read that way either.
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            let looksLikeJSONLines = lines.dropFirst().contains { line in
                guard let f = line.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return false }
                return line[f] == UInt8(ascii: "{") && line.last == UInt8(ascii: "}")
            }
            if looksLikeJSONLines {
                shape = .lines
                for (i, line) in lines.enumerated() where i < lines.count - 1 || !line.isEmpty {
                    line.withUnsafeBytes { parseLine($0, number: documentStartLine + i, emit: emit) }
                }
            } else {
                let errorLine = documentStartLine + bytes.prefix(min(error.offset, bytes.count)).reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                emit(.malformed(reason: "the JSON document cannot be read: \(error.message)", line: errorLine))
            }
        }
    }

    private func parseCSVLine(_ line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        var text = String(decoding: line, as: UTF8.self)
        var startLine = number
        if let pending = csvPending {
            text = pending.text + "\n" + text
            startLine = pending.line
            csvPending = nil
        }
        guard let fields = ExportCSVLine.split(text) else {
            csvPending = (text, startLine) // a quoted field continues on the next line
            return
        }
        if fields.count == 1 && fields[0].isEmpty { return }
        guard let header = csvHeader else {
            csvHeader = ExportCSVHeader(fields)
            return
        }
        if fields == header.names { return } // a repeated header (concatenated exports)
        guard fields.count == header.names.count else {
            emit(.malformed(reason: "the row has \(fields.count) fields but the header has \(header.names.count)", line: startLine))
            return
        }
        handle(row: ExportCSVRow(header: header, fields: fields), line: startLine, emit: emit)
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
