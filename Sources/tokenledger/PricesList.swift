import ArgumentParser
import Foundation
import TokenLedger

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

        @OptionGroup var priceDate: PriceDateOptions

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            let date = try priceDate.date()
            let book = try PriceCLI.book(configOptions)
            let wanted = provider?.lowercased()
            let providers = book.officialTables.map(\.provider) + Set(book.resellerOnlyModels.map(\.provider)).sorted()
            if let wanted, !providers.contains(wanted) {
                throw PriceCLI.Error.unknownProvider(wanted, known: providers)
            }
            var rows: [(PricedModel, EffectivePrices)] = []
            for model in book.allModels + book.resellerOnlyModels where wanted == nil || model.provider == wanted {
                guard let prices = try? book.prices(for: model.id, at: date) else { continue }
                rows.append((model, prices))
            }
            if output.json {
                Console.writeJSON(.object(JSONObject([
                    ("at", .string(PriceDate.text(PriceDate.day(of: date)))),
                    ("unit", "USD per 1M tokens"),
                    ("models", .array(rows.compactMap { model, _ in (try? book.explain(model: model.id, at: date)).map(PriceCLI.json) })),
                ])))
                return
            }
            var table = TextTable(columns: [
                .init("Model"), .init("Provider"), .init("Input", .right), .init("Cache read", .right),
                .init("Output", .right), .init("Batch", .right), .init("Since"), .init("Per unit"),
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
                    // Models billed per minute, character or image: that price and its unit.
                    PriceComponent.units.filter { $0 != .webSearchPer1k }
                        .compactMap { c in prices.price(of: c).map { "\(PriceCLI.price($0.price)) \(c.unit)" } }.joined(separator: ", "),
                ])
            }
            Console.write(table.render(style: Console.style))
            quietOptions.note("\(rows.count) models priced on \(PriceDate.text(PriceDate.day(of: date))), USD per 1M tokens. Details: tokenledger prices show MODEL. Channels: \(book.channelNames.joined(separator: ", ")).")
        }
    }
}
