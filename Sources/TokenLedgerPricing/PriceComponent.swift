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

    /// The component whose price applies when this one is not given; nil when absent means "not billed".
    public var fallback: PriceComponent? {
        switch self {
        case .input, .output, .perImage, .webSearchPer1k: return nil
        case .cachedInput, .cacheWrite5m, .audioInput, .imageInput: return .input
        case .cacheWrite1h: return .cacheWrite5m
        case .reasoning, .audioOutput, .imageOutput: return .output
        case .cachedAudioInput: return .cachedInput
        }
    }

    /// True for token prices (USD per 1M tokens); false for per-unit prices.
    public var isPerMillionTokens: Bool { self != .perImage && self != .webSearchPer1k }

    /// The unit a price of this component is written in, for tables and help.
    public var unit: String {
        switch self {
        case .perImage: return "per image"
        case .webSearchPer1k: return "per 1k calls"
        default: return "per 1M tokens"
        }
    }

    /// Every component key a period may give (the unknown-key check uses this).
    public static let keys: Set<String> = Set(allCases.map(\.rawValue))

    private var order: Int { PriceComponent.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: PriceComponent, b: PriceComponent) -> Bool { a.order < b.order }
}

/// Explicit prices of some components (what one table section wrote), each in USD per 1M tokens or per unit.
public struct ComponentPrices: Sendable, Hashable {
    public var values: [PriceComponent: Money]

    public init(_ values: [PriceComponent: Money] = [:]) { self.values = values }

    public subscript(component: PriceComponent) -> Money? {
        get { values[component] }
        set { values[component] = newValue }
    }

    public var isEmpty: Bool { values.isEmpty }

    /// The price of `component` following the defaults of FORMAT.md (cached input → input, reasoning →
    /// output, ...); nil for unit items that are not billed.
    public func resolved(_ component: PriceComponent) -> Money? {
        var c: PriceComponent? = component
        while let current = c {
            if let price = values[current] { return price }
            c = current.fallback
        }
        return nil
    }
}
