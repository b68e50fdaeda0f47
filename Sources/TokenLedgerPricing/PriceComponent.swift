import TokenLedgerCore

/// One priced item of a price period, named by its key in the table files (pricing/FORMAT.md).
public enum PriceComponent: String, Sendable, Hashable, CaseIterable, Comparable {
    case input
    case cachedInput = "cached_input"
    case cacheWrite5m = "cache_write_5m"
    case cacheWrite1h = "cache_write_1h"
    case output
    case reasoning
    case audioInput = "audio_input"
    case audioOutput = "audio_output"
    case cachedAudioInput = "cached_audio_input"
    case imageInput = "image_input"
    case imageOutput = "image_output"
    case perImage = "per_image"
    case webSearchPer1k = "web_search_per_1k"
    /// Audio billed by duration (Whisper, Voxtral transcription): USD per minute, the quantity in seconds.
    case audioPerMinute = "audio_per_minute"
    /// Text billed by length (text to speech: tts-1): USD per 1M characters.
    case per1MCharacters = "per_1m_characters"

    /// The component whose price applies when this one is not given; nil when absent means "not billed".
    public var fallback: PriceComponent? {
        switch self {
        case .input, .output, .perImage, .webSearchPer1k, .audioPerMinute, .per1MCharacters: return nil
        case .cachedInput, .cacheWrite5m, .audioInput, .imageInput: return .input
        case .cacheWrite1h: return .cacheWrite5m
        case .reasoning, .audioOutput, .imageOutput: return .output
        case .cachedAudioInput: return .cachedInput
        }
    }

    /// True for token prices (USD per 1M tokens); false for per-unit prices.
    public var isPerMillionTokens: Bool { !isUnit }

    /// True for prices of something other than tokens (images, calls, minutes, characters).
    public var isUnit: Bool {
        switch self {
        case .perImage, .webSearchPer1k, .audioPerMinute, .per1MCharacters: return true
        default: return false
        }
    }

    /// The components that bill something other than tokens.
    public static let units: [PriceComponent] = allCases.filter(\.isUnit)

    /// The unit a price of this component is written in, for tables and help.
    public var unit: String {
        switch self {
        case .perImage: return "per image"
        case .webSearchPer1k: return "per 1k calls"
        case .audioPerMinute: return "per minute of audio"
        case .per1MCharacters: return "per 1M characters"
        default: return "per 1M tokens"
        }
    }

    /// How many of the quantity one price is for: 1M tokens, 1k calls, 60 seconds (a minute), 1M
    /// characters, 1 image.
    public var quantityPerPrice: Int128 {
        switch self {
        case .perImage: return 1
        case .webSearchPer1k: return 1_000
        case .audioPerMinute: return 60
        default: return 1_000_000
        }
    }

    /// What a model with this price bills by, for unpriced causes: "tokens", "minutes of audio".
    public var billingUnit: String {
        switch self {
        case .perImage: return "generated images"
        case .webSearchPer1k: return "web search calls"
        case .audioPerMinute: return "minutes of audio"
        case .per1MCharacters: return "characters"
        default: return "tokens"
        }
    }

    /// Every component key a period may give (the unknown-key check uses this).
    public static let keys: Set<String> = Set(allCases.map(\.rawValue))

    /// Position in `allCases` (table order). A switch, so hashing and ordering never touch the raw string.
    public var ordinal: Int {
        switch self {
        case .input: return 0
        case .cachedInput: return 1
        case .cacheWrite5m: return 2
        case .cacheWrite1h: return 3
        case .output: return 4
        case .reasoning: return 5
        case .audioInput: return 6
        case .audioOutput: return 7
        case .cachedAudioInput: return 8
        case .imageInput: return 9
        case .imageOutput: return 10
        case .perImage: return 11
        case .webSearchPer1k: return 12
        case .audioPerMinute: return 13
        case .per1MCharacters: return 14
        }
    }

    public static let count = 15

    public static func < (a: PriceComponent, b: PriceComponent) -> Bool { a.ordinal < b.ordinal }
    public static func == (a: PriceComponent, b: PriceComponent) -> Bool { a.ordinal == b.ordinal }
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }
}

/// Explicit prices of some components (what one table section wrote), each in USD per 1M tokens or per unit.
/// Stored as a fixed array indexed by `PriceComponent.ordinal`, so pricing a record does no hashing.
public struct ComponentPrices: Sendable, Hashable {
    private var storage: [Money?]

    public init(_ values: [PriceComponent: Money] = [:]) {
        storage = [Money?](repeating: nil, count: PriceComponent.count)
        for (c, p) in values { storage[c.ordinal] = p }
    }

    public subscript(component: PriceComponent) -> Money? {
        get { storage[component.ordinal] }
        set { storage[component.ordinal] = newValue }
    }

    /// The prices given, by component (allocates a dictionary; for display and checks).
    public var values: [PriceComponent: Money] {
        var out: [PriceComponent: Money] = [:]
        forEach { out[$0] = $1 }
        return out
    }

    /// The components given, in table order.
    public var components: [PriceComponent] { PriceComponent.allCases.filter { storage[$0.ordinal] != nil } }

    /// Calls `body` for every price given, in table order, without allocating.
    public func forEach(_ body: (PriceComponent, Money) -> Void) {
        for (i, price) in storage.enumerated() {
            if let price { body(PriceComponent.allCases[i], price) }
        }
    }

    public var isEmpty: Bool { !storage.contains { $0 != nil } }

    /// The price of `component` following the defaults of FORMAT.md (cached input → input, reasoning →
    /// output, ...); nil for unit items that are not billed.
    public func resolved(_ component: PriceComponent) -> Money? {
        var c: PriceComponent? = component
        while let current = c {
            if let price = storage[current.ordinal] { return price }
            c = current.fallback
        }
        return nil
    }
}
