import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    struct Prices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, explain, check and import the price tables.",
            discussion: """
                Prices are USD per 1M tokens (per image, per 1k web-search calls for unit items), exact decimals. \
                The effective price is the bundled table, then your own tables ($XDG_CONFIG_HOME/tokenledger/prices/*.toml \
                and [[prices]] path = ... in the config), then a reseller channel, then your [[terms]] in the config.

                Examples:
                  tokenledger prices list --provider openai
                  tokenledger prices show o3 --at 2025-06-01
                  tokenledger prices show o3-mini --channel 302ai
                  tokenledger prices check pricing/*.toml
                  tokenledger prices update model_prices_and_context_window.json --reprice
                  tokenledger prices import-litellm model_prices_and_context_window.json --provider openai -o openai.toml
                """,
            subcommands: [List.self, Show.self, Check.self, Update.self, ImportLiteLLM.self]
        )
    }
}

// MARK: - prices list

extension TokenLedgerCommand.Prices {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every model's prices on a date.",
            discussion: """
                Example:
                  tokenledger prices list --provider anthropic --at 2025-09-01
                """
        )

        @Option(help: ArgumentHelp("Only this provider's models (openai, anthropic, google, ...).", valueName: "provider"))
        var provider: String?

        @Option(help: ArgumentHelp("The prices in force on this date (default: today, UTC).", valueName: "date"))
        var at: String?

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            let date = try at.map { try PriceDate.argument($0) } ?? Date()
            let book = try PriceCLI.book(configOptions)
            let wanted = provider?.lowercased()
            if let wanted, !book.officialTables.contains(where: { $0.provider == wanted }) {
                throw PriceCLI.Error.unknownProvider(wanted, known: book.officialTables.map(\.provider))
            }
            var rows: [(PricedModel, EffectivePrices)] = []
            for model in book.allModels where wanted == nil || model.provider == wanted {
                guard let prices = try? book.prices(for: model.id, at: date) else { continue }
                rows.append((model, prices))
            }
            if output.json {
                Console.writeJSON(.object(JSONObject([
                    ("at", .string(PriceDate.text(PriceDate.day(of: date)))),
                    ("unit", "USD per 1M tokens"),
                    ("models", .array(rows.map { PriceCLI.json(model: $0.0, prices: $0.1, book: book, at: date) })),
                ])))
                return
            }
            var table = TextTable(columns: [
                .init("Model"), .init("Provider"), .init("Input", .right), .init("Cache read", .right),
                .init("Output", .right), .init("Batch", .right), .init("Since"),
            ])
            for (model, prices) in rows {
                let c = prices.components
                table.addRow([
                    model.id, model.provider,
                    c[.input].map { PriceCLI.price($0.price) } ?? "–",
                    c[.cachedInput].map { PriceCLI.price($0.price) } ?? "–",
                    c[.output].map { PriceCLI.price($0.price) } ?? "–",
                    model.period(on: PriceDate.day(of: date))?.batch.map { "×\($0)" } ?? "–",
                    prices.periodStart,
                ])
            }
            Console.write(table.render(style: Console.style))
            quietOptions.note("\(rows.count) models priced on \(PriceDate.text(PriceDate.day(of: date))), USD per 1M tokens. Details: tokenledger prices show MODEL. Channels: \(book.channelNames.joined(separator: ", ")).")
        }
    }
}

// MARK: - prices show

extension TokenLedgerCommand.Prices {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain one model's prices: every component, which layer set it, modifiers and history.",
            discussion: """
                Examples:
                  tokenledger prices show o3-mini
                  tokenledger prices show o3 --at 2025-06-01
                  tokenledger prices show gpt-4o --channel 302ai --json
                """
        )

        @Argument(help: ArgumentHelp("Model id, alias or prefixed name (o3-mini, openai/gpt-4o, 302ai/o3-mini).", valueName: "model"))
        var model: String

        @Option(help: ArgumentHelp("The prices in force on this date (default: today, UTC).", valueName: "date"))
        var at: String?

        @Option(help: ArgumentHelp("Show the prices through a reseller channel (e.g. 302ai) next to the official ones.", valueName: "channel"))
        var channel: String?

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            let date = try at.map { try PriceDate.argument($0) } ?? Date()
            let book = try PriceCLI.book(configOptions)
            let prices = try book.prices(for: model, at: date, channel: channel)
            guard let entry = book.model(id: prices.modelID) else { return }
            let day = PriceDate.day(of: date)
            // Components to show: every one a layer wrote, plus reasoning (which bills even when unwritten).
            var shown: Set<PriceComponent> = [.input, .cachedInput, .output, .reasoning]
            if let period = entry.period(on: day) { shown.formUnion(period.prices.values.keys) }
            if let channel = prices.channel, let period = book.channelModel(channel, id: prices.modelID)?.period(on: day) {
                shown.formUnion(period.prices.values.keys)
            }
            for terms in book.terms where terms.applies(to: entry, day: day, channel: prices.channel) {
                shown.formUnion(terms.prices.values.keys)
            }
            let components = shown.sorted().compactMap { c in prices.components[c].map { (c, $0) } }
            let period = entry.period(on: day)

            if output.json {
                var object = PriceCLI.json(model: entry, prices: prices, book: book, at: date, channel: channel).object ?? JSONObject()
                object["at"] = .string(PriceDate.text(day))
                object["components"] = .array(components.map { c, p in
                    .object(JSONObject([
                        ("component", .string(c.rawValue)), ("unit", .string("USD \(c.unit)")),
                        ("price", .money(p.price)), ("set_by", .string(p.layer)),
                        ("official", p.official.map { .money($0) } ?? .null),
                    ]))
                })
                object["history"] = .array(entry.periods.map { p in
                    .object(JSONObject([
                        ("from", .string(p.fromText)),
                        ("input", p.prices[.input].map { .money($0) } ?? .null),
                        ("output", p.prices[.output].map { .money($0) } ?? .null),
                    ]))
                })
                Console.writeJSON(.object(object))
                return
            }

            let style = Console.style
            var lines: [String] = []
            let aliases = entry.aliases.isEmpty ? "" : "  (aliases: \(entry.aliases.joined(separator: ", ")))"
            lines.append(style.bold(entry.id) + " · \(entry.provider)" + aliases)
            var facts: [String] = []
            if let e = entry.encoding { facts.append("encoding \(e)") }
            if let w = entry.contextWindow { facts.append("context \(PriceCLI.grouped(w))") }
            if let m = entry.maxOutput { facts.append("max output \(PriceCLI.grouped(m))") }
            facts.append(entry.efforts.isEmpty ? "no effort tiers" : "efforts \(entry.efforts.map(\.rawValue).joined(separator: ", "))")
            lines.append(facts.joined(separator: " · "))
            let table = book.table(forModel: entry.id)
            if let source = entry.source ?? table?.source {
                lines.append("source: \(source) (checked \(entry.checked ?? table?.checked ?? "unknown"))")
            }
            // Where the user's own tables supplied this model's prices (layer user:FILE).
            let userFiles = Set(entry.periods.filter { $0.layer != nil }.map(\.location.file)).sorted()
            if !userFiles.isEmpty { lines.append("user table: \(userFiles.joined(separator: ", "))") }
            var periodLine = "prices on \(PriceDate.text(day)): official period from \(prices.periodStart)"
            if let c = prices.channel, let start = prices.channelPeriodStart { periodLine += ", \(c) period from \(start)" }
            lines.append(periodLine)
            lines.append("layers (outermost first): \(prices.layers.joined(separator: " > "))")
            Console.write(lines.joined(separator: "\n") + "\n\n")

            let compare = prices.channel != nil || !prices.layers.filter { $0.hasPrefix("terms:") }.isEmpty
            var columns: [TextTable.Column] = [.init("Component"), .init("Price", .right), .init("Unit"), .init("Set by")]
            if compare { columns.append(.init("Official", .right)) }
            var t = TextTable(columns: columns)
            for (c, p) in components {
                var row = [c.rawValue, PriceCLI.price(p.price), c.unit, p.layer]
                if compare { row.append(p.official.map { PriceCLI.price($0) } ?? "–") }
                t.addRow(row)
            }
            Console.write(t.render(style: style))

            var extra: [String] = []
            let channelPeriod = prices.channel.flatMap { book.channelModel($0, id: entry.id)?.period(on: day) }
            // Through a channel only the channel's own modifiers apply.
            let modifiers = prices.channel == nil ? period : channelPeriod
            if let m = modifiers, m.hasBatch {
                var parts = m.batchPrices.values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(PriceCLI.price($0.value))" }
                if let b = m.batch { parts.append((parts.isEmpty ? "every token price" : "other token prices") + " ×\(b)") }
                if !m.batchUnchanged.isEmpty { parts.append("\(m.batchUnchanged.map(\.rawValue).joined(separator: ", ")) at the standard price") }
                extra.append("batch: \(parts.joined(separator: ", "))")
            } else {
                extra.append("batch: no batch price (batch requests bill at the standard rate)")
            }
            for (name, tier) in (modifiers?.serviceTiers ?? [:]).sorted(by: { $0.key < $1.key }) {
                var parts = tier.prices.values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(PriceCLI.price($0.value))" }
                if let m = tier.multiplier { parts.append("others ×\(m)") }
                extra.append("service tier \(name): \(parts.joined(separator: ", "))")
            }
            if let lc = modifiers?.longContext {
                let parts = lc.prices.values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(PriceCLI.price($0.value))" }
                extra.append("long context: when the prompt \(lc.rule), every token bills at \(parts.joined(separator: ", "))")
            }
            for window in period?.windows ?? [] {
                var parts = window.prices.values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(PriceCLI.price($0.value))" }
                if let m = window.multiplier { parts.append((parts.isEmpty ? "every price" : "others") + " ×\(m)") }
                let now = prices.timeWindow == window ? " (applies at the time asked)" : ""
                extra.append("time window \(window.description): \(parts.joined(separator: ", "))\(now)")
            }
            if entry.periods.count > 1 {
                let history = entry.periods.map { p in
                    "from \(p.fromText): input \(p.prices[.input].map { PriceCLI.price($0) } ?? "–"), output \(p.prices[.output].map { PriceCLI.price($0) } ?? "–")"
                }
                extra.append("history: " + history.joined(separator: "; "))
            }
            if let notes = entry.notes { extra.append("notes: \(notes)") }
            if let c = prices.channel, let notes = book.channelModel(c, id: entry.id)?.notes { extra.append("\(c) notes: \(notes)") }
            if let c = prices.channel, channelPeriod?.assumed == true {
                extra.append("\(c) price: assumed equal to the official price (not confirmed on \(c)'s own price list)")
            }
            Console.write("\n" + extra.joined(separator: "\n") + "\n")
        }
    }
}

// MARK: - prices check

extension TokenLedgerCommand.Prices {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate price tables; exit 1 when any problem is found.",
            discussion: """
                Checks each table (bad numbers, unknown keys, missing components, unsorted or overlapping \
                periods) and the set (duplicate ids and aliases, channel ids missing from the official tables, \
                drift between a channel's recorded official price and the official table), each with file:line. \
                Without FILE, checks the tables bundled in this binary and your own tables \
                ($XDG_CONFIG_HOME/tokenledger/prices/*.toml, [[prices]] path = ... in the config). Files given \
                replace the bundled table of the same name for the cross-checks.

                Examples:
                  tokenledger prices check
                  tokenledger prices check pricing/*.toml
                """
        )

        @Argument(help: ArgumentHelp("Table files to check (default: the bundled tables and your own tables).", valueName: "file"))
        var files: [String] = []

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            var inputs: [(file: String, text: String)] = []
            for path in files {
                inputs.append((path, try TextInput.read(path)))
            }
            // Without FILE: your own tables too, each on its own (they may list bundled ids on purpose:
            // that is how they layer), so their problems are found here rather than by the next import.
            var userProblems: [PriceProblem] = []
            var userModels = 0
            var userFiles: [String] = []
            if files.isEmpty {
                for url in try UserPriceTables.files(config: ConfigFile.load(explicit: configOptions.config)) {
                    let (table, problems) = PriceTableReader.read(try TextInput.read(url.path), file: url.path)
                    userProblems += problems
                    userModels += table?.models.count ?? 0
                    userFiles.append(url.path)
                }
            }
            let given = Set(inputs.map { ($0.file as NSString).lastPathComponent })
            let bundled = PriceBook.bundledFiles.filter { !given.contains(($0.file as NSString).lastPathComponent) }
            let checkedFiles = files.isEmpty ? Set(bundled.map(\.file)) : Set(files)
            let (tables, all) = PriceCheck.check(inputs + bundled)
            let problems = all.filter { checkedFiles.contains($0.location.file) } + userProblems
            let checkedTables = tables.filter { checkedFiles.contains($0.file) }
            let models = checkedTables.reduce(0) { $0 + $1.models.count } + userModels
            let tableCount = checkedFiles.count + userFiles.count
            if output.json {
                Console.writeJSON(.object(JSONObject([
                    ("tables", .int(checkedTables.count + userFiles.count)), ("models", .int(models)),
                    ("problems", .array(problems.map {
                        .object(JSONObject([("file", .string($0.location.file)), ("line", .int($0.location.line)), ("message", .string($0.message))]))
                    })),
                ])))
            } else {
                for problem in problems { Console.write("\(problem)\n") }
                let summary = "checked \(tableCount) table\(tableCount == 1 ? "" : "s") (\(models) models): "
                    + (problems.isEmpty ? "no problems" : "\(problems.count) problem\(problems.count == 1 ? "" : "s")")
                quietOptions.note(summary)
            }
            if !problems.isEmpty { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }
}

// MARK: - prices import-litellm

extension TokenLedgerCommand.Prices {
    struct ImportLiteLLM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-litellm",
            abstract: "Convert LiteLLM's model_prices_and_context_window.json into a price table.",
            discussion: """
                Prices are converted exactly from each JSON number's text (1.1e-06 per token → 1.10 per 1M). \
                Entries and cost keys that have no place in the format are listed on stderr.

                Example:
                  tokenledger prices import-litellm model_prices_and_context_window.json --provider anthropic -o anthropic.toml
                """
        )

        @Argument(help: ArgumentHelp("LiteLLM's price JSON.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("Only entries whose litellm_provider is this (openai, anthropic, gemini, ...).", valueName: "provider"))
        var provider: String?

        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write the table here instead of stdout.", valueName: "path"))
        var outputPath: String?

        @Option(help: ArgumentHelp("Effective date written on every period (LiteLLM has none; default 2020-01-01).", valueName: "date"))
        var from: String = "2020-01-01"

        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            guard PriceDate.parse(from) != nil else { throw BadDateError(flag: "--from", text: from) }
            let text = try TextInput.read(file)
            let today = PriceDate.text(PriceDate.day(of: Date()))
            let result = try LiteLLMImport.convert(json: text, provider: provider, from: from, checked: today)
            if let outputPath {
                do {
                    try Data(result.toml.utf8).write(to: URL(fileURLWithPath: outputPath))
                } catch {
                    throw PriceCLI.Error.cannotWrite(outputPath)
                }
            }
            if output.json {
                Console.writeJSON(.object(JSONObject([
                    ("converted", .int(result.converted)),
                    ("skipped", .array(result.skipped.map { .object(JSONObject([("model", .string($0.model)), ("reason", .string($0.reason))])) })),
                    ("unmapped", .array(result.unmapped.map { .object(JSONObject([("model", .string($0.model)), ("key", .string($0.key))])) })),
                    ("output", outputPath.map { .string($0) } ?? .null),
                    ("table", outputPath == nil ? .string(result.toml) : .null),
                ])))
                return
            }
            if outputPath == nil { Console.write(result.toml) }
            quietOptions.note("converted \(result.converted) models\(outputPath.map { " to \($0)" } ?? ""); skipped \(result.skipped.count); \(result.unmapped.count) cost keys not mapped.")
            let limit = 20
            for item in result.skipped.prefix(limit) { quietOptions.note("  skipped \(item.model): \(item.reason)") }
            if result.skipped.count > limit { quietOptions.note("  … and \(result.skipped.count - limit) more skipped (--json lists all)") }
            for item in result.unmapped.prefix(limit) { quietOptions.note("  not mapped \(item.model): \(item.key)") }
            if result.unmapped.count > limit { quietOptions.note("  … and \(result.unmapped.count - limit) more not mapped (--json lists all)") }
        }
    }
}

// MARK: - Shared by prices and cost

enum PriceCLI {
    enum Error: UserFacingError {
        case unknownProvider(String, known: [String])
        case cannotWrite(String)
        case noPriceFolder

        var message: String {
            switch self {
            case .unknownProvider(let p, let known):
                return "no price table is for the provider '\(p)'; known providers: \(known.joined(separator: ", "))."
            case .cannotWrite(let path):
                return "cannot write \(path); check that its folder exists and is writable."
            case .noPriceFolder:
                return "cannot find the user price folder because neither XDG_CONFIG_HOME nor HOME is set; pass --to FOLDER."
            }
        }

        var exitStatus: ExitStatus {
            if case .unknownProvider = self { return .usage }
            if case .noPriceFolder = self { return .usage }
            return .failure
        }
    }

    /// The bundled tables plus the config's `[[terms]]`.
    static func book(_ options: ConfigOptions) throws -> PriceBook {
        try PriceBook.load(config: ConfigFile.load(explicit: options.config))
    }

    /// A price for tables: "$1.10", "$0.075", "$0.000001" — exact, at least two decimals.
    static func price(_ money: Money) -> String {
        "$" + exact(money)
    }

    /// Exact decimal text with at least two decimals: "0.0198", "2.80", "12.00".
    static func exact(_ money: Money) -> String {
        var text = money.decimalString
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        } else {
            text += ".00"
        }
        return text
    }

    static func grouped(_ value: Int) -> String { NumberText.grouped(value) }

    /// Every effective price as a JSON object, component → decimal string.
    static func priceObject(_ prices: EffectivePrices) -> JSONValue {
        var object = JSONObject()
        for c in PriceComponent.allCases {
            if let p = prices.components[c] { object[c.rawValue] = .money(p.price) }
        }
        return .object(object)
    }

    /// A model and its effective prices as JSON (money as decimal strings), with every other number the
    /// engine can bill on that date: batch, long context (and both), service tiers and time windows,
    /// each as the effective prices the engine computes for such a request.
    static func json(model: PricedModel, prices: EffectivePrices, book: PriceBook, at date: Date, channel: String? = nil) -> JSONValue {
        let day = PriceDate.day(of: date)
        let official = model.period(on: day)
        let modifiers = prices.channel.flatMap { book.channelModel($0, id: model.id)?.period(on: day) } ?? official
        func at(_ timeOfDay: TimeOfDay?, tier: String? = nil, batch: Bool = false, prompt: Int = 0) -> EffectivePrices? {
            try? book.prices(for: model.id, at: date, timeOfDay: timeOfDay, channel: channel, serviceTier: tier, batch: batch, promptTokens: prompt)
        }
        let moment = TimeOfDay(date)
        var batch: JSONValue = .null
        if modifiers?.hasBatch == true, let b = at(moment, batch: true), b.batchApplied { batch = priceObject(b) }
        var longContext: JSONValue = .null
        if let lc = modifiers?.longContext, let long = at(moment, prompt: lc.smallestPrompt) {
            longContext = .object(JSONObject([
                ("rule", .string(lc.inclusive ? "at_least" : "exceeds")), ("threshold", .int(lc.threshold)),
                ("smallest_prompt", .int(lc.smallestPrompt)), ("prices", priceObject(long)),
                ("batch", batch == .null ? .null : at(moment, batch: true, prompt: lc.smallestPrompt).map(priceObject) ?? .null),
            ]))
        }
        var tiers = JSONObject()
        for name in (modifiers?.serviceTiers.keys.sorted() ?? []) {
            if let t = at(moment, tier: name) { tiers[name] = priceObject(t) }
        }
        var windows: [JSONValue] = []
        for window in official?.windows ?? [] {
            let inside = TimeOfDay(second: window.start * 60, weekday: window.days.first ?? moment.weekday)
            guard let w = at(inside) else { continue }
            windows.append(.object(JSONObject([
                ("name", .string(window.name)), ("utc", .string(window.utcText)),
                ("days", .array((window.days.isEmpty ? Array(0..<7) : window.days).map { .string(["mon", "tue", "wed", "thu", "fri", "sat", "sun"][$0]) })),
                ("prices", priceObject(w)),
                ("batch", batch == .null ? .null : at(inside, batch: true).map(priceObject) ?? .null),
            ])))
        }
        return .object(JSONObject([
            ("id", .string(model.id)), ("provider", .string(model.provider)),
            ("aliases", .array(model.aliases.map { .string($0) })),
            ("encoding", .optional(model.encoding)),
            ("context_window", model.contextWindow.map { .int($0) } ?? .null),
            ("max_output", model.maxOutput.map { .int($0) } ?? .null),
            ("efforts", .array(model.efforts.map { .string($0.rawValue) })),
            ("channel", .optional(prices.channel)),
            ("period_from", .string(prices.periodStart)),
            ("layers", .array(prices.layers.map { .string($0) })),
            ("time_window", prices.timeWindow.map { .string($0.name) } ?? .null),
            ("prices", priceObject(prices)),
            ("batch", batch),
            ("long_context", longContext),
            ("service_tiers", .object(tiers)),
            ("time_windows", .array(windows)),
        ]))
    }
}
