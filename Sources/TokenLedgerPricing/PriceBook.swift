import Foundation
import TokenLedgerCore

// The public contract the ledger, importers, reports and estimator code against: `PriceBook`
// (pricing in CostEngine.swift), `ModelResolution`, `CostBreakdown`, `CostComponent`.

/// Every price TokenLedger knows: the bundled tables, reseller channels and the user's contract terms,
/// layered in that order. Value type; cheap to share across threads.
public struct PriceBook: Sendable {
    /// Every table, official and channel, in the order given.
    public private(set) var tables: [PriceTable]
    /// The user's contract terms, in config-file order.
    public private(set) var terms: [ContractTerms]
    /// The user's `[[route]]`s: providers whose records are priced through a channel unless they name one.
    public private(set) var routes: [ChannelRoute]

    struct ModelRef: Sendable, Hashable {
        var table: Int
        var model: Int
    }

    /// Lower-cased canonical id → official model.
    private var byID: [String: ModelRef] = [:]
    /// Lower-cased alias → official model.
    private var byAlias: [String: ModelRef] = [:]
    /// Channel name → table index.
    private(set) var channelTables: [String: Int] = [:]
    /// Channel name → lower-cased model id → model index in that table.
    private var channelModels: [String: [String: Int]] = [:]

    /// An empty book: every model is unpriced.
    public init() { self.init(tables: [], terms: [], routes: []) }

    /// A book over these tables and terms. Where two official tables give the same id or alias, the
    /// first wins (`prices check` reports the clash). Cost: one pass over every model.
    public init(tables: [PriceTable], terms: [ContractTerms] = [], routes: [ChannelRoute] = []) {
        self.tables = tables
        self.terms = terms
        self.routes = routes
        var resellerOnly: [Int] = []
        for (t, table) in tables.enumerated() {
            if table.isOfficial {
                for (m, model) in table.models.enumerated() {
                    let ref = ModelRef(table: t, model: m)
                    if byID[model.id.lowercased()] == nil { byID[model.id.lowercased()] = ref }
                    for alias in model.aliases where byAlias[alias.lowercased()] == nil {
                        byAlias[alias.lowercased()] = ref
                    }
                }
            } else {
                if channelTables[table.channel] == nil { channelTables[table.channel] = t }
                resellerOnly.append(t)
                var models = channelModels[table.channel] ?? [:]
                for (m, model) in table.models.enumerated() where models[model.id.lowercased()] == nil {
                    models[model.id.lowercased()] = m
                }
                channelModels[table.channel] = models
            }
        }
        // Models only a reseller sells resolve to that channel's entry, after every official name (an
        // official table listing the same name wins).
        for t in resellerOnly {
            for (m, model) in tables[t].models.enumerated() where model.resellerOnly {
                let ref = ModelRef(table: t, model: m)
                if byID[model.id.lowercased()] == nil { byID[model.id.lowercased()] = ref }
                for alias in model.aliases where byAlias[alias.lowercased()] == nil { byAlias[alias.lowercased()] = ref }
            }
        }
    }

    /// The same tables with these contract terms on top.
    package func with(terms: [ContractTerms], routes: [ChannelRoute]? = nil) -> PriceBook {
        PriceBook(tables: tables, terms: terms, routes: routes ?? self.routes)
    }

    /// The tables shipped inside the package (`pricing/*.toml`), with no user terms. Parsed once per
    /// process; later calls return the cached book.
    public static func bundled() throws -> PriceBook { try bundledResult.get() }

    private static let bundledResult: Result<PriceBook, PriceTableError> = Result { () throws(PriceTableError) -> PriceBook in
        var tables: [PriceTable] = []
        for (file, text) in BundledTables.files {
            tables.append(try PriceTable.parse(text, file: file))
        }
        return PriceBook(tables: tables)
    }

    /// The embedded text of every bundled table, as (file name, TOML text), for `prices check`.
    package static var bundledFiles: [(file: String, text: String)] { BundledTables.files.map { (file: $0.0, text: $0.1) } }

    /// The bundled tables plus the `[[terms]]` and `[[route]]`s of the user's config file.
    public static func bundled(config: ConfigFile) throws -> PriceBook {
        let book = try bundled()
        return book.with(terms: try ContractTerms.parse(config: config),
                         routes: try ChannelRoute.parse(config: config, channels: book.channelNames))
    }

    // MARK: Lookup

    /// The official tables (provider price lists).
    package var officialTables: [PriceTable] { tables.filter(\.isOfficial) }

    /// The names of the reseller channels ("302ai").
    public var channelNames: [String] { channelTables.keys.sorted() }

    /// The channel table named `name`, if any.
    public func channelTable(_ name: String) -> PriceTable? {
        channelTables[name.lowercased()].map { tables[$0] }
    }

    /// The channel's entry for a canonical model id.
    package func channelModel(_ channel: String, id: String) -> PricedModel? {
        guard let t = channelTables[channel.lowercased()], let m = channelModels[channel.lowercased()]?[id.lowercased()] else { return nil }
        return tables[t].models[m]
    }

    /// The official model with this canonical id (or alias), for the estimator: encoding, limits, efforts.
    public func model(id: String) -> PricedModel? {
        lookup(id.lowercased()).map { tables[$0.table].models[$0.model] }
    }

    /// The official table a canonical model id comes from.
    package func table(forModel id: String) -> PriceTable? {
        lookup(id.lowercased()).map { tables[$0.table] }
    }

    /// Every official model, table by table.
    public var allModels: [PricedModel] { officialTables.flatMap(\.models) }

    /// Models only a reseller sells (channel entries with `reseller_only = true`), table by table.
    package var resellerOnlyModels: [PricedModel] { tables.filter { !$0.isOfficial }.flatMap { $0.models.filter(\.resellerOnly) } }

    func lookup(_ lowered: String) -> ModelRef? { byID[lowered] ?? byAlias[lowered] }

    /// Finds the model a logged name refers to: exact id, then alias, then with provider prefixes
    /// stripped ("openai/gpt-4o-mini", "azure/o3-mini"), case-insensitively. No fuzzy guessing.
    public func resolve(model: String, provider: String? = nil) -> ModelResolution {
        if let ref = resolveRef(model) { return .resolved(modelID: tables[ref.table].models[ref.model].id) }
        let trimmed = model.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .unresolved(reason: "the record names no model") }
        return .unresolved(reason: "no price table lists the model '\(trimmed)' (by id or alias)")
    }

    func resolveRef(_ model: String) -> ModelRef? {
        // Fast path: logs mostly carry the canonical id or alias exactly as the tables write it.
        if let ref = byID[model] ?? byAlias[model] { return ref }
        var name = Substring(model.trimmingCharacters(in: .whitespaces).lowercased())
        while true {
            if let ref = lookup(String(name)) { return ref }
            if let ref = datedSnapshot(name) { return ref }
            guard let slash = name.firstIndex(of: "/") else { return nil }
            name = name[name.index(after: slash)...]
        }
    }

    /// "claude-opus-5-5-20261105" → the model "claude-opus-5-5" when that model declares
    /// `dated_snapshots = true`; nil otherwise. Only a real date after the last dash counts.
    private func datedSnapshot(_ name: Substring) -> ModelRef? {
        let utf8 = name.utf8
        guard utf8.count > 9, let dash = name.lastIndex(of: "-") else { return nil }
        let suffix = name[name.index(after: dash)...]
        guard suffix.utf8.count == 8, suffix.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let text = "\(suffix.prefix(4))-\(suffix.dropFirst(4).prefix(2))-\(suffix.suffix(2))"
        guard PriceDate.parse(text) != nil, let ref = lookup(String(name[..<dash])),
              tables[ref.table].models[ref.model].datedSnapshots else { return nil }
        return ref
    }

    /// Splits a channel prefix off a logged model name: "302ai/o3-mini" → ("302ai", "o3-mini").
    package func splitChannel(_ model: String) -> (channel: String?, model: String) {
        guard let slash = model.firstIndex(of: "/") else { return (nil, model) }
        let head = model[..<slash].lowercased()
        if channelTables[head] != nil { return (head, String(model[model.index(after: slash)...])) }
        return (nil, model)
    }

    /// Known ids and aliases close to `name`, for a "did you mean" hint; never used to price anything.
    /// Names are compared in a normal form (lowercase letters and digits only, so "gpt4o" and
    /// "GPT-4o" match), best tier only: the same normal form; else at most one edit per four
    /// characters ("claude-sonet-4" → claude-sonnet-4); else a long shared beginning (at least four
    /// characters and three fifths of the name: "o3-mini-high" → o3-mini). Nothing when no name is
    /// that close ("gpt-9-ultra"). Cost: one pass over every id and alias.
    public func suggestions(for name: String, limit: Int = 5) -> [String] {
        let query = PriceBook.suggestionForm(name.split(separator: "/").last.map(String.init) ?? name)
        guard !query.isEmpty else { return [] }
        let maxEdits = max(1, query.count / 4)
        let minPrefix = max(4, (query.count * 3 + 4) / 5)
        var ranked: [(tier: Int, score: Int, length: Int, name: String)] = []
        for candidate in Set(allModels.flatMap { [$0.id] + $0.aliases }) {
            let form = PriceBook.suggestionForm(candidate)
            if form == query {
                ranked.append((0, 0, form.count, candidate))
            } else if let edits = PriceBook.editDistance(query, form, atMost: maxEdits) {
                ranked.append((1, edits, form.count, candidate))
            } else {
                let shared = zip(query, form).prefix { $0 == $1 }.count
                if shared >= minPrefix { ranked.append((2, -shared, form.count, candidate)) }
            }
        }
        guard let bestTier = ranked.map(\.tier).min() else { return [] }
        return ranked.filter { $0.tier == bestTier }
            .sorted { ($0.score, $0.length, $0.name) < ($1.score, $1.length, $1.name) }
            .prefix(limit).map(\.name)
    }

    /// Lowercase letters and digits only.
    static func suggestionForm(_ name: String) -> [Character] {
        name.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.map { $0 }
    }

    /// Levenshtein distance between `a` and `b` when it is at most `limit`, else nil.
    static func editDistance(_ a: [Character], _ b: [Character], atMost limit: Int) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
                rowMin = min(rowMin, current[j])
            }
            if rowMin > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
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
    /// What the reader should know about how the record was priced ("batch requested but the model has
    /// no batch price: standard rate", "long-context tier: prompt 250000 > 200000").
    public var notes: [String]
    /// The daily window whose prices applied ("peak 01:00-04:00 UTC (mon, tue, wed, thu, fri)"), if any.
    public var timeWindow: String?

    public init(resolvedModel: String?, status: Status, components: [CostComponent], periodStart: String? = nil, layers: [String] = [], notes: [String] = []) {
        self.resolvedModel = resolvedModel
        self.status = status
        self.components = components
        self.periodStart = periodStart
        self.layers = layers
        self.notes = notes
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
    /// The price that billed this line, by its key in the tables (`cache_read` is billed by `cached_input`).
    public var component: PriceComponent
    /// Tokens or units billed.
    public var quantity: Int
    /// The price after every modifier, in ``unit``.
    public var unitPrice: Money
    public var cost: Money
    /// The layer that set this price ("bundled", "channel:302ai", "terms:<name>").
    public var layer: String

    public init(name: String, component: PriceComponent, quantity: Int, unitPrice: Money, cost: Money, layer: String) {
        self.name = name
        self.component = component
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.cost = cost
        self.layer = layer
    }

    /// The unit ``unitPrice`` is in: the component's own (``PriceComponent/unit``), except web search, whose
    /// table price is per 1,000 calls and whose unit price here is per call.
    public var unit: String { component == .webSearchPer1k ? "per call" : component.unit }
}
