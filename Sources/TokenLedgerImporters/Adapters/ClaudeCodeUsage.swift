import Foundation
import TokenLedgerCore

/// The usage fields a Claude Code assistant line is priced from, read member by member from the bytes
/// of `message.usage` with `JSONParser`'s scanning reader when it has the plain shape Claude Code
/// writes: the counts whole non-negative numbers of at most 18 digits (or null), `speed` and
/// `service_tier` strings without escapes (or null), `cache_creation`, `output_tokens_details` and
/// `server_tool_use` objects, no member read twice and no member name with an escape. Members it does
/// not read may be any JSON (validated as the whole parse validates them). Any other shape, or any
/// error, is declined, and the line's usage is parsed whole by `JSONParser` as before (so a bad count
/// is quarantined with the same words); what is accepted is valid JSON that `JSONParser` reads to the
/// same values (a test compares both readers). Cost: one pass over the object's bytes, no allocation
/// but the tier strings.
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
        guard start < b.count else { return nil }
        var reader = JSONParser(scanning: UnsafeRawBufferPointer(rebasing: b[start...]))
        var usage = ClaudeCodeUsage()
        do {
            guard reader.beginObject() else { return nil }
            var seen: UInt16 = 0
            while let name = try reader.nextKey() {
                let key = Key(name)
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
                default:
                    // A name with an escape may spell a wanted one: not the plain shape.
                    guard !name.contains(UInt8(ascii: "\\")) else { return nil }
                    try reader.skipValue()
                    continue
                }
                // The whole parse takes one of a repeated name; the plain shape has none.
                guard seen & bit == 0 else { return nil }
                seen |= bit
                let ok: Bool
                switch key {
                case .inputTokens: ok = reader.tokens(&usage.inputTokens)
                case .outputTokens: ok = reader.tokens(&usage.outputTokens)
                case .cacheReadInputTokens: ok = reader.tokens(&usage.cacheReadInputTokens)
                case .cacheCreationInputTokens: ok = reader.tokens(&usage.cacheCreationInputTokens)
                case .speed: ok = reader.plainString(&usage.speed)
                case .serviceTier: ok = reader.plainString(&usage.serviceTier)
                case .cacheCreation:
                    ok = try reader.nested(first: .ephemeral5mInputTokens, &usage.ephemeral5mInputTokens,
                                           second: .ephemeral1hInputTokens, &usage.ephemeral1hInputTokens)
                case .outputTokensDetails:
                    var unused: Int?
                    ok = try reader.nested(first: .thinkingTokens, &usage.thinkingTokens, second: .other, &unused)
                case .serverToolUse:
                    var unused: Int?
                    ok = try reader.nested(first: .webSearchRequests, &usage.webSearchRequests, second: .other, &unused)
                default: ok = false
                }
                guard ok else { return nil }
            }
        } catch { return nil }
        return (usage, start + reader.offset)
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
}

extension JSONParser {
    /// A whole non-negative count of at most 18 digits without a leading zero (`readPlainWholeNumber`),
    /// or null (nil); false for anything else.
    fileprivate mutating func tokens(_ out: inout Int?) -> Bool {
        if readNull() {
            out = nil
            return true
        }
        guard let value = readPlainWholeNumber() else { return false }
        out = value
        return true
    }

    /// A string without escapes, or null (nil); false for anything else.
    fileprivate mutating func plainString(_ out: inout String?) -> Bool {
        if readNull() {
            out = nil
            return true
        }
        guard let bytes = readPlainStringBytes() else { return false }
        out = String(decoding: bytes, as: UTF8.self)
        return true
    }

    /// An object whose wanted members are `first` and `second` (token counts, each at most once); any
    /// other member is skipped. False when the value is not an object or a wanted member is not a count.
    fileprivate mutating func nested(first: ClaudeCodeUsage.Key, _ a: inout Int?, second: ClaudeCodeUsage.Key, _ c: inout Int?)
        throws(JSONParser.Error) -> Bool
    {
        guard beginObject() else { return false }
        var seen: UInt8 = 0
        while let name = try nextKey() {
            let key = ClaudeCodeUsage.Key(name)
            if key == first, first != .other {
                guard seen & 1 == 0, tokens(&a) else { return false }
                seen |= 1
            } else if key == second, second != .other {
                guard seen & 2 == 0, tokens(&c) else { return false }
                seen |= 2
            } else {
                guard !name.contains(UInt8(ascii: "\\")) else { return false }
                try skipValue()
            }
        }
        return true
    }
}
