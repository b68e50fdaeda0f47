/// A parsed TOML document in the subset TokenLedger reads (price tables and the config file).
///
/// The subset (pricing/FORMAT.md, "The TOML subset"): comments, `[table]`, `[[array.of.tables]]`,
/// sub-tables of the last array element (`[model.period.flex]`), `key = value` with bare or quoted
/// keys, basic and literal strings, integers and decimals, booleans, dates (`2025-06-10`), arrays
/// (may span lines, trailing comma allowed) and one-line inline tables. Anything else — multi-line
/// strings, dotted keys, date-times, `inf`/`nan` — is an error with file and line, never a guess.
///
/// Numbers keep their text (underscores removed), so `1.10` becomes an `ExactDecimal` or `Money`
/// without ever passing through binary floating point. Every value knows its line.
/// Cost: one pass over the bytes; one small allocation per key, string and container.
package struct TOMLDocument: Sendable, Hashable {
    /// The file name used in error messages ("pricing/openai.toml", "/home/me/.config/tokenledger/config.toml").
    package let file: String
    /// The top-level table.
    package let root: TOMLTable

    package init(file: String, root: TOMLTable) {
        self.file = file
        self.root = root
    }

    /// An empty document (a config file that does not exist).
    package static func empty(file: String) -> TOMLDocument {
        TOMLDocument(file: file, root: TOMLTable(file: file, line: 1, entries: []))
    }

    /// Parses TOML-subset text; `file` names the source in errors. Throws the first error with its line.
    package static func parse(_ text: String, file: String) throws(TOMLError) -> TOMLDocument {
        var reader = TOMLReader(bytes: Array(text.utf8), file: file)
        let root = try reader.readDocument()
        return TOMLDocument(file: file, root: root)
    }
}

/// A TOML table: keys in source order, each value with its line.
package struct TOMLTable: Sendable, Hashable {
    /// The file the table came from (for error locations).
    package let file: String
    /// The line of the table's header (1 for the root, the `{` for inline tables).
    package let line: Int
    package let entries: [(key: String, value: TOMLValue)]

    package init(file: String, line: Int, entries: [(key: String, value: TOMLValue)]) {
        self.file = file
        self.line = line
        self.entries = entries
    }

    /// The value under `key`, if present. Linear scan: tables here have a handful of keys.
    package subscript(key: String) -> TOMLValue? {
        for entry in entries where entry.key == key { return entry.value }
        return nil
    }

    package var keys: [String] { entries.map(\.key) }
    package var isEmpty: Bool { entries.isEmpty }

    /// Where this table starts, for errors about the table as a whole.
    package var location: SourceLocation { SourceLocation(file: file, line: line) }

    /// Where `key`'s value is, or the table's own location when the key is absent.
    package func location(of key: String) -> SourceLocation {
        SourceLocation(file: file, line: self[key]?.line ?? line)
    }

    /// An error located at `key` (or at the table when the key is absent).
    package func error(_ key: String, _ reason: String) -> TOMLError {
        TOMLError(location: location(of: key), reason: reason)
    }

    package static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.file == b.file && a.line == b.line && a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}

/// One TOML value and the line it starts on.
package struct TOMLValue: Sendable, Hashable {
    package indirect enum Kind: Sendable, Hashable {
        case string(String)
        /// An integer or decimal exactly as written, minus `_` separators ("1.10", "200000", "-3", "1e-6").
        case number(String)
        case bool(Bool)
        /// A local date "YYYY-MM-DD".
        case date(String)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    package let kind: Kind
    package let line: Int

    package init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    package var string: String? {
        if case .string(let s) = kind { return s }
        return nil
    }

    /// The number's text, as written (without `_`).
    package var numberText: String? {
        if case .number(let t) = kind { return t }
        return nil
    }

    /// The number as an exact decimal.
    package var decimal: ExactDecimal? { numberText.flatMap { ExactDecimal($0) } }

    /// The number as an integer; nil when it has a fraction or does not fit.
    package var int: Int? {
        guard let d = decimal, let whole = d.scaled(toFractionDigits: 0) else { return nil }
        return Int(exactly: whole)
    }

    package var bool: Bool? {
        if case .bool(let b) = kind { return b }
        return nil
    }

    /// A date, written as a TOML date (`2025-06-10`) or as a string holding one (`"2025-06-10"`).
    package var date: String? {
        switch kind {
        case .date(let d): return d
        case .string(let s): return TOMLReader.isValidDate(Array(s.utf8)) ? s : nil
        default: return nil
        }
    }

    package var array: [TOMLValue]? {
        if case .array(let a) = kind { return a }
        return nil
    }

    package var table: TOMLTable? {
        if case .table(let t) = kind { return t }
        return nil
    }

    /// "a string", "a number", ... for error messages.
    package var typeDescription: String {
        switch kind {
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .date: return "a date"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML syntax or content error at a file and line. Config and price-table errors are the user's to
/// fix, so they exit with the usage status (2).
public struct TOMLError: UserFacingError, Equatable {
    /// The file and line of the problem.
    public var location: SourceLocation
    /// What is wrong there and how to fix it.
    public var reason: String

    package init(location: SourceLocation, reason: String) {
        self.location = location
        self.reason = reason
    }

    package init(file: String, line: Int, reason: String) {
        self.init(location: SourceLocation(file: file, line: line), reason: reason)
    }

    public var message: String { "\(location): \(reason)" }
    public var exitStatus: ExitStatus { .usage }
}

// MARK: - Typed, located access for readers of TOML content

extension TOMLTable {
    /// The string under `key`; nil when absent; an error when present with another type.
    package func string(_ key: String) throws(TOMLError) -> String? {
        guard let value = self[key] else { return nil }
        guard let s = value.string else { throw wrongType(key, value, expected: "a string") }
        return s
    }

    /// The string under `key`, which must be present.
    package func requiredString(_ key: String) throws(TOMLError) -> String {
        guard let s = try string(key) else { throw error(key, "'\(key)' is required (a string)") }
        return s
    }

    /// The exact decimal under `key`; nil when absent; an error when not a number.
    package func decimal(_ key: String) throws(TOMLError) -> ExactDecimal? {
        guard let value = self[key] else { return nil }
        guard value.numberText != nil else { throw wrongType(key, value, expected: "a number") }
        guard let d = value.decimal else { throw error(key, "'\(key)' = \(value.numberText ?? "") is too large or malformed") }
        return d
    }

    /// The whole number under `key`; nil when absent; an error when not an integer.
    package func int(_ key: String) throws(TOMLError) -> Int? {
        guard let value = self[key] else { return nil }
        guard value.numberText != nil else { throw wrongType(key, value, expected: "a whole number") }
        guard let i = value.int else { throw error(key, "'\(key)' must be a whole number, not \(value.numberText ?? "")") }
        return i
    }

    /// The boolean under `key`; nil when absent.
    package func bool(_ key: String) throws(TOMLError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard let b = value.bool else { throw wrongType(key, value, expected: "true or false") }
        return b
    }

    /// The date under `key` as "YYYY-MM-DD" (a TOML date or a string); nil when absent.
    package func date(_ key: String) throws(TOMLError) -> String? {
        guard let value = self[key] else { return nil }
        guard let d = value.date else { throw error(key, "'\(key)' must be a date written YYYY-MM-DD") }
        return d
    }

    /// The array of strings under `key`; nil when absent.
    package func strings(_ key: String) throws(TOMLError) -> [String]? {
        guard let value = self[key] else { return nil }
        guard let items = value.array else { throw wrongType(key, value, expected: "an array of strings") }
        var out: [String] = []
        for item in items {
            guard let s = item.string else {
                throw TOMLError(file: file, line: item.line, reason: "'\(key)' must hold only strings, found \(item.typeDescription)")
            }
            out.append(s)
        }
        return out
    }

    /// The sub-table under `key` (a `[a.b]` header or an inline table); nil when absent.
    package func table(_ key: String) throws(TOMLError) -> TOMLTable? {
        guard let value = self[key] else { return nil }
        guard let t = value.table else { throw wrongType(key, value, expected: "a table") }
        return t
    }

    /// The array of tables under `key` (`[[key]]` headers); empty when absent.
    package func tables(_ key: String) throws(TOMLError) -> [TOMLTable] {
        guard let value = self[key] else { return [] }
        guard let items = value.array else { throw wrongType(key, value, expected: "an array of tables ([[\(key)]])") }
        var out: [TOMLTable] = []
        for item in items {
            guard let t = item.table else {
                throw TOMLError(file: file, line: item.line, reason: "'\(key)' must hold only tables, found \(item.typeDescription)")
            }
            out.append(t)
        }
        return out
    }

    /// The keys not in `allowed`, with their locations, in source order (for "unknown key" checks).
    package func unknownKeys(allowed: Set<String>) -> [(key: String, location: SourceLocation)] {
        entries.filter { !allowed.contains($0.key) }.map { ($0.key, SourceLocation(file: file, line: $0.value.line)) }
    }

    private func wrongType(_ key: String, _ value: TOMLValue, expected: String) -> TOMLError {
        TOMLError(file: file, line: value.line, reason: "'\(key)' must be \(expected), not \(value.typeDescription)")
    }
}
