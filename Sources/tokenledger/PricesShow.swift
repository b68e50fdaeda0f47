import ArgumentParser
import Foundation
import TokenLedger

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

        @OptionGroup var priceDate: PriceDateOptions

        @Option(help: ArgumentHelp("Show the prices through a reseller channel (e.g. 302ai) next to the official ones.", valueName: "channel"))
        var channel: String?

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            let date = try priceDate.date()
            let book = try PriceCLI.book(configOptions)
            let explanation = try book.explain(model: model, at: date, channel: channel)
            let entry = explanation.model, prices = explanation.prices, day = explanation.day

            if output.json {
                var object = PriceCLI.json(explanation).object ?? JSONObject()
                object["at"] = .string(PriceDate.text(day))
                object["components"] = .array(explanation.components.map { c, p in
                    .object(JSONObject([
                        ("component", .string(c.rawValue)), ("unit", .string("USD \(c.unit)")),
                        ("price", .money(p.price)), ("set_by", .string(p.layer)),
                        ("official", p.official.map { .money($0) } ?? .null),
                    ]))
                })
                object["history"] = .array(entry.periods.map { p in
                    var period = JSONObject([
                        ("from", .string(p.fromText)),
                        ("input", p.prices[.input].map { .money($0) } ?? .null),
                        ("output", p.prices[.output].map { .money($0) } ?? .null),
                    ])
                    for unit in PriceComponent.units { if let price = p.prices[unit] { period[unit.rawValue] = .money(price) } }
                    return .object(period)
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
            if entry.resellerOnly { facts.append("sold only by resellers") }
            lines.append(facts.joined(separator: " · "))
            let table = book.table(forModel: entry.id)
            if let source = entry.source ?? table?.source {
                lines.append("source: \(source) (checked \(entry.checked ?? table?.checked ?? "unknown"))")
            }
            if !explanation.userFiles.isEmpty { lines.append("user table: \(explanation.userFiles.joined(separator: ", "))") }
            var periodLine = "prices on \(PriceDate.text(day)): official period from \(prices.periodStart)"
            if let c = prices.channel, let start = prices.channelPeriodStart { periodLine += ", \(c) period from \(start)" }
            lines.append(periodLine)
            lines.append("layers (outermost first): \(prices.layers.joined(separator: " > "))")
            Console.write(lines.joined(separator: "\n") + "\n\n")

            let compare = prices.channel != nil || !prices.layers.filter { $0.hasPrefix("terms:") }.isEmpty
            var columns: [TextTable.Column] = [.init("Component"), .init("Price", .right), .init("Unit"), .init("Set by")]
            if compare { columns.append(.init("Official", .right)) }
            var t = TextTable(columns: columns)
            for (c, p) in explanation.components {
                var row = [c.rawValue, PriceCLI.price(p.price), c.unit, p.layer]
                if compare { row.append(p.official.map { PriceCLI.price($0) } ?? "–") }
                t.addRow(row)
            }
            Console.write(t.render(style: style))
            Console.write("\n" + Self.modifierLines(explanation, book: book).joined(separator: "\n") + "\n")
        }

        /// The batch, tier, long-context, window, history and notes lines under the table.
        static func modifierLines(_ explanation: PriceExplanation, book: PriceBook) -> [String] {
            let entry = explanation.model, prices = explanation.prices
            func list(_ prices: ComponentPrices) -> [String] {
                prices.values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \(PriceCLI.price($0.value))" }
            }
            var extra: [String] = []
            if let m = explanation.modifiers, m.hasBatch {
                var parts = list(m.batchPrices)
                if let b = m.batch { parts.append((parts.isEmpty ? "every token price" : "other token prices") + " ×\(b)") }
                if !m.batchUnchanged.isEmpty { parts.append("\(m.batchUnchanged.map(\.rawValue).joined(separator: ", ")) at the standard price") }
                extra.append("batch: \(parts.joined(separator: ", "))")
            } else {
                extra.append("batch: no batch price (batch requests bill at the standard rate)")
            }
            for (name, tier) in (explanation.modifiers?.serviceTiers ?? [:]).sorted(by: { $0.key < $1.key }) {
                var parts = list(tier.prices)
                if let m = tier.multiplier { parts.append("others ×\(m)") }
                extra.append("service tier \(name): \(parts.joined(separator: ", "))")
            }
            if let lc = explanation.modifiers?.longContext {
                extra.append("long context: when the prompt \(lc.rule), every token bills at \(list(lc.prices).joined(separator: ", "))")
            }
            for window in explanation.officialPeriod?.windows ?? [] {
                var parts = list(window.prices)
                if let m = window.multiplier { parts.append((parts.isEmpty ? "every price" : "others") + " ×\(m)") }
                let now = prices.timeWindow == window ? " (applies at the time asked)" : ""
                extra.append("time window \(window.description): \(parts.joined(separator: ", "))\(now)")
            }
            if entry.periods.count > 1 {
                let history = entry.periods.map { p in
                    var parts = [PriceComponent.input, .output].compactMap { c in p.prices[c].map { "\(c.rawValue) \(PriceCLI.price($0))" } }
                    parts += PriceComponent.units.compactMap { c in p.prices[c].map { "\(c.rawValue) \(PriceCLI.price($0))" } }
                    return "from \(p.fromText): \(parts.joined(separator: ", "))"
                }
                extra.append("history: " + history.joined(separator: "; "))
            }
            if let notes = entry.notes { extra.append("notes: \(notes)") }
            if let c = prices.channel, !entry.resellerOnly, let notes = book.channelModel(c, id: entry.id)?.notes { extra.append("\(c) notes: \(notes)") }
            if let c = prices.channel, explanation.channelPeriod?.assumed == true {
                extra.append("\(c) price: assumed equal to the official price (not confirmed on \(c)'s own price list)")
            }
            return extra
        }
    }
}
