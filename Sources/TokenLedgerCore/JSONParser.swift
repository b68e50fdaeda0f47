/// A strict, allocation-light JSON parser over UTF-8 bytes that keeps numbers as text.
///
/// Cost: one pass over the bytes; one `String` per string and number, one array per container.
/// Strings without escapes are decoded straight from the byte slice. Depth is capped at 512 so a
/// hostile file cannot overflow the stack.
public struct JSONParser {
    /// Where and why a JSON text is malformed; `message` names the byte offset.
    public struct Error: UserFacingError, Equatable {
        /// The byte offset of the problem from the start of the text.
        public var offset: Int
        /// What is wrong there ("unexpected data after the JSON value").
        public var reason: String
        public var message: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Parses one JSON document; trailing whitespace is allowed, anything else after it is an error.
    public static func parse(_ text: String) throws(Error) -> JSONValue {
        var copy = text
        return try copy.withUTF8 { parseResult(UnsafeRawBufferPointer($0)) }.get()
    }

    /// Parses one JSON document from bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Error) -> JSONValue {
        if let result = bytes.withContiguousStorageIfAvailable({ parseResult(UnsafeRawBufferPointer($0)) }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBytes { parseResult($0) }.get()
    }

    private static func parseResult(_ buffer: UnsafeRawBufferPointer) -> Result<JSONValue, Error> {
        Result { () throws(Error) -> JSONValue in try parse(buffer) }
    }

    /// Parses one JSON document from a buffer of UTF-8 bytes; cost: one pass, nothing copied first.
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws(Error) -> JSONValue {
        var parser = JSONParser(buffer: buffer)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != buffer.count { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    // Internal, not private: the member-by-member reader's smallest steps are inlined into their callers.
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline var position = 0
    /// Member-by-member reading (`nextKey`): the last token read was an object's `{`.
    @usableFromInline var afterOpen = false

    private init(buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    private func error(_ reason: String) -> Error { Error(offset: position, reason: reason) }

    /// Moves past blanks; one comparison when there are none (a compact log line has none).
    @inline(__always)
    private mutating func skipWhitespace() {
        guard position < buffer.count, buffer[position] <= 0x20 else { return }
        skipBlanks()
    }

    private mutating func skipBlanks() {
        while position < buffer.count {
            let b = buffer[position]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 } else { break }
        }
    }

    private mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
        guard depth < 512 else { throw error("nesting deeper than 512 levels") }
        guard position < buffer.count else { throw error("unexpected end of input") }
        switch buffer[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(Unicode.Scalar(buffer[position]))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(Error) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= buffer.count else { throw error("unexpected end of input") }
        let ptr = literal.utf8Start
        for i in 0..<count where buffer[position + i] != ptr[i] {
            throw error("invalid literal")
        }
        position += count
    }

    private mutating func parseObject(depth: Int) throws(Error) -> JSONValue {
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(8) // log objects have 5-40 keys: one allocation instead of 3-4 regrowths
        skipWhitespace()
        if position < buffer.count && buffer[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append((key, value))
            skipWhitespace()
            guard position < buffer.count else { throw error("unterminated object") }
            let b = buffer[position]
            position += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { return .object(JSONObject(members)) }
            position -= 1
            throw error("expected ',' or '}' in object")
        }
    }

    private mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < buffer.count && buffer[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard position < buffer.count else { throw error("unterminated array") }
            let b = buffer[position]
            position += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { return .array(elements) }
            position -= 1
            throw error("expected ',' or ']' in array")
        }
    }

    private mutating func parseNumber() throws(Error) -> String {
        let start = position
        try scanNumber()
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
    }

    /// Validates a number and moves past it.
    private mutating func scanNumber() throws(Error) {
        if buffer[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) { position += 1 }
        if position == digitsStart { throw error("a number needs digits") }
        if buffer[digitsStart] == UInt8(ascii: "0") && position - digitsStart > 1 { throw error("leading zeros in a number") }
        if position < buffer.count && buffer[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) { position += 1 }
            if position == fractionStart { throw error("a fraction needs digits") }
        }
        if position < buffer.count && (buffer[position] == UInt8(ascii: "e") || buffer[position] == UInt8(ascii: "E")) {
            position += 1
            if position < buffer.count && (buffer[position] == UInt8(ascii: "+") || buffer[position] == UInt8(ascii: "-")) { position += 1 }
            let expStart = position
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) { position += 1 }
            if position == expStart { throw error("an exponent needs digits") }
        }
    }

    /// Moves `position` over string bytes that need no attention (`plainStringEnd`).
    @inline(__always)
    private mutating func skipPlainStringBytes() {
        position = JSONParser.plainStringEnd(buffer, from: position)
    }

    /// The offset of the first quote, backslash or control byte of `buffer` from `start` on, or of
    /// the first of the last fewer than eight bytes when none is before them. Sixteen bytes a step,
    /// then eight; in local variables, so nothing is stored back per step.
    @inline(__always)
    static func plainStringEnd(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = buffer.baseAddress else { return start }
        let count = buffer.count
        var p = start
        while count &- p >= 16 {
            let special = stringSpecialLanes(base.loadUnaligned(fromByteOffset: p, as: SIMD16<UInt8>.self))
            if special[0] | special[1] != 0 {
                return p &+ (special[0] != 0 ? special[0].trailingZeroBitCount >> 3 : 8 &+ special[1].trailingZeroBitCount >> 3)
            }
            p &+= 16
        }
        while count &- p >= 8 {
            let special = stringSpecialBytes(base.loadUnaligned(fromByteOffset: p, as: UInt64.self))
            if special != 0 { return p &+ special.trailingZeroBitCount >> 3 }
            p &+= 8
        }
        return p
    }

    private mutating func parseString() throws(Error) -> String {
        position += 1 // opening quote
        let start = position
        // Fast path: no escapes — decode the slice directly.
        while position < buffer.count {
            skipPlainStringBytes()
            guard position < buffer.count else { break }
            let b = buffer[position]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
                position += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in a string") }
            position += 1
        }
        // Slow path: escapes present.
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[start..<position]))
        while position < buffer.count {
            let b = buffer[position]
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < buffer.count else { throw error("unterminated escape") }
                let e = buffer[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by \uDC00-\uDFFF; otherwise U+FFFD.
                        if position + 1 < buffer.count, buffer[position] == UInt8(ascii: "\\"), buffer[position + 1] == UInt8(ascii: "u") {
                            position += 2
                            let low = try parseHex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                appendScalar(0xFFFD, to: &bytes)
                                scalar = low
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    appendScalar(scalar, to: &bytes)
                default:
                    throw error("invalid escape '\\\(Unicode.Scalar(e))'")
                }
            default:
                if b < 0x20 { throw error("control character in a string") }
                bytes.append(b)
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseHex4() throws(Error) -> UInt32 {
        guard position + 4 <= buffer.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = buffer[position]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - 55)
            default: throw error("bad hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func appendScalar(_ value: UInt32, to bytes: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        bytes.append(contentsOf: Array(String(scalar).utf8))
    }
}

// MARK: Reading only the members a caller needs

extension JSONParser {
    /// Parses one JSON document like `parse(_:)`, but when it is an object, members whose key is not
    /// in `keys` are checked and skipped without building their values (no strings, no arrays).
    /// For log lines whose bulk is text the caller never reads (a chat response's `choices`).
    /// Cost: one pass over the bytes, as `parse`; keys are compared as bytes, so a skipped member
    /// allocates nothing. The result is an object holding only the kept members; malformed JSON
    /// anywhere is an error.
    public static func parse(_ buffer: UnsafeRawBufferPointer, keepingTopLevelKeys keys: KeySet) throws(Error) -> JSONValue {
        var parser = JSONParser(buffer: buffer)
        parser.skipWhitespace()
        guard parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") else {
            return try parse(buffer)
        }
        let value = try parser.parseObject(depth: 0, keeping: keys)
        parser.skipWhitespace()
        if parser.position != buffer.count { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    /// `parse(_:keepingTopLevelKeys:)` over an array of bytes.
    public static func parse(_ bytes: [UInt8], keepingTopLevelKeys keys: KeySet) throws(Error) -> JSONValue {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(Error) -> JSONValue in try parse(buffer, keepingTopLevelKeys: keys) }
        }.get()
    }

    /// The member names a filtered parse keeps, held as UTF-8 bytes for comparison in place.
    public struct KeySet: Sendable, ExpressibleByArrayLiteral {
        let names: [[UInt8]]

        /// The set of these member names.
        public init(_ names: some Sequence<String>) { self.names = names.map { Array($0.utf8) } }
        public init(arrayLiteral names: String...) { self.init(names) }

        func contains(_ key: UnsafeRawBufferPointer) -> Bool {
            for name in names where name.count == key.count {
                if name.withUnsafeBytes({ $0.elementsEqual(key) }) { return true }
            }
            return false
        }
    }

    private mutating func parseObject(depth: Int, keeping keys: KeySet) throws(Error) -> JSONValue {
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if position < buffer.count && buffer[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = position + 1
            try skipShortString()
            let rawKey = UnsafeRawBufferPointer(rebasing: buffer[keyStart..<(position - 1)])
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            position += 1
            skipWhitespace()
            // Keys with escapes never match (the names callers ask for are plain).
            if keys.contains(rawKey) {
                members.append((String(decoding: rawKey, as: UTF8.self), try parseValue(depth: depth + 1)))
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            guard position < buffer.count else { throw error("unterminated object") }
            let b = buffer[position]
            position += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { return .object(JSONObject(members)) }
            position -= 1
            throw error("expected ',' or '}' in object")
        }
    }

    /// Validates one value and moves past it, building nothing.
    private mutating func skipValue(depth: Int) throws(Error) {
        guard depth < 512 else { throw error("nesting deeper than 512 levels") }
        guard position < buffer.count else { throw error("unexpected end of input") }
        switch buffer[position] {
        case UInt8(ascii: "{"):
            position += 1
            skipWhitespace()
            if position < buffer.count && buffer[position] == UInt8(ascii: "}") { position += 1; return }
            while true {
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                try skipShortString()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
                position += 1
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard position < buffer.count else { throw error("unterminated object") }
                let b = buffer[position]
                position += 1
                if b == UInt8(ascii: ",") { continue }
                if b == UInt8(ascii: "}") { return }
                position -= 1
                throw error("expected ',' or '}' in object")
            }
        case UInt8(ascii: "["):
            position += 1
            skipWhitespace()
            if position < buffer.count && buffer[position] == UInt8(ascii: "]") { position += 1; return }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard position < buffer.count else { throw error("unterminated array") }
                let b = buffer[position]
                position += 1
                if b == UInt8(ascii: ",") { continue }
                if b == UInt8(ascii: "]") { return }
                position -= 1
                throw error("expected ',' or ']' in array")
            }
        case UInt8(ascii: "\""): try skipShortString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(buffer[position]))'")
        }
    }

    /// Skips the string that starts here, validated. The common case is inline: a string whose closing
    /// quote is within the sixteen bytes after its opening one, with no escape or control character
    /// before it (a key, a name) costs one vector step here instead of a call. Anything else goes on in
    /// `skipString(from:)` from the first byte this step did not pass (from the first byte of the text
    /// when fewer than sixteen are left). A chat line has about 30 strings, most of them keys and names.
    @inline(__always)
    private mutating func skipShortString() throws(Error) {
        let start = position &+ 1
        if let base = buffer.baseAddress, buffer.count &- start >= 16 {
            let special = JSONParser.stringSpecialLanes(base.loadUnaligned(fromByteOffset: start, as: SIMD16<UInt8>.self))
            let first = special[0] != 0 ? special[0].trailingZeroBitCount >> 3 : 8 &+ special[1].trailingZeroBitCount >> 3
            if first < 16 && base.load(fromByteOffset: start &+ first, as: UInt8.self) == UInt8(ascii: "\"") {
                position = start &+ first &+ 1
                return
            }
            try skipString(from: start &+ first)
            return
        }
        try skipString(from: start)
    }

    /// Validates the rest of a string from `start` (a byte of its text, not inside an escape:
    /// escapes, no control characters) and moves past its closing quote.
    ///
    /// Cost: sixteen bytes per step while none of them is a quote, a backslash or a control character
    /// (most of a skipped answer's text), then eight, then one byte at a time up to the next such
    /// byte. Byte by byte throughout, skipping took a fifth of parsing a 780-byte chat line.
    private mutating func skipString(from start: Int) throws(Error) {
        let count = buffer.count
        var p = start
        while true {
            p = JSONParser.plainStringEnd(buffer, from: p)
            guard p < count else { break }
            let b = buffer[p]
            p &+= 1
            if b == UInt8(ascii: "\"") {
                position = p
                return
            }
            if b < 0x20 {
                position = p &- 1
                throw error("control character in a string")
            }
            if b == UInt8(ascii: "\\") {
                position = p
                guard p < count else { throw error("unterminated escape") }
                let e = buffer[p]
                p &+= 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    position = p
                    _ = try parseHex4()
                    p = position
                default:
                    position = p
                    throw error("invalid escape '\\\(Unicode.Scalar(e))'")
                }
            }
        }
        position = p
        throw error("unterminated string")
    }

    /// The bytes of `lanes` (sixteen string bytes, the first in lane 0) that are `"`, `\\` or below
    /// 0x20, as their high bits, in two little-endian words (the first eight bytes in word 0, the first
    /// byte in its low bits); both 0 when none is. Lane by lane, so exact: `(x ^ 0x22) &- 1` has its
    /// high bit set for `"` and otherwise only for bytes of 0x80 and above, likewise `(x ^ 0x5C) &- 1`
    /// for `\\`, `x &- 0x20` for bytes below 0x20; `& ~x` then clears every byte of 0x80 and above.
    /// Swift lowers these element-wise operations to one vector instruction each (SSE2, NEON); its
    /// vector `.==` and `any` go lane by lane through memory (Swift 6.3), so they are not used.
    @inlinable @inline(__always)
    package static func stringSpecialLanes(_ lanes: SIMD16<UInt8>) -> SIMD2<UInt64> {
        let one = SIMD16<UInt8>(repeating: 1)
        let wrapped = ((lanes ^ SIMD16(repeating: 0x22)) &- one) | ((lanes ^ SIMD16(repeating: 0x5C)) &- one)
            | (lanes &- SIMD16(repeating: 0x20))
        return unsafeBitCast(wrapped & ~lanes & SIMD16(repeating: 0x80), to: SIMD2<UInt64>.self)
    }

    /// The bytes of `word` (eight string bytes, little-endian: the first in the low bits) that may be
    /// `"`, `\\` or below 0x20, as their high bits; 0 when none is. SWAR: `(x - 0x01…) & ~x & 0x80…`
    /// flags zero bytes, `(x - 0x20…) & ~x & 0x80…` bytes below 0x20. A borrow can flag a byte above
    /// a real match but never one below it, so the lowest flag is the first special byte and
    /// `trailingZeroBitCount / 8` is its offset. Little-endian only (every platform Swift ships on
    /// Linux and Apple).
    @inlinable @inline(__always)
    package static func stringSpecialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control) & high
    }
}

// MARK: Reading a known shape member by member

extension JSONParser {
    /// A forward-only reader over one JSON document, for a hot path that wants a few fields of a known
    /// shape (an OpenAI chat line's id, model and usage) without building a `JSONValue` tree: the
    /// caller walks objects with `beginObject`/`nextKey` and reads, descends into or skips each value.
    /// Skipped values are validated as in `parse` (no strings, no arrays). Cost: one pass over the
    /// bytes, a `String` only for what the caller reads as one.
    ///
    /// Any error leaves the reader at an unspecified position: callers treat it as "not the shape I
    /// know" and read the bytes again with `parse` (which also words the error for the user).
    public init(scanning buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        skipWhitespace()
    }

    /// Enters the object that starts here (true), or returns false and moves nowhere when the next
    /// value is not an object.
    @inlinable
    public mutating func beginObject() -> Bool {
        guard position < buffer.count, buffer[position] == UInt8(ascii: "{") else { return false }
        position += 1
        afterOpen = true
        return true
    }

    /// The next member's key in the object being read, as its raw bytes (escapes not decoded: a key
    /// with a backslash is one the caller does not know), with the reader on its value; nil, past the
    /// closing `}`, at the object's end. The value must be read, entered or skipped before the next call.
    public mutating func nextKey() throws(Error) -> UnsafeRawBufferPointer? {
        skipWhitespace()
        guard position < buffer.count else { throw error("unterminated object") }
        if buffer[position] == UInt8(ascii: "}") {
            position += 1
            afterOpen = false
            return nil
        }
        if !afterOpen {
            guard buffer[position] == UInt8(ascii: ",") else { throw error("expected ',' or '}' in object") }
            position += 1
            skipWhitespace()
        }
        afterOpen = false
        guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let keyStart = position + 1
        try skipShortString()
        let key = UnsafeRawBufferPointer(rebasing: buffer[keyStart..<(position - 1)])
        skipWhitespace()
        guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
        position += 1
        skipWhitespace()
        return key
    }

    /// Moves onto the value of the next member when its key is `name`, written plainly and compactly
    /// (`"name":` and the value right after the object's `{`, or right after the `,` that follows the
    /// value before), and returns true; otherwise returns false, moving nowhere, and `nextKey()` reads
    /// whatever is next. For a reader that knows the order members usually come in: a right guess costs a
    /// comparison of the key's bytes, about a tenth of `nextKey()` and the caller's look-up of the key
    /// it returns. `name` must be a key as written, with no character that needs an escape.
    @inlinable
    public mutating func nextKey(is name: StaticString) -> Bool {
        guard let base = buffer.baseAddress else { return false }
        let count = name.utf8CodeUnitCount
        var p = position
        if !afterOpen {
            guard p < buffer.count, base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: ",") else { return false }
            p &+= 1
        }
        // The quotes, the name, the colon and a value's first byte (a blank there: the general way).
        guard buffer.count &- p >= count &+ 4, base.load(fromByteOffset: p, as: UInt8.self) == UInt8(ascii: "\""),
              base.load(fromByteOffset: p &+ count &+ 1, as: UInt8.self) == UInt8(ascii: "\""),
              base.load(fromByteOffset: p &+ count &+ 2, as: UInt8.self) == UInt8(ascii: ":"),
              base.load(fromByteOffset: p &+ count &+ 3, as: UInt8.self) > 0x20,
              JSONParser.equalBytes(base + (p &+ 1), UnsafeRawPointer(name.utf8Start), count: count) else { return false }
        position = p &+ count &+ 3
        afterOpen = false
        return true
    }

    /// Whether the `count` bytes at `a` and at `b` are the same: eight at a time, then the last
    /// eight again (overlapping), or one at a time when there are fewer than eight.
    @inlinable @inline(__always)
    static func equalBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        guard count >= 8 else {
            for i in 0..<count where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
                return false
            }
            return true
        }
        var i = 0
        while count &- i > 8 {
            guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
            i &+= 8
        }
        return a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
    }

    /// Validates the value that starts here and moves past it, building nothing.
    public mutating func skipValue() throws(Error) {
        try skipValue(depth: 1)
    }

    /// The value that starts here, built as `parse` builds it.
    public mutating func readValue() throws(Error) -> JSONValue {
        try parseValue(depth: 1)
    }

    /// The string that starts here (escapes decoded), or nil, moving nowhere, when the value is not a string.
    public mutating func readString() throws(Error) -> String? {
        guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { return nil }
        return try parseString()
    }

    /// The bytes of the string that starts here when it has no escapes (validated, quotes excluded),
    /// moving past it; nil, moving nowhere, when the value is not a string or has an escape. For
    /// callers that compare or memoize names before making a `String` of them.
    public mutating func readPlainStringBytes() -> UnsafeRawBufferPointer? {
        guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { return nil }
        let opening = position
        position += 1
        let start = position
        while true {
            skipPlainStringBytes()
            guard position < buffer.count else { position = opening; return nil }
            let b = buffer[position]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") || b < 0x20 { position = opening; return nil }
            position += 1
        }
        position += 1
        return UnsafeRawBufferPointer(rebasing: buffer[start..<(position - 1)])
    }

    /// True, past it, when the value here is `null`; false, moving nowhere, otherwise.
    @inlinable
    public mutating func readNull() -> Bool {
        guard position + 4 <= buffer.count, buffer[position] == UInt8(ascii: "n"), buffer[position + 1] == UInt8(ascii: "u"),
              buffer[position + 2] == UInt8(ascii: "l"), buffer[position + 3] == UInt8(ascii: "l") else { return false }
        position += 4
        return true
    }

    /// The value here when it is a plain whole number: 1 to 18 digits, no sign, no leading zero, no
    /// fraction or exponent (a token count, a Unix time). Otherwise nil, moving nowhere.
    @inlinable
    public mutating func readPlainWholeNumber() -> Int? {
        var p = position
        var value = 0
        while p < buffer.count {
            let digit = buffer[p] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ Int(digit)
            p += 1
        }
        let digits = p - position
        guard digits >= 1, digits <= 18, digits == 1 || buffer[position] != UInt8(ascii: "0") else { return nil }
        if p < buffer.count {
            let b = buffer[p]
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { return nil }
        }
        position = p
        return value
    }

    /// How far the reader has read: the offset from the buffer's start of the next byte to read (just
    /// past a value read or skipped, or an object's `}` after `nextKey` returned nil).
    package var offset: Int { position }

    /// True when only whitespace is left.
    public mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return position == buffer.count
    }
}
