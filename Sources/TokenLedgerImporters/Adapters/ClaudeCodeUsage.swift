import Foundation
import TokenLedgerCore

/// The usage fields a Claude Code assistant line is priced from, read member by member from the bytes
/// of `message.usage` when it has the plain shape Claude Code writes: keys without escapes, whole
/// non-negative token counts (or null), strings without escapes, booleans and nested objects of those.
/// Any other shape (a fraction, a negative or huge count, an escape, an array, a repeated key, a
/// non-ASCII byte) is declined, and the line's usage is parsed whole by `JSONParser` as before; what is
/// accepted is valid JSON that `JSONParser` reads to the same values (a test compares both readers).
/// Cost: one pass over the object's bytes, no allocation but the tier strings; the whole parse built
/// an object of about a dozen members on three levels, then looked members up by name a dozen times.
struct ClaudeCodeUsage: Equatable {
    var inputTokens: Int?
    var outputTokens: Int?
    var cacheReadInputTokens: Int?
    var cacheCreationInputTokens: Int?
    var ephemeral5mInputTokens: Int?
    var ephemeral1hInputTokens: Int?
    var thinkingTokens: Int?
    var webSearchRequests: Int?
    var speed: String?
    var serviceTier: String?

    /// Reads the object starting at `start` (its `{`); the fields and the index just past its `}`, or
    /// nil when the object is not of the plain shape.
    static func read(_ b: UnsafeRawBufferPointer, at start: Int) -> (usage: ClaudeCodeUsage, end: Int)? {
        var reader = Reader(b: b, i: start)
        var usage = ClaudeCodeUsage()
        var seen: UInt16 = 0
        let ok = reader.object { reader, key in
            let bit: UInt16
            switch key {
            case .inputTokens: bit = 1 << 0
            case .outputTokens: bit = 1 << 1
            case .cacheReadInputTokens: bit = 1 << 2
            case .cacheCreationInputTokens: bit = 1 << 3
            case .cacheCreation: bit = 1 << 4
            case .outputTokensDetails: bit = 1 << 5
            case .serverToolUse: bit = 1 << 6
            case .speed: bit = 1 << 7
            case .serviceTier: bit = 1 << 8
            case .other: return reader.skipPlainValue(depth: 0)
            default: return false  // a member name of a nested object at the top level: not the plain shape
            }
            // The whole parse takes the first of a repeated name; the plain shape has none.
            guard seen & bit == 0 else { return false }
            seen |= bit
            switch key {
            case .inputTokens: return reader.tokens(&usage.inputTokens)
            case .outputTokens: return reader.tokens(&usage.outputTokens)
            case .cacheReadInputTokens: return reader.tokens(&usage.cacheReadInputTokens)
            case .cacheCreationInputTokens: return reader.tokens(&usage.cacheCreationInputTokens)
            case .speed: return reader.plainString(&usage.speed)
            case .serviceTier: return reader.plainString(&usage.serviceTier)
            case .cacheCreation:
                return reader.nested(first: .ephemeral5mInputTokens, &usage.ephemeral5mInputTokens,
                                     second: .ephemeral1hInputTokens, &usage.ephemeral1hInputTokens)
            case .outputTokensDetails:
                var unused: Int?
                return reader.nested(first: .thinkingTokens, &usage.thinkingTokens, second: nil, &unused)
            case .serverToolUse:
                var unused: Int?
                return reader.nested(first: .webSearchRequests, &usage.webSearchRequests, second: nil, &unused)
            default: return false
            }
        }
        return ok ? (usage, reader.i) : nil
    }

    /// The member names the reader tells apart.
    enum Key {
        case inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, cacheCreation
        case outputTokensDetails, serverToolUse, speed, serviceTier
        case ephemeral5mInputTokens, ephemeral1hInputTokens, thinkingTokens, webSearchRequests
        case other

        init(_ name: UnsafeRawBufferPointer) {
            if name.equals("input_tokens") { self = .inputTokens }
            else if name.equals("output_tokens") { self = .outputTokens }
            else if name.equals("cache_read_input_tokens") { self = .cacheReadInputTokens }
            else if name.equals("cache_creation_input_tokens") { self = .cacheCreationInputTokens }
            else if name.equals("cache_creation") { self = .cacheCreation }
            else if name.equals("output_tokens_details") { self = .outputTokensDetails }
            else if name.equals("server_tool_use") { self = .serverToolUse }
            else if name.equals("speed") { self = .speed }
            else if name.equals("service_tier") { self = .serviceTier }
            else if name.equals("ephemeral_5m_input_tokens") { self = .ephemeral5mInputTokens }
            else if name.equals("ephemeral_1h_input_tokens") { self = .ephemeral1hInputTokens }
            else if name.equals("thinking_tokens") { self = .thinkingTokens }
            else if name.equals("web_search_requests") { self = .webSearchRequests }
            else { self = .other }
        }
    }

    private struct Reader {
        let b: UnsafeRawBufferPointer
        var i: Int

        var peek: UInt8 { i < b.count ? b[i] : 0 }

        mutating func whitespace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }

        /// `{` members `}`, each name plain; `member` reads the value and says whether it was plain.
        mutating func object(_ member: (inout Reader, Key) -> Bool) -> Bool {
            guard peek == UInt8(ascii: "{") else { return false }
            i += 1
            whitespace()
            if peek == UInt8(ascii: "}") { i += 1; return true }
            while true {
                whitespace()
                guard let name = plainStringBytes() else { return false }
                whitespace()
                guard peek == UInt8(ascii: ":") else { return false }
                i += 1
                whitespace()
                guard member(&self, Key(name)) else { return false }
                whitespace()
                let c = peek
                i += 1
                if c == UInt8(ascii: ",") { continue }
                return c == UInt8(ascii: "}")
            }
        }

        /// A nested object whose only wanted members are `first` and `second` (token counts); every
        /// other member a plain value.
        mutating func nested(first: Key, _ a: inout Int?, second: Key?, _ c: inout Int?) -> Bool {
            var seen: UInt8 = 0
            return object { reader, key in
                if key == first {
                    guard seen & 1 == 0 else { return false }
                    seen |= 1
                    return reader.tokens(&a)
                }
                if let second, key == second {
                    guard seen & 2 == 0 else { return false }
                    seen |= 2
                    return reader.tokens(&c)
                }
                return reader.skipPlainValue(depth: 1)
            }
        }

        /// The bytes between the quotes of a string of printable ASCII without escapes.
        mutating func plainStringBytes() -> UnsafeRawBufferPointer? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var j = start
            if let base = b.baseAddress {
                // Eight bytes a step while none is a quote, backslash, control byte, DEL or non-ASCII.
                let ones: UInt64 = 0x0101_0101_0101_0101
                while j + 8 <= b.count {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                    let del = word ^ (ones &* 0x7F)
                    let unplain = JSONParser.stringSpecialBytes(word) | (((del &- ones) & ~del) | word) & (ones &* 0x80)
                    guard unplain == 0 else { break }
                    j += 8
                }
            }
            while j < b.count {
                let c = b[j]
                if c == UInt8(ascii: "\"") {
                    i = j + 1
                    return UnsafeRawBufferPointer(rebasing: b[start..<j])
                }
                guard c >= 0x20, c < 0x7F, c != UInt8(ascii: "\\") else { return nil }
                j += 1
            }
            return nil
        }

        /// A plain string, or null (nil).
        mutating func plainString(_ out: inout String?) -> Bool {
            if literal("null") {
                out = nil
                return true
            }
            guard let bytes = plainStringBytes() else { return false }
            out = String(decoding: bytes, as: UTF8.self)
            return true
        }

        /// A whole non-negative count of at most 18 digits without a leading zero, or null (nil).
        mutating func tokens(_ out: inout Int?) -> Bool {
            if literal("null") {
                out = nil
                return true
            }
            guard let value = unsignedInteger() else { return false }
            out = value
            return true
        }

        mutating func unsignedInteger() -> Int? {
            let start = i
            var value = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39, i - start < 18 {
                value = value * 10 + Int(b[i] - 0x30)
                i += 1
            }
            let digits = i - start
            guard digits > 0, digits == 1 || b[start] != 0x30, delimiterFollows else { return nil }
            return value
        }

        /// A number's end: JSON's whitespace, a comma or a closing bracket (anything else, such as a
        /// fraction, an exponent or a 19th digit, is not the plain shape).
        var delimiterFollows: Bool {
            guard i < b.count else { return false }
            let c = b[i]
            return c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: ",") || c == UInt8(ascii: "}")
                || c == UInt8(ascii: "]")
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count, let base = b.baseAddress, memcmp(base + i, word.utf8Start, n) == 0 else { return false }
            i += n
            guard delimiterFollows else { i -= n; return false }
            return true
        }

        /// A member this reader does not keep: a plain string, a plain integer, a literal, or (one
        /// level down at most) an object of those.
        mutating func skipPlainValue(depth: Int) -> Bool {
            switch peek {
            case UInt8(ascii: "\""): return plainStringBytes() != nil
            case UInt8(ascii: "{"): return depth < 1 && object { reader, _ in reader.skipPlainValue(depth: depth + 1) }
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"):
                i += 1
                return unsignedInteger() != nil
            default: return unsignedInteger() != nil
            }
        }
    }
}
