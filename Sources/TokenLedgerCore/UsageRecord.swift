import Foundation

/// One billed request (or one aggregated bucket) in canonical form: what every importer produces,
/// what the cost engine prices and what the ledger stores. Never holds prompt or response text.
///
/// ## The canonical token rule (written down once, here)
/// Providers disagree about what "input" contains (see `shared/formats.md`). Every importer converts
/// to these buckets:
/// - `input`: **uncached** input tokens, all modalities. Audio and image input tokens are counted here
///   *and* broken out in `audioInput` / `imageInput` (subsets of `input`).
/// - `cacheRead`: input tokens served from the prompt cache. Disjoint from `input`.
/// - `cacheWrite5m`, `cacheWrite1h`: input tokens written to the prompt cache (Anthropic 5-minute and
///   1-hour TTLs; OpenAI/OpenRouter `cache_write_tokens` count as 5m). Disjoint from `input`.
/// - `output`: every output token **including reasoning**; `reasoning`, `audioOutput` and
///   `imageOutput` are subsets of `output`.
///
/// So the whole prompt is `input + cacheRead + cacheWrite5m + cacheWrite1h` (`promptTokens`), and
/// text input billed at the plain input rate is `input − audioInput − imageInput`.
/// Examples: OpenAI `prompt_tokens=1000, cached_tokens=800` → input 200, cacheRead 800.
/// Anthropic `input_tokens=50, cache_read_input_tokens=900` → input 50, cacheRead 900.
/// Gemini `candidatesTokenCount=100, thoughtsTokenCount=40` → output 140, reasoning 40.
public struct UsageRecord: Sendable, Hashable, Codable {
    /// When the request was made (UTC instant).
    public var timestamp: Date
    /// Provider family that served it: "openai", "anthropic", "google", "openrouter", "xai", ...
    public var provider: String
    /// The model name exactly as the log wrote it ("gpt-4o-mini-2024-07-18", "openai/o3-mini").
    public var model: String
    /// Reasoning effort tier, when known.
    public var effort: EffortTier
    /// The service tier that served the request ("default", "flex", "priority", "scale"), if logged.
    public var serviceTier: String?
    /// Billed through a batch API (half price at OpenAI, Anthropic and Google).
    public var isBatch: Bool
    /// Token counts in canonical buckets (see the rule above).
    public var tokens: TokenCounts
    /// Per-unit billed items.
    public var units: UnitCounts
    /// The log format that produced the record ("claude-code", "openai-batch", ...).
    public var source: String
    /// A price channel (reseller) the request went through, e.g. "302ai"; nil means the provider itself.
    public var channel: String?
    /// Project name (from `--project`, or the working directory for Claude Code and Codex).
    public var project: String?
    /// Free-form tags (`--tag key=value`, LiteLLM request tags, ...).
    public var tags: [String: String]
    /// The provider's or tool's own cost figure for this record, when the log carried one.
    public var reportedCost: Money?
    /// Request/response id as logged (for tracing only; deduplication uses `ImportKey`).
    public var requestID: String?
    /// Session or conversation id, for `--by session`.
    public var sessionID: String?
    /// The repository the request was made from, for `--by repo`: its remote without scheme,
    /// credentials or `.git` ("github.com/acme/shop") when the log names one, else the working
    /// folder's name. Nil when the log does not say.
    public var repository: String?
    /// The git branch checked out when the request was made, for `--by branch` and `--branch`.
    public var branch: String?
    /// Short hash of the API key that made the request (never the key itself).
    public var apiKeyHash: String?
    /// How many requests this record stands for: 1 for a single response, N for an aggregated bucket.
    public var requestCount: Int
    /// True for aggregated buckets (Usage API, cost exports): reports keep them apart from
    /// per-request records so nothing is counted twice.
    public var isAggregate: Bool

    /// A record as an importer builds it; what is not given is unknown (nil) or zero. Cost: none.
    /// Inlinable so a caller in another module builds the record in place: called across modules it
    /// built a copy, copied it out and destroyed it (about 900 instructions a record).
    @inlinable
    public init(
        timestamp: Date, provider: String, model: String, effort: EffortTier = .unknown,
        serviceTier: String? = nil, isBatch: Bool = false, tokens: TokenCounts = TokenCounts(),
        units: UnitCounts = UnitCounts(), source: String, channel: String? = nil, project: String? = nil,
        tags: [String: String] = [:], reportedCost: Money? = nil, requestID: String? = nil,
        sessionID: String? = nil, apiKeyHash: String? = nil, requestCount: Int = 1, isAggregate: Bool = false,
        repository: String? = nil, branch: String? = nil
    ) {
        self.timestamp = timestamp
        self.provider = provider
        self.model = model
        self.effort = effort
        self.serviceTier = serviceTier
        self.isBatch = isBatch
        self.tokens = tokens
        self.units = units
        self.source = source
        self.channel = channel
        self.project = project
        self.tags = tags
        self.reportedCost = reportedCost
        self.requestID = requestID
        self.sessionID = sessionID
        self.apiKeyHash = apiKeyHash
        self.requestCount = requestCount
        self.isAggregate = isAggregate
        self.repository = repository
        self.branch = branch
    }
}

/// Token counts in the canonical buckets described on `UsageRecord`.
public struct TokenCounts: Sendable, Hashable, Codable {
    /// Uncached input tokens (the prompt without cache reads and writes).
    public var input: Int = 0
    /// Input tokens read from the provider's prompt cache.
    public var cacheRead: Int = 0
    /// Input tokens written to the cache with a 5-minute lifetime.
    public var cacheWrite5m: Int = 0
    /// Input tokens written to the cache with a 1-hour lifetime.
    public var cacheWrite1h: Int = 0
    /// Output tokens, reasoning included.
    public var output: Int = 0
    /// The part of `output` spent on reasoning (thinking) tokens.
    public var reasoning: Int = 0
    /// The part of `input` that is audio.
    public var audioInput: Int = 0
    /// The part of `output` that is audio.
    public var audioOutput: Int = 0
    /// The part of `input` that is images.
    public var imageInput: Int = 0
    /// The part of `output` that is images.
    public var imageOutput: Int = 0

    /// Token counts by kind; every count is zero unless given. Cost: none (no checks: see `inconsistency`).
    public init(
        input: Int = 0, cacheRead: Int = 0, cacheWrite5m: Int = 0, cacheWrite1h: Int = 0, output: Int = 0,
        reasoning: Int = 0, audioInput: Int = 0, audioOutput: Int = 0, imageInput: Int = 0, imageOutput: Int = 0
    ) {
        self.input = input
        self.cacheRead = cacheRead
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.output = output
        self.reasoning = reasoning
        self.audioInput = audioInput
        self.audioOutput = audioOutput
        self.imageInput = imageInput
        self.imageOutput = imageOutput
    }

    /// The whole prompt as the provider saw it: uncached + cache read + cache writes. This is the size
    /// that long-context price tiers compare against their threshold.
    public var promptTokens: Int { input + cacheRead + cacheWrite5m + cacheWrite1h }

    /// All cache-write tokens, both TTLs.
    public var cacheWrite: Int { cacheWrite5m + cacheWrite1h }

    /// Every token billed in either direction.
    public var total: Int { promptTokens + output }

    /// The counts added field by field (a sum over records).
    public static func + (a: TokenCounts, b: TokenCounts) -> TokenCounts {
        TokenCounts(
            input: a.input + b.input, cacheRead: a.cacheRead + b.cacheRead,
            cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m, cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
            output: a.output + b.output, reasoning: a.reasoning + b.reasoning,
            audioInput: a.audioInput + b.audioInput, audioOutput: a.audioOutput + b.audioOutput,
            imageInput: a.imageInput + b.imageInput, imageOutput: a.imageOutput + b.imageOutput
        )
    }

    /// No single record (not even a day's export bucket) bills more tokens than this in one bucket; a
    /// log that claims more is malformed. Checking it before any sum means no sum can overflow.
    public static let plausibleMaximum = 1_000_000_000_000_000

    /// True when every count is between 0 and `plausibleMaximum`. Cost: ten unsigned comparisons.
    @inlinable
    public var countsInRange: Bool {
        let m = UInt(TokenCounts.plausibleMaximum)
        return UInt(bitPattern: input) <= m && UInt(bitPattern: cacheRead) <= m && UInt(bitPattern: cacheWrite5m) <= m
            && UInt(bitPattern: cacheWrite1h) <= m && UInt(bitPattern: output) <= m && UInt(bitPattern: reasoning) <= m
            && UInt(bitPattern: audioInput) <= m && UInt(bitPattern: audioOutput) <= m
            && UInt(bitPattern: imageInput) <= m && UInt(bitPattern: imageOutput) <= m
    }

    /// The first inconsistency with the canonical rule, if any (a negative or implausibly large count,
    /// a subset larger than its whole). Importers quarantine a line whose counts fail this.
    public var inconsistency: String? {
        // Nearly every record is consistent: answered without the named list below (an array of ten
        // strings made and freed, about 890 instructions a record).
        // `countsInRange` first, so the sums cannot overflow.
        if countsInRange, audioInput + imageInput <= input, reasoning + audioOutput + imageOutput <= output { return nil }
        let all: [(String, Int)] = [
            ("input", input), ("cache read", cacheRead), ("cache write 5m", cacheWrite5m),
            ("cache write 1h", cacheWrite1h), ("output", output), ("reasoning", reasoning),
            ("audio input", audioInput), ("audio output", audioOutput), ("image input", imageInput),
            ("image output", imageOutput),
        ]
        if let negative = all.first(where: { $0.1 < 0 }) { return "\(negative.0) tokens are negative (\(negative.1))" }
        if let huge = all.first(where: { $0.1 > TokenCounts.plausibleMaximum }) {
            return "\(huge.0) tokens are implausibly large (\(huge.1))"
        }
        if audioInput + imageInput > input { return "audio+image input tokens exceed uncached input tokens" }
        if reasoning + audioOutput + imageOutput > output { return "reasoning+audio+image output tokens exceed output tokens" }
        return nil
    }
}

/// Per-unit billed items (not tokens).
public struct UnitCounts: Sendable, Hashable, Codable {
    /// Web search calls (Anthropic `server_tool_use.web_search_requests`, OpenAI web search tool).
    public var webSearchCalls: Int = 0
    /// Images generated, for models billed per image.
    public var imagesGenerated: Int = 0
    /// Seconds of audio, for models billed by duration (OpenAI Usage API audio transcriptions `seconds`).
    public var audioSeconds: Int = 0
    /// Characters of text, for models billed by length (OpenAI Usage API audio speeches `characters`).
    public var characters: Int = 0

    /// Billed units; every count is zero unless given.
    public init(webSearchCalls: Int = 0, imagesGenerated: Int = 0, audioSeconds: Int = 0, characters: Int = 0) {
        self.webSearchCalls = webSearchCalls
        self.imagesGenerated = imagesGenerated
        self.audioSeconds = audioSeconds
        self.characters = characters
    }

    /// True when no unit is billed (a record of tokens only).
    public var isEmpty: Bool { webSearchCalls == 0 && imagesGenerated == 0 && audioSeconds == 0 && characters == 0 }
}

/// A reasoning effort tier. Open-ended (providers add tiers), normalised to lower case;
/// `unknown` when the log does not say.
public struct EffortTier: Sendable, Hashable, Codable, RawRepresentable, CustomStringConvertible,
    ExpressibleByStringLiteral, Comparable
{
    public let rawValue: String

    public init(rawValue: String) {
        // Fast path (every imported record passes here): already lower-case ASCII letters/digits/-/_.
        // Foundation's trimming bridges through NSString and cost ~8% of an import.
        if !rawValue.isEmpty, rawValue.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }) {
            self.rawValue = rawValue
            return
        }
        let t = rawValue.trimmingCharacters(in: .whitespaces).lowercased()
        self.rawValue = t.isEmpty ? "unknown" : t
    }

    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// Nil or empty becomes `.unknown`.
    public init(_ text: String?) { self.init(rawValue: text ?? "unknown") }

    /// The log does not say which tier was used.
    public static let unknown: EffortTier = "unknown"
    /// Reasoning switched off.
    public static let none: EffortTier = "none"
    /// OpenAI's `minimal` reasoning effort.
    public static let minimal: EffortTier = "minimal"
    /// Low reasoning effort.
    public static let low: EffortTier = "low"
    /// Medium reasoning effort (most providers' default).
    public static let medium: EffortTier = "medium"
    /// High reasoning effort.
    public static let high: EffortTier = "high"
    /// Extra-high reasoning effort.
    public static let xhigh: EffortTier = "xhigh"

    /// The tiers users pick on the command line, in order.
    public static let ordered: [EffortTier] = [.none, .minimal, .low, .medium, .high, .xhigh]

    /// False for `.unknown`.
    public var isKnown: Bool { self != .unknown }
    public var description: String { rawValue }

    public static func < (a: EffortTier, b: EffortTier) -> Bool {
        let ia = ordered.firstIndex(of: a) ?? ordered.count
        let ib = ordered.firstIndex(of: b) ?? ordered.count
        return ia != ib ? ia < ib : a.rawValue < b.rawValue
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
