import Foundation
import TokenLedgerCore

// CONTRACT STUB — the pricing work (issue 2) replaces the inside of these types but keeps these
// public names and signatures, which the ledger, importers, reports and estimator code against.

/// Every price TokenLedger knows: the bundled tables, reseller channels and the user's contract terms,
/// layered in that order. Value type; cheap to share across threads.
public struct PriceBook: Sendable {
    public init() {}

    /// The tables shipped inside the package (`pricing/*.toml`), with no user terms.
    public static func bundled() throws -> PriceBook { PriceBook() }

    /// Finds the model a logged name refers to: exact id, then alias, then with provider prefixes
    /// stripped ("openai/gpt-4o-mini", "azure/o3-mini"), case-insensitively. No fuzzy guessing.
    public func resolve(model: String, provider: String? = nil) -> ModelResolution {
        .unresolved(reason: "no price tables are loaded")
    }

    /// Prices one usage record at its own timestamp. Never returns $0 for an unknown model: the
    /// result is `.unpriced` with a reason instead.
    public func cost(of record: UsageRecord) -> CostBreakdown {
        CostBreakdown(resolvedModel: nil, status: .unpriced(reason: "no price tables are loaded"), components: [])
    }
}

/// The outcome of resolving a logged model name.
public enum ModelResolution: Sendable, Hashable {
    case resolved(modelID: String)
    case unresolved(reason: String)

    public var modelID: String? {
        if case .resolved(let id) = self { return id }
        return nil
    }
}

/// What a record costs, component by component, and which price set each number.
public struct CostBreakdown: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        case priced(total: Money)
        case unpriced(reason: String)
    }

    /// The canonical model id, when the logged name resolved.
    public var resolvedModel: String?
    public var status: Status
    /// One line per billed component (input, cache read, output, web search calls, ...).
    public var components: [CostComponent]
    /// Start date of the price period used ("2025-06-10"), when priced.
    public var periodStart: String?
    /// The layers that set the prices used, outermost first, e.g. ["terms:acme-2026", "bundled:openai"].
    public var layers: [String]

    public init(resolvedModel: String?, status: Status, components: [CostComponent], periodStart: String? = nil, layers: [String] = []) {
        self.resolvedModel = resolvedModel
        self.status = status
        self.components = components
        self.periodStart = periodStart
        self.layers = layers
    }

    /// The total when priced; nil when unpriced (never zero for unknown).
    public var total: Money? {
        if case .priced(let total) = status { return total }
        return nil
    }
}

/// One billed component of a cost.
public struct CostComponent: Sendable, Hashable {
    /// "input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning", "audio_input",
    /// "audio_output", "image_input", "image_output", "web_search", "image_generated".
    public var name: String
    /// Tokens or units billed.
    public var quantity: Int
    /// Price per 1M tokens (or per unit for unit items) after every modifier.
    public var unitPrice: Money
    public var cost: Money
    /// The layer that set this price ("bundled", "channel:302ai", "terms:<name>").
    public var layer: String

    public init(name: String, quantity: Int, unitPrice: Money, cost: Money, layer: String) {
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.cost = cost
        self.layer = layer
    }
}
