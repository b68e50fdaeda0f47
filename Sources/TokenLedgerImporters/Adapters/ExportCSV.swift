import TokenLedgerCore

/// One line of a provider's CSV export (OpenAI usage/cost exports, OpenRouter activity), split into
/// fields by RFC 4180 rules: commas, double quotes around fields, `""` for a quote inside one.
/// Cost: one pass over the line, one `String` per field.
enum ExportCSVLine {
    /// The fields of `text`, or nil when a quoted field is still open at the end (it continues on
    /// the next physical line).
    static func split(_ text: String) -> [String]? {
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quotedField = false
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(b)
                }
            } else if b == UInt8(ascii: ",") {
                fields.append(finish(field, quoted: quotedField))
                field.removeAll(keepingCapacity: true)
                quotedField = false
            } else if b == UInt8(ascii: "\"") && field.allSatisfy({ $0 == 0x20 }) {
                field.removeAll(keepingCapacity: true)
                inQuotes = true
                quotedField = true
            } else {
                field.append(b)
            }
            i += 1
        }
        if inQuotes { return nil }
        fields.append(finish(field, quoted: quotedField))
        return fields
    }

    private static func finish(_ bytes: [UInt8], quoted: Bool) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return quoted ? text : text.trimmingCharacters(in: .whitespaces)
    }
}

/// A CSV header: column names and where each one is, looked up case-insensitively, so exports are
/// read by header name and never by position (their layouts change over time).
struct ExportCSVHeader: Sendable {
    let names: [String]
    private let index: [String: Int]

    init(_ names: [String]) {
        var first = names
        if let bom = first.first, bom.hasPrefix("\u{FEFF}") { first[0] = String(bom.dropFirst()) }
        self.names = first
        var index: [String: Int] = [:]
        for (i, name) in first.enumerated() where index[name.lowercased()] == nil { index[name.lowercased()] = i }
        self.index = index
    }

    func position(of name: String) -> Int? { index[name.lowercased()] }
    func has(_ name: String) -> Bool { index[name.lowercased()] != nil }
}

/// One CSV data row read through its header.
struct ExportCSVRow {
    let header: ExportCSVHeader
    let fields: [String]

    /// The field in column `name`, nil when the column is absent or the field is empty.
    subscript(_ name: String) -> String? {
        guard let i = header.position(of: name), i < fields.count else { return nil }
        let value = fields[i]
        return value.isEmpty ? nil : value
    }

    /// The first non-empty field among `names` (for columns renamed between export versions).
    func first(_ names: String...) -> String? {
        for name in names { if let v = self[name] { return v } }
        return nil
    }

    /// A whole number from a field ("1200", "59200.0"); nil when absent, 0 never invented.
    func int(_ name: String) -> Int? {
        guard let text = self[name] else { return nil }
        return JSONValue.string(text).int
    }
}
