// tokenledger-bench: prints throughput figures for the hot paths.
// Run: swift run -c release tokenledger-bench <suite> [options]. Each room adds its suite in its own
// file (a `BenchSuite` value) and one line to `suites` below.
import Foundation
import TokenLedger

/// One benchmark suite: a name, a one-line summary, and a body that prints its figures.
struct BenchSuite {
    var name: String
    var summary: String
    var run: ([String]) throws -> Void
}

let suites: [BenchSuite] = [
    tokenizerSuite,     // issue 3
    tokenizeSuite,      // issue 14 (profiling, A/B)
    pricingSuite,       // issue 2
    importSuite,        // issue 4
    adapterParseSuite,  // issue 4 (parse only)
    reportSuite,        // issue 5
    teamReportSuite,    // issue 13
    teamImportSuite,    // issue 13 (import into PostgreSQL, push)
    fuzzSuite,          // issue 15
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let suite = suites.first(where: { $0.name == name }) else {
    print("usage: tokenledger-bench <suite> [options]\nsuites:")
    for s in suites { print("  \(s.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(s.summary)") }
    exit(arguments.isEmpty ? 0 : 2)
}
do {
    try suite.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("tokenledger-bench: \(error)\n".utf8))
    exit(1)
}
