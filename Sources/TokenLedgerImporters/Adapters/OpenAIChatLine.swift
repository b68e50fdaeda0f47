import Foundation
import TokenLedgerCore

/// The fields of one Chat Completions JSON line in its common shape, read member by member
/// (`JSONParser(scanning:)`) without building a `JSONValue` tree: the import's hot path for
/// openai-chat logs. `read` answers nil for anything outside that shape, and the caller then reads
/// the line the general way (`OpenAIResponseSummary`), which also words any error; so both ways give
/// the same records, and only the common shape has to be right here.
///
/// The common shape: a top-level object with a non-empty string `id`, a string `model`, `created`
/// (or, without it, `created_at`) as a plain whole number, and a `usage` object whose counts are plain
/// whole numbers (or null or absent) under the Chat Completions names; optionally a string or null
/// `service_tier` and `reasoning_effort`. Anything else (a `{"request", "response"}` wrapper,
/// `reasoning`, a `provider` or `x_groq` member, a provider's cost, cache or audio-seconds field in `usage`, the Responses names, a repeated member, an escaped key, counts as text or
/// fractions, inconsistent counts) is left to the general reader. Other members (`choices` with the
/// answer text, `system_fingerprint`, …) are validated and skipped.
///
/// Performance notes (callgrind, 30k benchmark chat lines): the general reader built the kept members
/// as a `JSONValue` (three member arrays, a `String` per number and key) and looked each field up by
/// key; this reads the numbers in place. Names (model, service tier) come from `names`, a per-file memo
/// of the few distinct spellings, so each record shares one `String` per name instead of allocating it,
/// and each model's provider family is worked out once per file, not hashed per record. The id and the
/// dedup key are made from the id's bytes, one `String` each.
struct OpenAIChatLine {
    var id: String
    /// The dedup key: `openai:` and the id.
    var key: String
    var timestamp: Date
    var model: String
    /// The model's provider family (`LogSupport.provider(forModel:)`, through the memo).
    var provider: String
    var serviceTier: String?
    var effort: EffortTier
    var tokens: TokenCounts

    /// Reads `line` (one JSON value, nothing after it but blanks); nil when it is not the common shape.
    static func read(_ line: UnsafeRawBufferPointer, names: inout NameMemo) -> OpenAIChatLine? {
        do {
            return try readThrowing(line, names: &names)
        } catch {
            return nil
        }
    }

    private struct NotTheCommonShape: Error {}

    private static func readThrowing(_ line: UnsafeRawBufferPointer, names: inout NameMemo) throws -> OpenAIChatLine? {
        var json = JSONParser(scanning: line)
        guard json.beginObject() else { return nil }
        var id: String?
        var dedupKey: String?
        var model: (name: String, provider: String)?
        var created: Int?
        var createdAt: Int?
        var serviceTier: String?
        var effortText: String?
        var usage: Usage?
        var seen: UInt16 = 0
        func first(_ bit: UInt16) throws {
            guard seen & bit == 0 else { throw NotTheCommonShape() }
            seen |= bit
        }
        while let key = try json.nextKey() {
            switch key.count {
            case 2 where key.spells("id"):
                try first(1)
                if let bytes = json.readPlainStringBytes() {
                    guard !bytes.isEmpty else { return nil }
                    id = String(decoding: bytes, as: UTF8.self)
                    dedupKey = String(unsafeUninitializedCapacity: keyPrefix.count + bytes.count) { out in
                        _ = out.initialize(fromContentsOf: keyPrefix)
                        _ = UnsafeMutableBufferPointer(rebasing: out[keyPrefix.count...]).initialize(fromContentsOf: bytes)
                        return keyPrefix.count + bytes.count
                    }
                } else {
                    guard let text = try json.readString(), !text.isEmpty else { return nil }
                    id = text
                    dedupKey = "openai:" + text
                }
            case 5 where key.spells("model"):
                try first(2)
                guard let bytes = json.readPlainStringBytes(), !bytes.isEmpty else { return nil }
                model = names.model(bytes)
            case 7 where key.spells("created"):
                try first(4)
                guard let value = json.readPlainWholeNumber() else { return nil }
                created = value
            case 10 where key.spells("created_at"):
                try first(8)
                guard let value = json.readPlainWholeNumber() else { return nil }
                createdAt = value
            case 5 where key.spells("usage"):
                try first(16)
                usage = try Usage.read(&json)
                if usage == nil { return nil }
            case 12 where key.spells("service_tier"):
                try first(32)
                if json.readNull() { break }
                guard let bytes = json.readPlainStringBytes() else { return nil }
                serviceTier = names.name(bytes)
            case 16 where key.spells("reasoning_effort"):
                try first(64)
                if json.readNull() { break }
                guard let text = try json.readString() else { return nil }
                effortText = text
            case 9 where key.spells("reasoning"), 8 where key.spells("response"), 7 where key.spells("request"),
                 8 where key.spells("provider"), 6 where key.spells("x_groq"):
                return nil
            default:
                // An escaped key may spell a member read above: the general reader decides.
                if key.contains(UInt8(ascii: "\\")) { return nil }
                try json.skipValue()
            }
        }
        guard json.isAtEnd(), let id, let dedupKey, let model, let usage, let unix = created ?? createdAt,
              let timestamp = Timestamp.fromWholeUnix(unix) else { return nil }
        guard let tokens = usage.tokens else { return nil }
        return OpenAIChatLine(id: id, key: dedupKey, timestamp: timestamp, model: model.name, provider: model.provider,
                              serviceTier: serviceTier, effort: effortText.map { EffortTier(rawValue: $0) } ?? .unknown, tokens: tokens)
    }

    /// The dedup key's prefix, as bytes.
    private static let keyPrefix: [UInt8] = Array("openai:".utf8)

    /// The counts of a Chat Completions `usage` object; absent and null count 0 (as the general reader).
    private struct Usage {
        var prompt: Int?
        var completion = 0
        var cached = 0, cacheWrite = 0, imageInput = 0, audioInput = 0
        var reasoning = 0, audioOutput = 0, imageOutput = 0

        /// nil when the counts are inconsistent (the general reader says how).
        var tokens: TokenCounts? {
            guard let prompt else { return nil }
            return try? OpenAIUsageTokens.tokens(
                prompt: prompt, completion: completion, cached: cached, cacheWrite: cacheWrite, imageInput: imageInput,
                audioInput: audioInput, reasoning: reasoning, audioOutput: audioOutput, imageOutput: imageOutput)
        }

        /// Reads the object that starts here; nil when it is not one of the common shape.
        static func read(_ json: inout JSONParser) throws -> Usage? {
            guard json.beginObject() else { return nil }
            var u = Usage()
            var seen: UInt8 = 0
            while let key = try json.nextKey() {
                switch key.count {
                case 13 where key.spells("prompt_tokens"):
                    guard seen & 1 == 0, let value = json.readPlainWholeNumber() else { return nil }
                    seen |= 1
                    u.prompt = value
                case 17 where key.spells("completion_tokens"):
                    guard seen & 2 == 0, let value = count(&json) else { return nil }
                    seen |= 2
                    u.completion = value
                case 21 where key.spells("prompt_tokens_details"):
                    guard seen & 4 == 0, let d = try details(&json, { key in
                        switch key.count {
                        case 13 where key.spells("cached_tokens"): 0
                        case 18 where key.spells("cache_write_tokens"): 1
                        case 12 where key.spells("image_tokens"): 2
                        case 12 where key.spells("audio_tokens"): 3
                        default: nil
                        }
                    }) else { return nil }
                    seen |= 4
                    (u.cached, u.cacheWrite, u.imageInput, u.audioInput) = (d[0], d[1], d[2], d[3])
                case 25 where key.spells("completion_tokens_details"):
                    guard seen & 8 == 0, let d = try details(&json, { key in
                        switch key.count {
                        case 16 where key.spells("reasoning_tokens"): 0
                        case 12 where key.spells("audio_tokens"): 1
                        case 12 where key.spells("image_tokens"): 2
                        default: nil
                        }
                    }) else { return nil }
                    seen |= 8
                    (u.reasoning, u.audioOutput, u.imageOutput) = (d[0], d[1], d[2])
                case 4 where key.spells("cost"), 17 where key.spells("cost_in_usd_ticks"),
                     23 where key.spells("prompt_cache_hit_tokens"), 13 where key.spells("cached_tokens"),
                     20 where key.spells("prompt_audio_seconds"):
                    return nil // a provider's own cost, cache or audio-duration field: the general reader keeps it
                default:
                    if key.contains(UInt8(ascii: "\\")) { return nil }
                    try json.skipValue()
                }
            }
            return u
        }

        /// A count that may be null (0); nil when it is anything but a plain whole number or null.
        private static func count(_ json: inout JSONParser) -> Int? {
            if json.readNull() { return 0 }
            return json.readPlainWholeNumber()
        }

        /// The counts of a details object, by the index `field` gives each member it reads (others are
        /// skipped); null is all 0. nil when not the common shape (a count that is not a plain whole
        /// number or null, a repeated count, an escaped key, anything but an object or null).
        private static func details(_ json: inout JSONParser, _ field: (UnsafeRawBufferPointer) -> Int?) throws -> SIMD4<Int>? {
            var values = SIMD4<Int>(repeating: 0)
            if json.readNull() { return values }
            guard json.beginObject() else { return nil }
            var seen = 0
            while let key = try json.nextKey() {
                if let i = field(key) {
                    guard seen & (1 << i) == 0, let value = count(&json) else { return nil }
                    seen |= 1 << i
                    values[i] = value
                } else {
                    if key.contains(UInt8(ascii: "\\")) { return nil }
                    try json.skipValue()
                }
            }
            return values
        }
    }

    /// The few distinct names (models, service tiers) of one file, each kept as one `String`, and each
    /// model's provider family.
    struct NameMemo {
        private var entries: [(bytes: [UInt8], name: String, provider: String?)] = []
        private let providerOf: (String) -> String

        /// `provider` gives a model name's provider family (asked once per distinct model).
        init(provider: @escaping (String) -> String = LogSupport.provider(forModel:)) {
            providerOf = provider
        }

        /// The name spelled by `bytes` (plain UTF-8 without escapes).
        mutating func name(_ bytes: UnsafeRawBufferPointer) -> String {
            entries[slot(bytes)].name
        }

        /// The model name spelled by `bytes` (plain UTF-8 without escapes) and its provider family.
        mutating func model(_ bytes: UnsafeRawBufferPointer) -> (name: String, provider: String) {
            let index = slot(bytes)
            if let provider = entries[index].provider { return (entries[index].name, provider) }
            let provider = providerOf(entries[index].name)
            entries[index].provider = provider
            return (entries[index].name, provider)
        }

        /// The index of the entry for `bytes`, added when new. A file of thousands of distinct names (not
        /// a real log) keeps its first 32, and the latest other one in a 33rd entry.
        private mutating func slot(_ bytes: UnsafeRawBufferPointer) -> Int {
            for (index, entry) in entries.enumerated() where entry.bytes.count == bytes.count {
                if entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                    return index
                }
            }
            if entries.count > 32 { entries.removeLast() }
            entries.append((Array(bytes), String(decoding: bytes, as: UTF8.self), nil))
            return entries.count - 1
        }
    }
}

extension UnsafeRawBufferPointer {
    /// These bytes spell `text` (ASCII), the length already checked by the caller's switch.
    @inline(__always)
    func spells(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && memcmp(baseAddress!, text.utf8Start, count) == 0
    }
}
