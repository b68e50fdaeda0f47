// tokenledger-bench: prints throughput figures for the hot paths.
// Run: swift run -c release tokenledger-bench <benchmark> [options]. Each benchmark is a subcommand
// in its own file (a `ParsableCommand`), listed once in `subcommands` below.
import ArgumentParser
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenledger-bench",
        abstract: "Throughput figures for TokenLedger's hot paths (release builds; see docs/performance.md).",
        subcommands: [
            TokenizerBench.self, TokenizeBench.self, PricingBench.self, ImportBench.self, AdapterParseBench.self,
            ReportBench.self, TeamReportBench.self, TeamImportBench.self, FuzzBench.self,
        ]
    )
}

/// A benchmark that ran and found something wrong (not a usage error: ArgumentParser words those).
enum BenchError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let message): return message }
    }
}

Bench.main()
