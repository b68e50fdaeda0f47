import ArgumentParser
import Foundation
import TokenLedger

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
