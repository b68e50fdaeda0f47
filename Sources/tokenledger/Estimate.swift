import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    /// `tokenledger estimate`: what a prompt, a request body or a batch file will cost before it is sent.
    struct Estimate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate what a prompt, a request body or a Batch API input file will cost before sending it.",
            discussion: """
                Input tokens are exact for OpenAI encodings (message overhead, tools and images included) and \
                labelled approximate otherwise. Output and reasoning tokens come from --output-tokens and \
                --reasoning-tokens, else from your own history in the ledger (same model and effort), else \
                from documented defaults per effort tier; the basis is always shown.

                Examples:
                  tokenledger estimate --model o3-mini --effort high prompt.txt
                  tokenledger estimate request.json                 # a Chat Completions or Responses body
                  tokenledger estimate batch_input.jsonl --json     # every line's own model, batch price
                  echo "Hello" | tokenledger estimate --model gpt-4o --quiet
                """
        )

        @Option(name: .long, help: "Model to price (overrides the model named in the input; required for plain text).")
        var model: String?

        @Option(name: .long, help: "Reasoning effort tier: none, minimal, low, medium, high, xhigh.")
        var effort: String?

        @Option(name: .customLong("output-tokens"), help: "Visible output tokens you expect.")
        var outputTokens: Int?

        @Option(name: .customLong("reasoning-tokens"), help: "Hidden reasoning tokens you expect.")
        var reasoningTokens: Int?

        @Option(name: .long, help: "How to read the input: auto, text, chat, responses, batch.")
        var input: String = "auto"

        @Option(name: .long, help: "Price at this date (YYYY-MM-DD or ISO 8601; default now).")
        var at: String?

        @Flag(name: .customLong("no-history"), help: "Ignore the ledger's history; use the built-in defaults.")
        var noHistory = false

        @Flag(name: .long, help: "Print only the expected cost (one line).")
        var quiet = false

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "A file to estimate, or - for standard input (the default).")
        var file: String?

        func validate() throws {
            if let effort, !EffortTier.ordered.contains(EffortTier(rawValue: effort)) {
                throw ValidationError("unknown effort '\(effort)'; use one of \(EffortTier.ordered.map(\.rawValue).joined(separator: ", ")).")
            }
            if input != "auto", EstimateInputKind(rawValue: input) == nil {
                throw ValidationError("unknown input kind '\(input)'; use auto, text, chat, responses or batch.")
            }
            if let outputTokens, outputTokens < 0 { throw ValidationError("--output-tokens must be zero or more.") }
            if let reasoningTokens, reasoningTokens < 0 { throw ValidationError("--reasoning-tokens must be zero or more.") }
            if quiet && output.json { throw ValidationError("--quiet and --json cannot be used together; pick one.") }
        }

        func run() async throws {
            let text = try TextInput.read(file ?? "-")
            let config = try ConfigFile.load(explicit: configOptions.config)
            let prices = try PriceBook.load(config: config)
            var ledger: (any LedgerStore)?
            if !noHistory {
                if let address = try ledgerOptions.teamAddress() {
                    ledger = try TeamLedger.connect(address)
                } else {
                    let url = try ledgerOptions.ledgerURL(command: "estimate")
                    if FileManager.default.fileExists(atPath: url.path) { ledger = try Ledger.openReadOnly(at: url) }
                }
            }
            var options = Estimator.Options(
                model: model, effort: effort.map { EffortTier(rawValue: $0) }, outputTokens: outputTokens,
                reasoningTokens: reasoningTokens, kind: EstimateInputKind(rawValue: input))
            if let at { options.at = try PriceDate.argument(at) }
            let estimate = try Estimator(prices: prices, ledger: ledger).estimate(text: text, options: options)

            if quiet {
                Console.write((estimate.expectedCost.map(EstimateRendering.dollars) ?? "unpriced") + "\n")
            } else if output.json {
                Console.writeJSON(EstimateRendering.json(estimate))
            } else {
                Console.write(EstimateRendering.text(estimate, style: Console.style))
            }
            for warning in estimate.warnings where !output.json && !quiet { Console.warning(warning) }
        }
    }
}
