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
