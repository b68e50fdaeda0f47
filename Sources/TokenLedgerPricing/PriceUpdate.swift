import TokenLedgerCore

/// What `prices update` does with a public price database: compares every model it lists (of the
/// providers TokenLedger has tables for) with the prices in force, and turns the differences into
/// user tables, one per provider (`<source>-<provider>.toml`), refreshed in place on the next run.
///
/// - A model no table knows is added with all the source's prices. The source's undated prices get
///   `newModelFrom` (default 2020-01-01: every record of a model postdates its launch).
/// - A known model whose input, cached input, cache write or output price differs gets a new period
///   from the source's date for it, else `changeFrom` (default: today, the day the change was seen, so
///   past records keep the prices they were billed at). The new period copies the period it follows
///   (batch, service tiers, long context) and replaces only the changed prices.
/// - With `onlyNew`, known models are never changed (their differences are listed in `leftAlone`).
/// - Everything else is left alone: the bundled tables stay the reference where the source agrees.
///
/// Cost: one pass over the source's models and one price look-up each.
package struct PriceUpdate: Sendable {
    /// One model added or repriced.
    public struct Change: Sendable {
        public enum Kind: String, Sendable { case added = "new", changed }
        public var kind: Kind
        /// Our canonical id (changed) or the new model's id (added).
        public var modelID: String
        public var provider: String
        /// First day of the new prices ("2026-12-04").
        public var from: String
        /// True when the source dated this price; false when the date is `changeFrom`/`newModelFrom`.
        public var dated: Bool
        /// The prices that changed (old is nil for an added model), in table order.
        public var prices: [(component: PriceComponent, old: Money?, new: Money)]
    }

    public var format: PriceSourceFile.Format
    public var changes: [Change]
    /// Source models that matched a model we have and agree with it.
    public var unchanged: Int
    /// With `onlyNew`: the price changes found but not written.
    public var leftAlone: [Change] = []
    /// The refreshed user tables, by provider, only those with changes; write them with `PriceTableWriter`.
    public var tables: [PriceTable]
    public var notConverted: [(model: String, reason: String)]

    /// The components compared for known models: the ones every source and every provider page give.
    public static let comparedComponents: [PriceComponent] = [.input, .cachedInput, .cacheWrite5m, .cacheWrite1h, .output, .audioPerMinute, .per1MCharacters]

    /// Plans an update: `book` holds the prices in force (bundled plus user tables, no terms);
    /// `existing` the current update tables by provider (they are refreshed, not replaced); `folder`
    /// where new tables go; `today` the day number the update runs.
    public static func plan(
        source: PriceSourceFile, book: PriceBook, existing: [String: PriceTable], folder: String, today: Int,
        changeFrom: Int? = nil, newModelFrom: Int? = nil, onlyNew: Bool = false
    ) -> PriceUpdate {
        var update = PriceUpdate(format: source.format, changes: [], unchanged: 0, tables: [], notConverted: source.notConverted)
        var tables = existing
        var touched: Set<String> = []
        let undatedNew = newModelFrom ?? 18_262 // 2020-01-01
        let undatedChange = changeFrom ?? today

        // One source entry per model: where several names reach the same model ("gpt-4o" and
        // "gpt-4o-2024-08-06"), the one named like our id wins, else the first by name.
        var chosen: [String: PriceSourceFile.Model] = [:]
        var order: [String] = []
        for model in source.models.sorted(by: { $0.name < $1.name }) {
            let key: String
            if let ref = book.resolveRef(model.name) ?? model.aliases.lazy.compactMap({ book.resolveRef($0) }).first {
                key = "known\u{0}" + book.tables[ref.table].models[ref.model].id
            }
            else { key = "new\u{0}" + model.name.lowercased() }
            if let previous = chosen[key] {
                let id = key.split(separator: "\u{0}").last.map(String.init) ?? ""
                if previous.name.lowercased() == id.lowercased() || model.name.lowercased() != id.lowercased() { continue }
            } else {
                order.append(key)
            }
            chosen[key] = model
        }

        func table(for provider: String) -> PriceTable {
            if let t = tables[provider] { return t }
            let file = folder + "/\(source.format.slug)-\(provider).toml"
            var t = PriceTable(file: file, provider: provider, channel: "official", source: sourceURL(source.format),
                               checked: PriceDate.text(today), models: [])
            t.userLayer = "user:\(source.format.slug)-\(provider).toml"
            return t
        }

        for key in order {
            guard let model = chosen[key], let current = model.periods.last else { continue }
            if let ref = book.resolveRef(model.name) ?? model.aliases.lazy.compactMap({ book.resolveRef($0) }).first {
                let ours = book.tables[ref.table].models[ref.model]
                let day = current.from ?? undatedChange
                let base = ours.period(on: day)
                var diffs: [(component: PriceComponent, old: Money?, new: Money)] = []
                for c in comparedComponents where !current.unstated.contains(c) {
                    guard let theirs = current.prices[c] else { continue }
                    // A zero cache-write price is how both sources say "not billed apart from input"
                    // (DeepSeek, Gemini); our tables then bill cache writes as input, which is the same bill.
                    if c == .cacheWrite5m || c == .cacheWrite1h, theirs == .zero { continue }
                    let mine = base?.prices.resolved(c)
                    if mine != theirs { diffs.append((c, mine, theirs)) }
                }
                guard !diffs.isEmpty else {
                    update.unchanged += 1
                    continue
                }
                if onlyNew {
                    update.leftAlone.append(Change(kind: .changed, modelID: ours.id, provider: ours.provider, from: PriceDate.text(day),
                                                   dated: current.from != nil, prices: diffs))
                    continue
                }
                var prices = base?.prices ?? current.prices
                for d in diffs { prices[d.component] = d.new }
                var period = PricePeriod(from: day, prices: prices, batch: base?.batch ?? current.batch,
                                         serviceTiers: base?.serviceTiers ?? [:], longContext: base?.longContext ?? current.longContext,
                                         location: SourceLocation(file: "update", line: 1))
                period.layer = nil
                // Explicit batch prices and time windows are the bundled table's; sources have none.
                period.batchPrices = base?.batchPrices ?? ComponentPrices()
                period.batchUnchanged = base?.batchUnchanged ?? []
                period.windows = base?.windows ?? []
                var t = table(for: ours.provider)
                if let i = t.models.firstIndex(where: { $0.id.lowercased() == ours.id.lowercased() }) {
                    t.models[i].periods = t.models[i].periods.filter { $0.from < day } + [period]
                } else {
                    t.models.append(PricedModel(id: ours.id, provider: ours.provider,
                        notes: "Prices from \(source.format.rawValue) where they differ from TokenLedger's tables (tokenledger prices update).",
                        periods: [period], location: SourceLocation(file: t.file, line: 1)))
                }
                t.checked = PriceDate.text(today)
                tables[ours.provider] = t
                touched.insert(ours.provider)
                update.changes.append(Change(kind: .changed, modelID: ours.id, provider: ours.provider, from: PriceDate.text(day),
                                             dated: current.from != nil, prices: diffs))
            } else {
                var periods: [PricePeriod] = []
                for p in model.periods {
                    let from = p.from ?? undatedNew
                    if let last = periods.last, last.from >= from { continue }
                    periods.append(PricePeriod(from: from, prices: p.prices, batch: p.batch, longContext: p.longContext,
                                               location: SourceLocation(file: "update", line: 1)))
                }
                var t = table(for: model.provider)
                var entry = PricedModel(
                    id: model.name, provider: model.provider, aliases: model.aliases,
                    encoding: model.provider == "openai" ? "o200k_base" : "approximate",
                    contextWindow: model.contextWindow, maxOutput: model.maxOutput,
                    notes: "Added from \(source.format.rawValue) by tokenledger prices update; \(model.periods.first?.from == nil ? "the source gives no start date" : "dated by the source").",
                    periods: periods, location: SourceLocation(file: t.file, line: 1))
                entry.datedSnapshots = model.datedSnapshots
                t.models.removeAll { $0.id.lowercased() == model.name.lowercased() }
                t.models.append(entry)
                t.checked = PriceDate.text(today)
                tables[model.provider] = t
                touched.insert(model.provider)
                guard let first = periods.last else { continue }
                update.changes.append(Change(kind: .added, modelID: model.name, provider: model.provider, from: first.fromText,
                                             dated: model.periods.last?.from != nil,
                                             prices: first.prices.values.sorted { $0.key < $1.key }.map { ($0.key, nil, $0.value) }))
            }
        }
        update.tables = touched.sorted().compactMap { tables[$0] }
        return update
    }

    /// Where the source publishes its file.
    public static func sourceURL(_ format: PriceSourceFile.Format) -> String {
        switch format {
        case .litellm: return "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
        case .genaiPrices: return "https://github.com/pydantic/genai-prices (prices/data.json)"
        }
    }
}
