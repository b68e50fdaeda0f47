import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    struct Cost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price a request from its token counts, component by component.",
            discussion: """
                Token counts follow the canonical rule: --input-tokens is *uncached* input (cache reads and \
                writes are given separately), and --output-tokens includes --reasoning-tokens. Prices come from the bundled \
                tables, then --channel, then the config's [[terms]]; the breakdown names the layer of each price.

                Examples:
                  tokenledger cost --model o3-mini --input-tokens 2000 --cached-tokens 8000 --output-tokens 3000 --reasoning-tokens 2000
                  tokenledger cost --model claude-sonnet-4 --input-tokens 100 --cache-write-5m 10000 --cached-tokens 50000 --output-tokens 2000
                  tokenledger cost --model o3 --input-tokens 1000000 --output-tokens 200000 --batch --at 2025-06-01 --json
                  tokenledger cost --model whisper-1 --audio-seconds 754
                """
        )

        @Option(help: ArgumentHelp("Model id, alias or prefixed name (o3-mini, openai/gpt-4o, 302ai/o3-mini).", valueName: "model"))
        var model: String

        @Option(name: .customLong("input-tokens"), help: ArgumentHelp("Uncached input tokens.", valueName: "n"))
        var inputTokens: Int?

        @Option(name: .customLong("output-tokens"), help: ArgumentHelp("Output tokens, including reasoning tokens.", valueName: "n"))
        var outputTokens: Int?

        @Option(name: .customLong("cached-tokens"), help: ArgumentHelp("Cache-read input tokens.", valueName: "n"))
        var cachedTokens: Int?

        // The first spellings, kept working but hidden: --output names a file in every other command.
        @Option(name: .customLong("input"), help: .hidden) var legacyInput: Int?
        @Option(name: .customLong("output"), help: .hidden) var legacyOutput: Int?
        @Option(name: .customLong("cached"), help: .hidden) var legacyCached: Int?
        @Option(name: .customLong("reasoning"), help: .hidden) var legacyReasoning: Int?

        @Option(name: .customLong("cache-write-5m"), help: ArgumentHelp("Cache-write tokens, 5-minute TTL.", valueName: "n"))
        var cacheWrite5m: Int = 0

        @Option(name: .customLong("cache-write-1h"), help: ArgumentHelp("Cache-write tokens, 1-hour TTL.", valueName: "n"))
        var cacheWrite1h: Int = 0

        @Option(name: .customLong("reasoning-tokens"), help: ArgumentHelp("Reasoning tokens (a part of --output-tokens).", valueName: "n"))
        var reasoningTokens: Int?

        var input: Int { inputTokens ?? legacyInput ?? 0 }
        var output: Int { outputTokens ?? legacyOutput ?? 0 }
        var cached: Int { cachedTokens ?? legacyCached ?? 0 }
        var reasoning: Int { reasoningTokens ?? legacyReasoning ?? 0 }

        @Option(name: .customLong("web-search"), help: ArgumentHelp("Web search calls.", valueName: "n"))
        var webSearch: Int = 0

        @Option(name: .customLong("audio-seconds"), help: ArgumentHelp("Seconds of audio, for models billed by the minute (whisper-1).", valueName: "n"))
        var audioSeconds: Int = 0

        @Option(name: .customLong("characters"), help: ArgumentHelp("Characters of text, for models billed by length (tts-1).", valueName: "n"))
        var characters: Int = 0

        @Flag(help: "Priced as a Batch API request.")
        var batch = false

        @Option(name: .customLong("service-tier"), help: ArgumentHelp("Service tier: flex, priority, default.", valueName: "tier"))
        var serviceTier: String?

        @Option(help: ArgumentHelp("Reseller channel the request went through (e.g. 302ai).", valueName: "channel"))
        var channel: String?

        @OptionGroup var priceDate: PriceDateOptions

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func validate() throws {
            if quietOptions.quiet && outputOptions.json { throw ValidationError("--quiet and --json cannot be used together; pick one.") }
            for (name, new, old) in [("input", inputTokens, legacyInput), ("output", outputTokens, legacyOutput),
                                     ("cached", cachedTokens, legacyCached), ("reasoning", reasoningTokens, legacyReasoning)] where new != nil && old != nil {
                throw ValidationError("--\(name)-tokens and --\(name) are the same count; give it once, as --\(name)-tokens.")
            }
            let counts = [("--input-tokens", input), ("--output-tokens", output), ("--cached-tokens", cached), ("--cache-write-5m", cacheWrite5m),
                          ("--cache-write-1h", cacheWrite1h), ("--reasoning-tokens", reasoning), ("--web-search", webSearch),
                          ("--audio-seconds", audioSeconds), ("--characters", characters)]
            if let negative = counts.first(where: { $0.1 < 0 }) {
                throw ValidationError("\(negative.0) must be zero or more, not \(negative.1).")
            }
            if reasoning > output {
                throw ValidationError("--reasoning-tokens (\(reasoning)) cannot exceed --output-tokens (\(output)): output tokens include reasoning tokens.")
            }
        }

        func run() async throws {
            let date = try priceDate.date()
            let book = try PriceCLI.book(configOptions)
            let provider = book.resolve(model: book.splitChannel(model).model).modelID.flatMap { book.table(forModel: $0)?.provider } ?? "unknown"
            let record = UsageRecord(
                timestamp: date, provider: provider, model: model, serviceTier: serviceTier, isBatch: batch,
                tokens: TokenCounts(input: input, cacheRead: cached, cacheWrite5m: cacheWrite5m, cacheWrite1h: cacheWrite1h,
                                    output: output, reasoning: reasoning),
                units: UnitCounts(webSearchCalls: webSearch, audioSeconds: audioSeconds, characters: characters), source: "cli", channel: channel
            )
            let breakdown = try book.pricedCost(of: record)
            // Read once: reading `total` (a switch over the status) twice in this async function crashed
            // the 6.3.1 optimizer (CopyPropagation) in release builds.
            let pricedTotal = breakdown.total
            let total = pricedTotal ?? .zero

            if quietOptions.quiet {
                // The figure alone, as `estimate --quiet` prints it: "$0.0123", or "unpriced" (never $0).
                Console.write((pricedTotal.map { "$" + PriceCLI.exact($0) } ?? "unpriced") + "\n")
                return
            }
            if outputOptions.json {
                Console.writeJSON(.object(JSONObject([
                    ("model", .string(model)),
                    ("resolved_model", .optional(breakdown.resolvedModel)),
                    ("provider", .string(provider)),
                    ("at", .string(Timestamp.iso8601(date))),
                    ("period_start", .optional(breakdown.periodStart)),
                    ("layers", .array(breakdown.layers.map { .string($0) })),
                    ("batch", .bool(batch)),
                    ("service_tier", .optional(serviceTier)),
                    ("channel", .optional(channel)),
                    ("components", .array(breakdown.components.map { c in
                        .object(JSONObject([
                            ("name", .string(c.name)), ("quantity", .int(c.quantity)),
                            ("unit_price", .money(c.unitPrice)),
                            ("unit", .string("USD " + c.unit)),
                            ("cost", .money(c.cost)), ("layer", .string(c.layer)),
                        ]))
                    })),
                    ("total", .money(total)),
                    ("notes", .array(breakdown.notes.map { .string($0) })),
                ])))
                return
            }

            let style = Console.style
            var header = "\(style.bold(breakdown.resolvedModel ?? model)) · \(provider) · prices from \(breakdown.periodStart ?? "?")"
            header += " · layers: \(breakdown.layers.joined(separator: " > "))"
            Console.write(header + "\n\n")
            var table = TextTable(columns: [
                .init("Component"), .init("Quantity", .right), .init("Price", .right), .init("Unit"),
                .init("Cost", .right), .init("Set by"),
            ])
            for c in breakdown.components {
                table.addRow([c.name, PriceCLI.grouped(c.quantity), PriceCLI.price(c.unitPrice), c.unit, "$" + PriceCLI.exact(c.cost), c.layer])
            }
            table.addSeparator()
            table.addRow(["total", "", "", "", style.bold("$" + PriceCLI.exact(total)), ""])
            Console.write(table.render(style: style))
            for note in breakdown.notes { Console.write("note: \(note)\n") }
        }
    }
}
