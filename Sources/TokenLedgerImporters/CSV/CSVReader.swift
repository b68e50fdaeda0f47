import Foundation
import TokenLedgerCore

/// An RFC 4180 CSV reader fed one physical line at a time (the way the import pipeline hands over
/// `.lines` files): quoted fields, `""` escapes, and commas and newlines inside quotes. Spaces around
/// a quoted field (`a, "b, c" ,d`) are allowed and dropped, as spreadsheet exports write them. A record whose
/// quoted field spans several lines is held until its closing quote arrives; that partial record is
/// part of `state`, so a checkpoint taken mid-record continues correctly on the next run.
///
/// The first record is the header (matched by name, never by position: see `CSVHeader`).
/// Cost: one pass over each line's bytes; one `String` per field.
package struct CSVReader: Sendable {
    /// What one physical line produced.
    public enum Event: Sendable {
        /// The header record was read (the first record of the file).
        case header(CSVHeader)
        /// A complete data record.
        case row(CSVRow)
        /// The line continues a quoted field; the record is not complete yet.
        case pending
        /// An empty line outside quotes (ignored).
        case blank
        /// The line cannot be read as CSV; `line` is where its record started.
        case malformed(reason: String, line: Int)
    }

    /// The header, once read.
    public private(set) var header: CSVHeader?
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var inQuotes = false
    private var startLine = 0

    /// A reader at the start of a file, or one continuing from `state` (see `state`).
    public init(state: JSONValue? = nil) {
        guard let state else { return }
        if let names = state["header"]?.array?.compactMap(\.string) { header = CSVHeader(names: names) }
        if let pending = state["pending"] {
            fields = pending["fields"]?.array?.compactMap(\.string) ?? []
            field = Array((pending["field"]?.string ?? "").utf8)
            inQuotes = true
            startLine = pending["line"]?.int ?? 0
        }
    }

    /// A reader whose header is already known (a file without a header row, or names given by the user).
    public init(header: CSVHeader) { self.header = header }

    /// The header and any record still open inside quotes, for the parser's checkpoint state.
    public var state: JSONValue? {
        var members: [(key: String, value: JSONValue)] = []
        if let header { members.append(("header", .array(header.names.map { .string($0) }))) }
        if inQuotes {
            members.append(("pending", .object(JSONObject([
                ("fields", .array(fields.map { .string($0) })),
                ("field", .string(String(decoding: field, as: UTF8.self))),
                ("line", .int(startLine)),
            ]))))
        }
        return members.isEmpty ? nil : .object(JSONObject(members))
    }

    /// True while a quoted field is open (a record spans the line just fed).
    public var isInsideQuotes: Bool { inQuotes }

    /// Feeds one physical line without its terminator. `number` is its 1-based line number.
    public mutating func feed(line: UnsafeRawBufferPointer, number: Int) -> Event {
        var start = 0
        if !inQuotes {
            if line.isEmpty { return .blank }
            startLine = number
            fields.removeAll(keepingCapacity: true)
            field.removeAll(keepingCapacity: true)
            // A UTF-8 byte-order mark before the header (Excel writes one).
            if header == nil, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF { start = 3 }
        } else {
            field.append(0x0A) // the newline inside the quoted field
        }
        var i = start
        var fieldStart = true
        while i < line.count {
            let b = line[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < line.count && line[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 2
                        continue
                    }
                    inQuotes = false
                    i += 1
                    // After a closing quote only spaces, then a comma or the end of the line, may follow.
                    while i < line.count && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
                    if i < line.count && line[i] != 0x2C {
                        let reason = "text after a closing quote in field \(fields.count + 1) (a quote inside a quoted field must be doubled)"
                        fields.removeAll()
                        field.removeAll()
                        return .malformed(reason: reason, line: startLine)
                    }
                    continue
                }
                field.append(b)
                i += 1
            } else if b == 0x2C {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldStart = true
                i += 1
            } else if b == 0x22 && fieldStart {
                // An opening quote, perhaps after spaces (dropped: they are outside the field).
                field.removeAll(keepingCapacity: true)
                inQuotes = true
                fieldStart = false
                i += 1
            } else {
                // A quote in the middle of an unquoted field is kept literally (lenient, like Excel).
                field.append(b)
                if b != 0x20 && b != 0x09 { fieldStart = false }
                i += 1
            }
        }
        if inQuotes { return .pending }
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        let record = fields
        fields.removeAll(keepingCapacity: true)
        guard let header else {
            let h = CSVHeader(names: record)
            self.header = h
            return .header(h)
        }
        if record.count != header.names.count {
            return .malformed(reason: "the row has \(record.count) fields but the header has \(header.names.count)", line: startLine)
        }
        return .row(CSVRow(header: header, fields: record, line: startLine))
    }

    /// Call at the end of the available data: a quoted field still open is reported. (For a file being
    /// written the pipeline keeps the partial record in `state` instead; call this only for a document
    /// that is known to be complete.)
    public mutating func finish() -> Event? {
        guard inQuotes else { return nil }
        inQuotes = false
        fields.removeAll()
        field.removeAll()
        return .malformed(reason: "a quoted field is never closed", line: startLine)
    }

    /// Reads a whole CSV text (a `.document` file), calling `body` for each event with its line number.
    public static func read(document: UnsafeRawBufferPointer, _ body: (Event) -> Void) {
        var reader = CSVReader()
        DocumentLines.forEach(in: document) { line, number in body(reader.feed(line: line, number: number)) }
        if let last = reader.finish() { body(last) }
    }
}

/// A CSV header: column names matched case-insensitively, ignoring surrounding spaces.
package struct CSVHeader: Sendable, Hashable {
    /// The names as written.
    public let names: [String]
    private let normalized: [String]

    public init(names: [String]) {
        self.names = names
        self.normalized = names.map(CSVHeader.normalize)
    }

    /// The header on the first line of `bytes` (a file's head, for `detect`), or nil when that line
    /// is empty or opens a quoted field it does not close. Cost: one pass over the first line.
    public init?(firstLineOf bytes: [UInt8]) {
        var reader = CSVReader()
        var end = bytes.firstIndex(of: 0x0A) ?? bytes.count
        if end > 0 && bytes[end - 1] == 0x0D { end -= 1 }
        let event = bytes.withUnsafeBytes { reader.feed(line: UnsafeRawBufferPointer(rebasing: $0[0..<end]), number: 1) }
        guard case .header(let header) = event else { return nil }
        self = header
    }

    /// Whether the header has a column `name` (matched as `index(of:)` does).
    public func has(_ name: String) -> Bool { index(of: name) != nil }

    /// The column index of `name`, if the header has it.
    public func index(of name: String) -> Int? {
        normalized.firstIndex(of: CSVHeader.normalize(name))
    }

    /// The first of `names` the header has.
    public func index(ofAny names: [String]) -> Int? {
        for name in names { if let i = index(of: name) { return i } }
        return nil
    }

    /// Lower case, with every run of characters other than letters and digits read as one underscore
    /// and none at either end: "Input Tokens", "input-tokens" and "Cost (USD)" match "input_tokens"
    /// and "cost_usd".
    static func normalize(_ name: String) -> String {
        var out = ""
        var pendingUnderscore = false
        for ch in name.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.append(ch)
            } else {
                pendingUnderscore = true
            }
        }
        return out
    }
}

/// One data record, read by column name.
package struct CSVRow: Sendable {
    public let header: CSVHeader
    public let fields: [String]
    /// The line the record starts on (1-based).
    public let line: Int

    /// The field under `column` trimmed of spaces, or nil when the column is absent or the field empty.
    public subscript(column: String) -> String? {
        guard let i = header.index(of: column) else { return nil }
        return self[i]
    }

    /// The field at `index` trimmed of spaces, or nil when out of range or empty.
    public subscript(index: Int) -> String? {
        guard fields.indices.contains(index) else { return nil }
        let v = fields[index].trimmingCharacters(in: .whitespaces)
        return v.isEmpty ? nil : v
    }

    /// The first non-empty field among `columns`.
    public func first(_ columns: [String]) -> String? {
        for c in columns { if let v = self[c] { return v } }
        return nil
    }
}
