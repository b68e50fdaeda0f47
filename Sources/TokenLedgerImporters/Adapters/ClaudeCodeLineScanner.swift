import Foundation
import TokenLedgerCore

/// A string member's value as the scanner found it: where its text lies in the line when it has no
/// escape and no control byte (its bytes are its text, as `JSONParser` would decode them), else the
/// text decoded by `JSONParser`. The caller makes a `String` only of what it keeps.
enum ClaudeCodeText: Equatable {
    case bytes(Range<Int>)
    case decoded(String)

    /// The text, from the line the scanner read.
    func string(in line: UnsafeRawBufferPointer) -> String {
        switch self {
        case .bytes(let range): return String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self)
        case .decoded(let text): return text
        }
    }

    /// Whether the text is `literal` (ASCII), without making a `String` of it.
    func equals(_ literal: StaticString, in line: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .bytes(let range): return UnsafeRawBufferPointer(rebasing: line[range]).equals(literal)
        case .decoded(let text): return text == literal.description
        }
    }
}

/// The fields of one Claude Code log line that carry usage, picked out of the raw bytes. String
/// members are `ClaudeCodeText`: a range of the line read, or text decoded from escapes.
struct ClaudeCodeLine {
    var type: ClaudeCodeText?
    var timestamp: ClaudeCodeText?
    var requestID: ClaudeCodeText?
    var sessionID: ClaudeCodeText?
    var cwd: ClaudeCodeText?
    var gitBranch: ClaudeCodeText?
    var uuid: ClaudeCodeText?
    var isSidechain = false
    var isAPIError = false
    var costUSD: JSONValue?
    var messageID: ClaudeCodeText?
    var model: ClaudeCodeText?
    var role: ClaudeCodeText?
    /// `message.usage` read member by member (`ClaudeCodeUsage`) when it has the plain shape; else nil
    /// and `usage` holds the object parsed whole.
    var plainUsage: ClaudeCodeUsage?
    var usage: JSONValue?
}

/// Reads the few fields of a Claude Code line that matter (top level and `message.{id, model, usage}`)
/// and *skips* everything else — the message content, tool inputs and thinking text that make up most
/// of an assistant line's bytes — without decoding or allocating. Wanted values are handed to
/// `JSONParser` as sub-slices, so numbers keep their exact text and string escapes decode the same way;
/// a wanted string without escapes is handed back as its place in the line (`ClaudeCodeText`), so a
/// value the caller does not keep, or keeps from the line before, costs no `String`.
///
/// Why not `JSONParser.parse` on the whole line: it decodes every string, and content with escapes
/// (code, file contents in tool inputs) goes through its byte-by-byte slow path; on assistant lines
/// that is most of the parse time. Skipped values are checked only for structure (quotes and brackets
/// balance), which is all that is needed to find the fields after them; a line cut short still fails.
/// Cost: one pass over the line, strings skipped eight bytes a step; allocation only for wanted values
/// with escapes (and `costUSD` or a usage object not of the plain shape).
struct ClaudeCodeLineScanner {
    struct Failure: Error {
        var reason: String
        var offset: Int
    }

    private let b: UnsafeRawBufferPointer
    private var i = 0

    private init(_ b: UnsafeRawBufferPointer) { self.b = b }

    /// Scans one line; throws when its structure is broken (e.g. cut short).
    static func scan(_ line: UnsafeRawBufferPointer) throws(Failure) -> ClaudeCodeLine {
        var out = ClaudeCodeLine()
        try scan(line, into: &out)
        return out
    }

    /// Scans one line into `out` (fresh: members the line lacks are left as they are), which the
    /// caller owns: the fields are written in place, not copied out of the scan.
    static func scan(_ line: UnsafeRawBufferPointer, into out: inout ClaudeCodeLine) throws(Failure) {
        var s = ClaudeCodeLineScanner(line)
        s.whitespace()
        try s.object { (s: inout ClaudeCodeLineScanner, key: UnsafeRawBufferPointer) throws(Failure) in
            if key.equals("type") { out.type = try s.text() }
            else if key.equals("timestamp") { out.timestamp = try s.text() }
            else if key.equals("requestId") { out.requestID = try s.text() }
            else if key.equals("sessionId") { out.sessionID = try s.text() }
            else if key.equals("cwd") { out.cwd = try s.text() }
            else if key.equals("gitBranch") { out.gitBranch = try s.text() }
            else if key.equals("uuid") { out.uuid = try s.text() }
            else if key.equals("isSidechain") { out.isSidechain = try s.bool() ?? false }
            else if key.equals("isApiErrorMessage") { out.isAPIError = try s.bool() ?? false }
            else if key.equals("costUSD") { out.costUSD = try s.value() }
            else if key.equals("message"), s.peek == UInt8(ascii: "{") {
                try s.object { (s: inout ClaudeCodeLineScanner, key: UnsafeRawBufferPointer) throws(Failure) in
                    if key.equals("id") { out.messageID = try s.text() }
                    else if key.equals("model") { out.model = try s.text() }
                    else if key.equals("role") { out.role = try s.text() }
                    else if key.equals("usage") {
                        if let (usage, end) = ClaudeCodeUsage.read(s.b, at: s.i) {
                            out.plainUsage = usage
                            out.usage = nil
                            s.i = end
                        } else {
                            out.usage = try s.value()
                            out.plainUsage = nil
                        }
                    }
                    else { try s.skipValue() }
                }
            } else { try s.skipValue() }
        }
        s.whitespace()
        guard s.i == s.b.count else { throw Failure(reason: "unexpected data after the JSON object", offset: s.i) }
    }

    private var peek: UInt8? { i < b.count ? b[i] : nil }

    private func fail(_ reason: String) -> Failure { Failure(reason: reason, offset: i) }

    private mutating func whitespace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    /// Moves past `c`, or fails naming `what` was expected. Inlined, the failure made out of line: the
    /// call cost about 30 instructions for each of a line's 40-odd colons and braces.
    @inline(__always)
    private mutating func expect(_ c: UInt8, _ what: StaticString) throws(Failure) {
        guard i < b.count, b[i] == c else { throw missing(what) }
        i += 1
    }

    @inline(never)
    private func missing(_ what: StaticString) -> Failure {
        i < b.count ? fail("expected \(what)") : fail("the line ends early (expected \(what))")
    }

    /// Walks an object's members, calling `member` positioned at each value (which it must consume).
    private mutating func object(_ member: (inout ClaudeCodeLineScanner, UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"), "'{'")
        whitespace()
        if peek == UInt8(ascii: "}") { i += 1; return }
        while true {
            whitespace()
            guard peek == UInt8(ascii: "\"") else { throw fail(i < b.count ? "expected a key" : "the line ends early (expected a key)") }
            let start = i + 1
            try skipString()
            let key = UnsafeRawBufferPointer(rebasing: b[start..<(i - 1)])
            whitespace()
            try expect(UInt8(ascii: ":"), "':'")
            whitespace()
            try member(&self, key)
            whitespace()
            guard i < b.count else { throw fail("the line ends early (an object is not closed)") }
            let c = b[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { return }
            i -= 1
            throw fail("expected ',' or '}'")
        }
    }

    /// The value here, parsed exactly by `JSONParser`.
    private mutating func value() throws(Failure) -> JSONValue {
        let start = i
        try skipValue()
        do { return try JSONParser.parse(UnsafeRawBufferPointer(rebasing: b[start..<i])) } catch {
            throw Failure(reason: error.reason, offset: start + error.offset)
        }
    }

    /// The boolean value here, or nil for any other value (parsed and dropped): `true` and `false`
    /// are taken from their bytes, anything else is parsed by `JSONParser` as `value()` would.
    private mutating func bool() throws(Failure) -> Bool? {
        let start = i
        try skipValue()
        let literal = UnsafeRawBufferPointer(rebasing: b[start..<i])
        if literal.equals("true") { return true }
        if literal.equals("false") { return false }
        i = start
        return try value().bool
    }

    /// The string value here, or nil for any other value (parsed and dropped). A string without a
    /// backslash or control byte is handed back as its range in the line; one with escapes is decoded
    /// by `JSONParser`, as `value()` would (most fields read are plain ids, times and paths: this skips
    /// a parser set-up and a `JSONValue` per field, and the caller makes a `String` only of what it keeps).
    private mutating func text() throws(Failure) -> ClaudeCodeText? {
        guard peek == UInt8(ascii: "\"") else { return try value().string.map(ClaudeCodeText.decoded) }
        let start = i
        guard b.baseAddress != nil else { throw fail("empty line") }
        guard let (end, plain) = Self.endOfString(in: b, openingAt: i) else { throw fail("the line ends early (a string is not closed)") }
        guard plain else { return try value().string.map(ClaudeCodeText.decoded) }
        i = end
        return .bytes((start + 1)..<(end - 1))
    }

    /// Moves past one value, checking only that strings end and brackets balance.
    private mutating func skipValue() throws(Failure) {
        guard i < b.count else { throw fail("the line ends early (expected a value)") }
        switch b[i] {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") { try skipString(); continue }
                if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
                else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { i += 1; return }
                }
                i += 1
            }
            throw fail("the line ends early (an object or array is not closed)")
        default:
            let start = i
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x09 { break }
                i += 1
            }
            if i == start { throw fail("expected a value") }
        }
    }

    /// Moves past a string starting at its opening quote (`endOfString`).
    private mutating func skipString() throws(Failure) {
        guard b.baseAddress != nil else { throw fail("empty line") }
        guard let end = Self.endOfString(in: b, openingAt: i)?.end else { throw fail("the line ends early (a string is not closed)") }
        i = end
    }

    /// Just past the quote that closes the string opening at `quote`, and whether the string is plain
    /// (no backslash, no byte below 0x20: its bytes are its text); nil when the bytes end first.
    /// Sixteen bytes a step (eight for the last fewer than sixteen; `JSONParser.stringSpecialLanes`, exact
    /// per byte) up to the next quote, backslash or control byte; a backslash and the byte it
    /// escapes are passed together, so the first quote met outside an escape closes the string (the
    /// same quote as counting the backslashes before each quote). Keys and ids end within a step or
    /// two, without the call a `memchr` costs.
    static func endOfString(in b: UnsafeRawBufferPointer, openingAt quote: Int) -> (end: Int, plain: Bool)? {
        guard let base = b.baseAddress else { return nil }
        let n = b.count
        var j = quote + 1
        var plain = true
        while j < n {
            while j + 16 <= n {
                let hits = JSONParser.stringSpecialLanes(base.loadUnaligned(fromByteOffset: j, as: SIMD16<UInt8>.self))
                if hits[0] | hits[1] != 0 {
                    j += hits[0] != 0 ? hits[0].trailingZeroBitCount >> 3 : 8 + hits[1].trailingZeroBitCount >> 3
                    break
                }
                j += 16
            }
            while j + 16 > n, j + 8 <= n {
                let hits = JSONParser.stringSpecialBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt64.self)))
                if hits != 0 {
                    j += hits.trailingZeroBitCount >> 3
                    break
                }
                j += 8
            }
            guard j < n else { break }
            let c = base.load(fromByteOffset: j, as: UInt8.self)
            if c == 0x22 { return (j + 1, plain) }
            if c == 0x5C {
                plain = false
                j += 2
            } else {
                if c < 0x20 { plain = false }
                j += 1
            }
        }
        return nil
    }

}
