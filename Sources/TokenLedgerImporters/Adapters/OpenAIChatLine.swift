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
/// dedup key are made from the id's bytes, one `String` each. Each member's key is first compared with
/// the one that usually comes next (`JSONParser.nextKey(is:)`, OpenAI's order): a right guess is a
/// few word comparisons, where scanning the key, and then finding which of a dozen it is, cost about
/// 130 instructions; a wrong one costs a comparison more and reads the key the general way.
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
        func first(_ member: Member) throws {
            let bit: UInt16 = 1 << member.rawValue
            guard seen & bit == 0 else { throw NotTheCommonShape() }
            seen |= bit
        }
        var guess = Member.id
        while true {
            let member: Member
            if let guessed = Member.guessed(guess, &json) {
                member = guessed
            } else {
                guard let key = try json.nextKey() else { break }
                member = Member(key)
            }
            if let next = Member(rawValue: member.rawValue &+ 1) { guess = next }
            switch member {
            case .id:
                try first(member)
                if let bytes = json.readPlainStringBytes() {
                    guard !bytes.isEmpty else { return nil }
                    id = String(decoding: bytes, as: UTF8.self)
                    dedupKey = String(unsafeUninitializedCapacity: 7 + bytes.count) { out in
                        UnsafeMutableRawBufferPointer(out).copyBytes(from: "openai:".utf8)
                        _ = UnsafeMutableBufferPointer(rebasing: out[7...]).initialize(fromContentsOf: bytes)
                        return 7 + bytes.count
                    }
                } else {
                    guard let text = try json.readString(), !text.isEmpty else { return nil }
                    id = text
                    dedupKey = "openai:" + text
                }
            case .model:
                try first(member)
                guard let bytes = json.readPlainStringBytes(), !bytes.isEmpty else { return nil }
                model = names.model(bytes)
            case .created:
                try first(member)
                guard let value = json.readPlainWholeNumber() else { return nil }
                created = value
            case .createdAt:
                try first(member)
                guard let value = json.readPlainWholeNumber() else { return nil }
                createdAt = value
            case .usage:
                try first(member)
                usage = try Usage.read(&json)
                if usage == nil { return nil }
            case .serviceTier:
                try first(member)
                if json.readNull() { break }
                guard let bytes = json.readPlainStringBytes() else { return nil }
                serviceTier = names.name(bytes)
            case .reasoningEffort:
                try first(member)
                if json.readNull() { break }
                guard let text = try json.readString() else { return nil }
                effortText = text
            case .object, .choices, .systemFingerprint, .other:
                try json.skipValue()
            case .declined:
                return nil
            }
        }
        guard json.isAtEnd(), let id, let dedupKey, let model, let usage, let unix = created ?? createdAt,
              let timestamp = Timestamp.fromWholeUnix(unix) else { return nil }
        guard let tokens = usage.tokens else { return nil }
        return OpenAIChatLine(id: id, key: dedupKey, timestamp: timestamp, model: model.name, provider: model.provider,
                              serviceTier: serviceTier, effort: effortText.map { EffortTier(rawValue: $0) } ?? .unknown, tokens: tokens)
    }

    /// The top-level members this reader tells apart. The first eight are in the order OpenAI writes
    /// them, which is the order `guessed` tries next (after the member just read).
    private enum Member: UInt8, GuessedKey {
        case id, object, created, model, choices, usage, serviceTier, systemFingerprint
        case createdAt, reasoningEffort
        /// Validated and skipped.
        case other
        /// A member of another shape (a `{"request", "response"}` wrapper, `reasoning`, `provider`,
        /// `x_groq`) or an escaped key, which may spell one read here: the general reader decides.
        case declined

        init(_ key: UnsafeRawBufferPointer) {
            switch key.count {
            case 2 where key.equals("id"): self = .id
            case 6 where key.equals("object"): self = .object
            case 7 where key.equals("created"): self = .created
            case 5 where key.equals("model"): self = .model
            case 7 where key.equals("choices"): self = .choices
            case 5 where key.equals("usage"): self = .usage
            case 12 where key.equals("service_tier"): self = .serviceTier
            case 18 where key.equals("system_fingerprint"): self = .systemFingerprint
            case 10 where key.equals("created_at"): self = .createdAt
            case 16 where key.equals("reasoning_effort"): self = .reasoningEffort
            case 9 where key.equals("reasoning"), 8 where key.equals("response"), 7 where key.equals("request"),
                 8 where key.equals("provider"), 6 where key.equals("x_groq"):
                self = .declined
            default:
                self = key.contains(UInt8(ascii: "\\")) ? .declined : .other
            }
        }

        @inline(__always)
        func key(_ compare: (StaticString) -> Bool) -> Bool {
            switch self {
            case .id: compare("id")
            case .object: compare("object")
            case .created: compare("created")
            case .model: compare("model")
            case .choices: compare("choices")
            case .usage: compare("usage")
            case .serviceTier: compare("service_tier")
            case .systemFingerprint: compare("system_fingerprint")
            default: false
            }
        }
    }

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

        /// The members of `usage` told apart; the first five in the order OpenAI writes them (see `Member`).
        private enum Field: UInt8, GuessedKey {
            case prompt, completion, total, promptDetails, completionDetails
            case other, declined

            init(_ key: UnsafeRawBufferPointer) {
                switch key.count {
                case 13 where key.equals("prompt_tokens"): self = .prompt
                case 17 where key.equals("completion_tokens"): self = .completion
                case 12 where key.equals("total_tokens"): self = .total
                case 21 where key.equals("prompt_tokens_details"): self = .promptDetails
                case 25 where key.equals("completion_tokens_details"): self = .completionDetails
                case 4 where key.equals("cost"), 17 where key.equals("cost_in_usd_ticks"),
                     23 where key.equals("prompt_cache_hit_tokens"), 13 where key.equals("cached_tokens"),
                     20 where key.equals("prompt_audio_seconds"):
                    self = .declined // a provider's own cost, cache or audio-duration field: the general reader keeps it
                default:
                    self = key.contains(UInt8(ascii: "\\")) ? .declined : .other
                }
            }

            @inline(__always)
            func key(_ compare: (StaticString) -> Bool) -> Bool {
                switch self {
                case .prompt: compare("prompt_tokens")
                case .completion: compare("completion_tokens")
                case .total: compare("total_tokens")
                case .promptDetails: compare("prompt_tokens_details")
                case .completionDetails: compare("completion_tokens_details")
                default: false
                }
            }
        }

        /// Reads the object that starts here; nil when it is not one of the common shape.
        static func read(_ json: inout JSONParser) throws -> Usage? {
            guard json.beginObject() else { return nil }
            var u = Usage()
            var seen: UInt8 = 0
            var guess = Field.prompt
            while true {
                let field: Field
                if let guessed = Field.guessed(guess, &json) {
                    field = guessed
                } else {
                    guard let key = try json.nextKey() else { break }
                    field = Field(key)
                }
                if let next = Field(rawValue: field.rawValue &+ 1) { guess = next }
                let bit: UInt8 = 1 << field.rawValue
                switch field {
                case .prompt:
                    guard seen & bit == 0, let value = json.readPlainWholeNumber() else { return nil }
                    u.prompt = value
                case .completion:
                    guard seen & bit == 0, let value = count(&json) else { return nil }
                    u.completion = value
                case .promptDetails:
                    guard seen & bit == 0, let d = try details(&json, PromptDetail.self) else { return nil }
                    (u.cached, u.cacheWrite, u.imageInput, u.audioInput) = (d[0], d[1], d[2], d[3])
                case .completionDetails:
                    guard seen & bit == 0, let d = try details(&json, CompletionDetail.self) else { return nil }
                    (u.reasoning, u.audioOutput, u.imageOutput) = (d[0], d[1], d[2])
                case .total, .other:
                    try skip(&json)
                case .declined:
                    return nil
                }
                seen |= bit
            }
            return u
        }

        /// A count that may be null (0); nil when it is anything but a plain whole number or null.
        @inline(__always)
        private static func count(_ json: inout JSONParser) -> Int? {
            if json.readNull() { return 0 }
            return json.readPlainWholeNumber()
        }

        /// Skips the value here, validated: a plain whole number (most skipped counts) without a call.
        @inline(__always)
        private static func skip(_ json: inout JSONParser) throws {
            if json.readPlainWholeNumber() == nil { try json.skipValue() }
        }

        /// The counts of a details object, each at the index its `Detail` gives (others are skipped);
        /// null is all 0. nil when not the common shape (a count that is not a plain whole number or
        /// null, a repeated count, an escaped key, anything but an object or null).
        private static func details<D: Detail>(_ json: inout JSONParser, _: D.Type) throws -> SIMD4<Int>? {
            var values = SIMD4<Int>(repeating: 0)
            if json.readNull() { return values }
            guard json.beginObject() else { return nil }
            var seen = 0
            var guess = 0
            while true {
                let index: Int?
                if let (position, guessed) = D.guessed(guess, &json) {
                    index = guessed
                    guess = position &+ 1
                } else {
                    guard let key = try json.nextKey() else { break }
                    index = D.index(key)
                    if index == nil && key.contains(UInt8(ascii: "\\")) { return nil }
                }
                if let i = index, i < 4 {
                    guard seen & (1 << i) == 0, let value = count(&json) else { return nil }
                    seen |= 1 << i
                    values[i] = value
                } else {
                    try skip(&json)
                }
            }
            return values
        }
    }

    /// The members of an object told apart by key, the first in the order OpenAI writes them: the reader
    /// tries the one expected next (`guessed`) before reading a key the general way.
    fileprivate protocol GuessedKey {
        /// Whether `compare` answers true for this member's key, handed to it as a literal (one
        /// `StaticString` constant per member, as `JSONParser.nextKey(is:)` takes it); false for a
        /// member never guessed.
        func key(_ compare: (StaticString) -> Bool) -> Bool
    }

    /// The members of a details object: `index` gives each count read its place (0–3; nil for a
    /// member skipped), `guessed` tries the member at one position of the order OpenAI writes them in
    /// (`JSONParser.nextKey(is:)`), answering that position and the member's index.
    private protocol Detail {
        static func index(_ key: UnsafeRawBufferPointer) -> Int?
        static func guessed(_ position: Int, _ json: inout JSONParser) -> (position: Int, index: Int?)?
    }

    /// `prompt_tokens_details`: cached, cache-write, image and audio tokens.
    private enum PromptDetail: Detail {
        static func index(_ key: UnsafeRawBufferPointer) -> Int? {
            switch key.count {
            case 13 where key.equals("cached_tokens"): 0
            case 18 where key.equals("cache_write_tokens"): 1
            case 12 where key.equals("image_tokens"): 2
            case 12 where key.equals("audio_tokens"): 3
            default: nil
            }
        }

        @inline(__always)
        static func guessed(_ position: Int, _ json: inout JSONParser) -> (position: Int, index: Int?)? {
            switch position {
            case 0 where json.nextKey(is: "cached_tokens"): (0, 0)
            case 1 where json.nextKey(is: "audio_tokens"): (1, 3)
            default: nil
            }
        }
    }

    /// `completion_tokens_details`: reasoning, audio and image tokens; the prediction counts skipped.
    private enum CompletionDetail: Detail {
        static func index(_ key: UnsafeRawBufferPointer) -> Int? {
            switch key.count {
            case 16 where key.equals("reasoning_tokens"): 0
            case 12 where key.equals("audio_tokens"): 1
            case 12 where key.equals("image_tokens"): 2
            default: nil
            }
        }

        @inline(__always)
        static func guessed(_ position: Int, _ json: inout JSONParser) -> (position: Int, index: Int?)? {
            switch position {
            case 0 where json.nextKey(is: "reasoning_tokens"): (0, 0)
            case 1 where json.nextKey(is: "audio_tokens"): (1, 1)
            case 2 where json.nextKey(is: "accepted_prediction_tokens"): (2, nil)
            case 3 where json.nextKey(is: "rejected_prediction_tokens"): (3, nil)
            default: nil
            }
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

extension OpenAIChatLine.GuessedKey {
    /// `guess` when the next key is its key (`JSONParser.nextKey(is:)`), else nil, having moved nowhere.
    @inline(__always)
    static func guessed(_ guess: Self, _ json: inout JSONParser) -> Self? {
        guess.key { json.nextKey(is: $0) } ? guess : nil
    }
}
