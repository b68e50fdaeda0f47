import TokenLedgerCore

/// A public price database `prices update` reads: LiteLLM's `model_prices_and_context_window.json`
/// (a JSON object of model name → per-token prices, no dates) or pydantic's genai-prices data file
/// (a JSON array of providers, prices per 1M tokens, price changes dated by `start_date`).
///
/// Every price comes from its JSON number's text (Core's parser keeps it), so no price passes through
/// a float; a price needing more than six decimals per 1M tokens is listed as not converted, never
/// rounded. Only the providers TokenLedger has tables for are read. Cost: one JSON parse, one pass.
package struct PriceSourceFile: Sendable {
    public enum Format: String, Sendable {
        case litellm = "LiteLLM"
        case genaiPrices = "genai-prices"

        /// The short name used in user table file names ("litellm-openai.toml").
        public var slug: String { self == .litellm ? "litellm" : "genai-prices" }
    }

    /// One model as the source prices it.
    public struct Model: Sendable {
        /// The name the source uses, provider prefix removed ("gpt-4o", "gemini-2.5-pro").
        public var name: String
        /// Our provider name ("openai", "google", "xai").
        public var provider: String
        public var contextWindow: Int?
        public var maxOutput: Int?
        /// Price periods, oldest first; `from` is nil for prices the source gives no date for.
        public var periods: [Period]
        /// Other exact names of the model (genai-prices' `equals` match clauses).
        public var aliases: [String] = []
        /// The source matches `NAME-YYYYMMDD` for it (genai-prices' `^NAME-\d{8}$` rule).
        public var datedSnapshots = false
    }

    public struct Period: Sendable {
        public var from: Int?
        public var prices: ComponentPrices
        public var batch: Rate?
        public var longContext: LongContextTier?
        /// Components present in `prices` only because the table format needs them (not the source's word).
        public var unstated: Set<PriceComponent> = []
    }

    public var format: Format
    public var models: [Model]
    /// Prices or entries that could not be converted exactly, with why.
    public var notConverted: [(model: String, reason: String)]

    public enum Error: UserFacingError, Equatable {
        case notJSON(String)
        case unknownShape

        public var message: String {
            switch self {
            case .notJSON(let why):
                return "the price file is not valid JSON (\(why)); pass LiteLLM's model_prices_and_context_window.json or genai-prices' data.json."
            case .unknownShape:
                return "the price file is neither LiteLLM's model_prices_and_context_window.json (an object of model → prices) nor genai-prices' data.json (an array of providers)."
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// LiteLLM's provider names → ours.
    public static let litellmProviders: [String: String] = [
        "openai": "openai", "anthropic": "anthropic", "gemini": "google", "deepseek": "deepseek", "xai": "xai", "mistral": "mistral",
    ]
    /// genai-prices' provider ids → ours.
    public static let genaiProviders: [String: String] = [
        "openai": "openai", "anthropic": "anthropic", "google": "google", "deepseek": "deepseek", "x-ai": "xai", "mistral": "mistral",
    ]
    /// genai-prices' price keys (USD per 1M tokens, per 1k calls) → our components.
    static let genaiKeys: [String: PriceComponent] = [
        "input_mtok": .input, "cache_read_mtok": .cachedInput, "cache_write_mtok": .cacheWrite5m,
        "cache_write_1h_mtok": .cacheWrite1h, "output_mtok": .output, "output_reasoning_mtok": .reasoning,
        "input_audio_mtok": .audioInput, "output_audio_mtok": .audioOutput, "cache_audio_read_mtok": .cachedAudioInput,
        "input_image_mtok": .imageInput, "output_image_mtok": .imageOutput, "web_searches_kcount": .webSearchPer1k,
        "input_mchars": .per1MCharacters,
    ]

    /// Reads either format, told apart by shape; `provider` (ours) keeps only that provider's models.
    public static func read(json: String, provider: String? = nil) throws(Error) -> PriceSourceFile {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw .notJSON(error.message)
        }
        if root.object != nil { return readLiteLLM(root, provider: provider) }
        if let providers = root.array, providers.allSatisfy({ $0.object?["models"] != nil }) {
            return readGenaiPrices(providers, provider: provider)
        }
        throw .unknownShape
    }

    // MARK: LiteLLM

    /// Reuses `LiteLLMImport` (one converter for both commands): its table text is read back as a table.
    static func readLiteLLM(_ root: JSONValue, provider wanted: String?) -> PriceSourceFile {
        var out = PriceSourceFile(format: .litellm, models: [], notConverted: [])
        for (theirs, ours) in litellmProviders.sorted(by: { $0.key < $1.key }) where wanted == nil || wanted == ours {
            guard let result = try? LiteLLMImport.convert(root: root, provider: theirs, from: "2020-01-01", checked: "2020-01-01") else { continue }
            out.notConverted += result.skipped.filter { !$0.reason.hasPrefix("no input_cost_per_token") }
            out.notConverted += result.unmapped.map { ($0.model, "\($0.key) not converted") }
            let (table, _) = PriceTableReader.read(result.toml, file: "LiteLLM")
            for model in table?.models ?? [] {
                var periods = model.periods.map { Period(from: nil, prices: $0.prices, batch: $0.batch, longContext: $0.longContext) }
                // The converter writes output = 0 where LiteLLM gives no output price (the format needs
                // one); that is not a price LiteLLM states, so it is not compared with ours.
                if root.object?[model.id]?.object?["output_cost_per_token"] == nil {
                    for i in periods.indices { periods[i].unstated.insert(.output) }
                }
                out.models.append(Model(
                    name: stripPrefix(model.id), provider: ours, contextWindow: model.contextWindow, maxOutput: model.maxOutput,
                    periods: periods))
            }
        }
        return out
    }

    // MARK: genai-prices

    static func readGenaiPrices(_ providers: [JSONValue], provider wanted: String?) -> PriceSourceFile {
        var out = PriceSourceFile(format: .genaiPrices, models: [], notConverted: [])
        for entry in providers {
            guard let p = entry.object, let id = p["id"]?.string, let ours = genaiProviders[id], wanted == nil || wanted == ours,
                  let models = p["models"]?.array else { continue }
            for m in models {
                guard let fields = m.object, let name = fields["id"]?.string else { continue }
                var periods: [Period] = []
                var problems: [String] = []
                if let list = fields["prices"]?.array {
                    for item in list {
                        guard let conditional = item.object, let prices = conditional["prices"]?.object else { continue }
                        var from: Int?
                        if let constraint = conditional["constraint"]?.object {
                            guard let start = constraint["start_date"]?.string, let day = PriceDate.parse(start) else {
                                problems.append("a price with a constraint other than start_date (time of day) not converted")
                                continue
                            }
                            from = day
                        }
                        periods.append(genaiPeriod(prices, from: from, problems: &problems))
                    }
                } else if let prices = fields["prices"]?.object {
                    periods.append(genaiPeriod(prices, from: nil, problems: &problems))
                }
                out.notConverted += problems.map { (name, $0) }
                // Token prices, or a unit price (per minute of audio, per 1M characters) alone.
                periods = periods.filter {
                    ($0.prices[.input] != nil && $0.prices[.output] != nil)
                        || ($0.prices[.input] == nil && $0.prices[.output] == nil && ($0.prices[.audioPerMinute] != nil || $0.prices[.per1MCharacters] != nil))
                }
                guard !periods.isEmpty else {
                    out.notConverted.append((name, "no input and output price per token, and no price per minute or character"))
                    continue
                }
                periods.sort { ($0.from ?? Int.min) < ($1.from ?? Int.min) }
                var model = Model(name: name, provider: ours, contextWindow: fields["context_window"]?.int, maxOutput: nil, periods: periods)
                if let rule = fields["match"] { (model.aliases, model.datedSnapshots) = names(in: rule, id: name) }
                out.models.append(model)
            }
        }
        return out
    }

    /// The exact names a genai-prices match rule lists (`equals`, at the top or inside `or`), and whether
    /// it matches dated snapshots (`regex` `^NAME-\d{8}$` for the id or one of those names). Substring and
    /// prefix rules are not names and are ignored.
    static func names(in rule: JSONValue, id: String) -> (aliases: [String], datedSnapshots: Bool) {
        var equals: [String] = []
        var regexes: [String] = []
        func walk(_ clause: JSONValue) {
            guard let object = clause.object else { return }
            if let name = object["equals"]?.string { equals.append(name) }
            if let pattern = object["regex"]?.string { regexes.append(pattern) }
            for branch in object["or"]?.array ?? [] { walk(branch) }
        }
        walk(rule)
        let aliases = equals.filter { $0.lowercased() != id.lowercased() }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let dated = ([id] + aliases).contains { regexes.contains("^" + $0 + "-\\d{8}$") }
        return (aliases, dated)
    }

    static func genaiPeriod(_ prices: JSONObject, from: Int?, problems: inout [String]) -> Period {
        var period = Period(from: from, prices: ComponentPrices())
        var tierThreshold: Int?
        var tierPrices = ComponentPrices()
        for (key, value) in prices.members {
            // Audio by duration: genai-prices writes USD per hour, the tables USD per minute (÷ 60, kept
            // only when exact at six decimals).
            if key == "audio_hours" || key == "input_audio_hours" {
                guard let hourly = money(value) else {
                    problems.append("\(key) = \(LiteLLMImport.numberText(value)) is not an exact price with at most six decimals")
                    continue
                }
                let (perMinute, rest) = hourly.picodollars.quotientAndRemainder(dividingBy: 60)
                guard rest == 0, perMinute % 1_000_000 == 0 else {
                    problems.append("\(key) = \(LiteLLMImport.numberText(value)) per hour is not a whole number of millionths of a dollar per minute")
                    continue
                }
                period.prices[.audioPerMinute] = Money(picodollars: perMinute)
                continue
            }
            guard let component = genaiKeys[key] else {
                if value.decimal?.significand != 0 { problems.append("\(key) not converted (no such component)") }
                continue
            }
            if let tiered = value.object {
                guard let base = tiered["base"].flatMap(money) else {
                    problems.append("\(key) is not an exact price")
                    continue
                }
                period.prices[component] = base
                if let first = tiered["tiers"]?.array?.first?.object, let start = first["start"]?.int, let price = first["price"].flatMap(money) {
                    if tierThreshold == nil || tierThreshold == start {
                        tierThreshold = start
                        tierPrices[component] = price
                    } else {
                        problems.append("\(key): a second long-context threshold (\(start)) not converted")
                    }
                    if (tiered["tiers"]?.array?.count ?? 0) > 1 { problems.append("\(key): tiers past the first not converted") }
                }
            } else if let price = money(value) {
                period.prices[component] = price
            } else {
                problems.append("\(key) = \(LiteLLMImport.numberText(value)) is not an exact price with at most six decimals")
            }
        }
        if let tierThreshold { period.longContext = LongContextTier(threshold: tierThreshold, prices: tierPrices, location: SourceLocation(file: "genai-prices", line: 1)) }
        return period
    }

    /// A JSON number as exact money (at most six decimals), else nil.
    static func money(_ value: JSONValue) -> Money? {
        guard let d = value.decimal, d.significand >= 0, let text = d.normalizedForText() else { return nil }
        return Money(decimalText: text)
    }

    /// "gemini/gemini-2.5-pro" → "gemini-2.5-pro".
    static func stripPrefix(_ name: String) -> String {
        name.split(separator: "/").last.map(String.init) ?? name
    }
}
