/// The byte-level reader behind `TOMLDocument.parse`: one pass, line counted as it goes.
///
/// Tables are built in mutable nodes (headers can reopen the last element of an array of tables)
/// and frozen into `TOMLTable` values at the end.
struct TOMLReader {
    private let bytes: [UInt8]
    private let file: String
    private var position = 0
    private var line = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: Building nodes

    private final class Node {
        enum Entry {
            case value(TOMLValue)
            case table(Node)
            case tableArray([Node], line: Int)
        }

        let line: Int
        /// True once a `[header]` named this table (a second one is a duplicate).
        var defined: Bool
        var keys: [String] = []
        var entries: [String: Entry] = [:]

        init(line: Int, defined: Bool) {
            self.line = line
            self.defined = defined
        }

        func set(_ key: String, _ entry: Entry) {
            if entries[key] == nil { keys.append(key) }
            entries[key] = entry
        }

        func freeze(file: String) -> TOMLTable {
            var out: [(key: String, value: TOMLValue)] = []
            out.reserveCapacity(keys.count)
            for key in keys {
                guard let entry = entries[key] else { continue }
                switch entry {
                case .value(let v): out.append((key, v))
                case .table(let node): out.append((key, TOMLValue(.table(node.freeze(file: file)), line: node.line)))
                case .tableArray(let nodes, let line):
                    let items = nodes.map { TOMLValue(.table($0.freeze(file: file)), line: $0.line) }
                    out.append((key, TOMLValue(.array(items), line: line)))
                }
            }
            return TOMLTable(file: file, line: line, entries: out)
        }
    }

    private func fail(_ reason: String, line: Int? = nil) -> TOMLError {
        TOMLError(file: file, line: line ?? self.line, reason: reason)
    }

    // MARK: Document

    mutating func readDocument() throws(TOMLError) -> TOMLTable {
        let root = Node(line: 1, defined: true)
        var current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 } // UTF-8 BOM
        while true {
            skipBlankLinesAndComments()
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "[") {
                current = try readHeader(root: root)
            } else {
                let keyLine = line
                let key = try readKey()
                skipSpaces()
                guard peek() == UInt8(ascii: "=") else {
                    if peek() == UInt8(ascii: ".") { throw fail("dotted keys ('\(key).…') are not supported; use a [\(key)] table header") }
                    throw fail("expected '=' after the key '\(key)'")
                }
                position += 1
                skipSpaces()
                let value = try readValue(depth: 0)
                if current.entries[key] != nil { throw fail("the key '\(key)' is defined twice in the same table", line: keyLine) }
                current.set(key, .value(value))
                try expectEndOfLine()
            }
        }
        return root.freeze(file: file)
    }

    /// `[a.b]` or `[[a.b]]`; returns the node that following `key = value` lines fill.
    private mutating func readHeader(root: Node) throws(TOMLError) -> Node {
        let headerLine = line
        position += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { position += 1 }
        var path: [String] = []
        while true {
            skipSpaces()
            path.append(try readKey())
            skipSpaces()
            if peek() == UInt8(ascii: ".") {
                position += 1
                continue
            }
            break
        }
        guard peek() == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
        position += 1
        if isArray {
            guard peek() == UInt8(ascii: "]") else { throw fail("expected ']]' to close the array-of-tables header") }
            position += 1
        }
        try expectEndOfLine()

        let name = path.joined(separator: ".")
        var node = root
        for key in path.dropLast() {
            switch node.entries[key] {
            case nil:
                let child = Node(line: headerLine, defined: false)
                node.set(key, .table(child))
                node = child
            case .table(let child):
                node = child
            case .tableArray(let nodes, _):
                guard let last = nodes.last else { throw fail("'\(key)' has no element to add to", line: headerLine) }
                node = last
            case .value(let v):
                throw fail("[\(name)] reopens '\(key)', which is already \(v.typeDescription) (line \(v.line))", line: headerLine)
            }
        }
        guard let last = path.last else { throw fail("empty table header", line: headerLine) }
        if isArray {
            let element = Node(line: headerLine, defined: true)
            switch node.entries[last] {
            case nil:
                node.set(last, .tableArray([element], line: headerLine))
            case .tableArray(var nodes, let line):
                nodes.append(element)
                node.entries[last] = .tableArray(nodes, line: line)
            default:
                throw fail("[[\(name)]] is already defined as something other than an array of tables", line: headerLine)
            }
            return element
        } else {
            switch node.entries[last] {
            case nil:
                let child = Node(line: headerLine, defined: true)
                node.set(last, .table(child))
                return child
            case .table(let child) where !child.defined:
                child.defined = true
                return child
            default:
                throw fail("the table [\(name)] is defined twice", line: headerLine)
            }
        }
    }

    // MARK: Keys

    private mutating func readKey() throws(TOMLError) -> String {
        guard let byte = peek() else { throw fail("expected a key, found the end of the file") }
        if byte == UInt8(ascii: "\"") { return try readBasicString() }
        if byte == UInt8(ascii: "'") { return try readLiteralString() }
        let start = position
        while let b = peek(), Self.isBareKeyByte(b) { position += 1 }
        guard position > start else {
            throw fail("expected a key, found '\(Self.describe(byte))'")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    // MARK: Values

    private mutating func readValue(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth < 64 else { throw fail("values nested deeper than 64 levels") }
        let valueLine = line
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "#") else {
            throw fail("expected a value after '='")
        }
        switch byte {
        case UInt8(ascii: "\""):
            if matches("\"\"\"") { throw fail("multi-line strings are not supported") }
            return TOMLValue(.string(try readBasicString()), line: valueLine)
        case UInt8(ascii: "'"):
            if matches("'''") { throw fail("multi-line strings are not supported") }
            return TOMLValue(.string(try readLiteralString()), line: valueLine)
        case UInt8(ascii: "["):
            return try readArray(depth: depth)
        case UInt8(ascii: "{"):
            return try readInlineTable(depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if matchesWord("true") { position += 4; return TOMLValue(.bool(true), line: valueLine) }
            if matchesWord("false") { position += 5; return TOMLValue(.bool(false), line: valueLine) }
            throw fail("expected a value, found '\(scanWord())'; strings need quotes")
        default:
            return try readNumberOrDate()
        }
    }

    private mutating func readNumberOrDate() throws(TOMLError) -> TOMLValue {
        let valueLine = line
        let word = scanWord()
        let utf8 = Array(word.utf8)
        if utf8.count >= 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-") {
            guard utf8.count == 10, Self.isValidDate(utf8) else {
                throw fail("'\(word)' is not a date written YYYY-MM-DD (times are not supported)")
            }
            position += utf8.count
            return TOMLValue(.date(word), line: valueLine)
        }
        guard let text = Self.numberText(utf8) else {
            if word.isEmpty { throw fail("expected a value, found '\(Self.describe(peek() ?? 0))'") }
            throw fail("'\(word)' is not a number, boolean, date or quoted string")
        }
        position += utf8.count
        return TOMLValue(.number(text), line: valueLine)
    }

    /// The number's text without `_` separators, or nil if it is not a TOML integer or decimal.
    /// Underscores must sit between digits; leading zeros are rejected as TOML does; `inf`/`nan` and
    /// hex/octal/binary are outside the subset.
    static func numberText(_ utf8: [UInt8]) -> String? {
        var out: [UInt8] = []
        var i = 0
        if i < utf8.count, utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-") {
            if utf8[i] == UInt8(ascii: "-") { out.append(utf8[i]) }
            i += 1
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func digits(_ allowUnderscore: Bool) -> Int {
            var count = 0
            while i < utf8.count {
                let b = utf8[i]
                if isDigit(b) {
                    out.append(b)
                    count += 1
                    i += 1
                } else if allowUnderscore, b == UInt8(ascii: "_"), count > 0, i + 1 < utf8.count, isDigit(utf8[i + 1]) {
                    i += 1
                } else {
                    break
                }
            }
            return count
        }
        let intStart = i
        let intDigits = digits(true)
        guard intDigits > 0 else { return nil }
        if intDigits > 1 && utf8[intStart] == UInt8(ascii: "0") { return nil }
        if i < utf8.count, utf8[i] == UInt8(ascii: ".") {
            out.append(utf8[i])
            i += 1
            guard digits(true) > 0 else { return nil }
        }
        if i < utf8.count, utf8[i] == UInt8(ascii: "e") || utf8[i] == UInt8(ascii: "E") {
            out.append(UInt8(ascii: "e"))
            i += 1
            if i < utf8.count, utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-") {
                out.append(utf8[i])
                i += 1
            }
            guard digits(true) > 0 else { return nil }
        }
        guard i == utf8.count else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// "YYYY-MM-DD" with a real month and day.
    static func isValidDate(_ utf8: [UInt8]) -> Bool {
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for k in range {
                let b = utf8[k]
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year)
        else { return false }
        return true
    }

    private mutating func readArray(depth: Int) throws(TOMLError) -> TOMLValue {
        let startLine = line
        position += 1
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceNewlinesAndComments()
            guard let byte = peek() else { throw fail("this array is never closed with ']'", line: startLine) }
            if byte == UInt8(ascii: "]") {
                position += 1
                return TOMLValue(.array(items), line: startLine)
            }
            items.append(try readValue(depth: depth + 1))
            skipWhitespaceNewlinesAndComments()
            guard let next = peek() else { throw fail("this array is never closed with ']'", line: startLine) }
            if next == UInt8(ascii: ",") {
                position += 1
            } else if next != UInt8(ascii: "]") {
                throw fail("expected ',' or ']' in the array, found '\(Self.describe(next))'")
            }
        }
    }

    private mutating func readInlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        let startLine = line
        position += 1
        var keys: [(key: String, value: TOMLValue)] = []
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return TOMLValue(.table(TOMLTable(file: file, line: startLine, entries: [])), line: startLine)
        }
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "\n") || peek() == nil { throw fail("an inline table must be on one line; close it with '}'") }
            let key = try readKey()
            skipSpaces()
            guard peek() == UInt8(ascii: "=") else { throw fail("expected '=' after the key '\(key)' in the inline table") }
            position += 1
            skipSpaces()
            let value = try readValue(depth: depth + 1)
            if keys.contains(where: { $0.key == key }) { throw fail("the key '\(key)' is defined twice in the inline table") }
            keys.append((key, value))
            skipSpaces()
            guard let next = peek() else { throw fail("the inline table is never closed with '}'") }
            position += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") {
                return TOMLValue(.table(TOMLTable(file: file, line: startLine, entries: keys)), line: startLine)
            }
            position -= 1
            throw fail("expected ',' or '}' in the inline table, found '\(Self.describe(next))'")
        }
    }

    // MARK: Strings

    private mutating func readBasicString() throws(TOMLError) -> String {
        position += 1
        var out: [UInt8] = []
        while let b = peek() {
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = peek() else { throw fail("the string is never closed with '\"'") }
                position += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = e == UInt8(ascii: "u") ? 4 : 8
                    guard position + count <= bytes.count,
                          let value = UInt32(String(decoding: bytes[position..<position + count], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(value)
                    else { throw fail("invalid \\\(Self.describe(e)) escape in a string") }
                    position += count
                    out.append(contentsOf: Array(String(scalar).utf8))
                default:
                    throw fail("invalid escape '\\\(Self.describe(e))' in a string")
                }
            case UInt8(ascii: "\n"):
                throw fail("the string is never closed with '\"' on its line")
            default:
                if b < 0x20 && b != 0x09 { throw fail("control character in a string") }
                out.append(b)
            }
        }
        throw fail("the string is never closed with '\"'")
    }

    private mutating func readLiteralString() throws(TOMLError) -> String {
        position += 1
        let start = position
        while let b = peek() {
            if b == UInt8(ascii: "'") {
                let s = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return s
            }
            if b == UInt8(ascii: "\n") { break }
            position += 1
        }
        throw fail("the string is never closed with \"'\" on its line")
    }

    // MARK: Whitespace and lines

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private func matches(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let p = text.utf8Start
        for k in 0..<count where bytes[position + k] != p[k] { return false }
        return true
    }

    /// `word` followed by a value terminator (so `trueish` is not `true`).
    private func matchesWord(_ text: StaticString) -> Bool {
        guard matches(text) else { return false }
        let end = position + text.utf8CodeUnitCount
        return end == bytes.count || Self.isTerminator(bytes[end])
    }

    /// The run of bytes up to the next value terminator, without consuming it.
    private func scanWord() -> String {
        var end = position
        while end < bytes.count, !Self.isTerminator(bytes[end]) { end += 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private static func isTerminator(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ",") || b == UInt8(ascii: "]")
            || b == UInt8(ascii: "}") || b == UInt8(ascii: "#")
    }

    private mutating func skipSpaces() {
        while let b = peek(), b == 0x20 || b == 0x09 { position += 1 }
    }

    private mutating func skipComment() {
        if peek() == UInt8(ascii: "#") {
            while let b = peek(), b != 0x0A { position += 1 }
        }
    }

    private mutating func skipBlankLinesAndComments() {
        while true {
            skipSpaces()
            skipComment()
            if peek() == 0x0D, position + 1 < bytes.count, bytes[position + 1] == 0x0A { position += 1 }
            guard peek() == 0x0A else { return }
            position += 1
            line += 1
        }
    }

    private mutating func skipWhitespaceNewlinesAndComments() { skipBlankLinesAndComments() }

    private mutating func expectEndOfLine() throws(TOMLError) {
        skipSpaces()
        skipComment()
        if peek() == 0x0D { position += 1 }
        guard let b = peek() else { return }
        guard b == 0x0A else { throw fail("unexpected '\(scanWordOrByte())' after the value; one key = value per line") }
        position += 1
        line += 1
    }

    private func scanWordOrByte() -> String {
        let word = scanWord()
        return word.isEmpty ? Self.describe(peek() ?? 0) : word
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }
}
