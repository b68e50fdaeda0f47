import Foundation
import TokenLedger

/// `tokenledger-bench pricing [N]`: how fast the bundled tables load, and `PriceBook.cost(of:)`
/// throughput over N real-shaped records (default 1,000,000) mixing providers, a channel, batch,
/// flex, the long-context tier and an unknown model.
@MainActor let pricingSuite = BenchSuite(name: "pricing", summary: "bundled table load time and cost(of:) records/s") { arguments in
    let count = arguments.first.flatMap { Int($0) } ?? 1_000_000
    let clock = ContinuousClock()
    var book = PriceBook()
    let load = try clock.measure { book = try PriceBook(tables: PriceBook.bundledFiles.map { try PriceTable.parse($0.text, file: $0.file) }) }
    print("load: \(book.allModels.count) models from \(PriceBook.bundledFiles.count) tables in \(load)")

    let start = Date(timeIntervalSince1970: 1_748_736_000) // 2025-06-01
    let shapes: [(String, String, TokenCounts, Bool, String?)] = [
        ("o3-mini", "openai", TokenCounts(input: 2_000, cacheRead: 8_000, output: 3_000, reasoning: 2_000), false, nil),
        ("gpt-4o-mini", "openai", TokenCounts(input: 1_200, output: 300), true, nil),
        ("o3", "openai", TokenCounts(input: 10_000, cacheRead: 20_000, output: 5_000, reasoning: 4_000), false, "flex"),
        ("claude-sonnet-4-20250514", "anthropic", TokenCounts(input: 50, cacheRead: 90_000, cacheWrite5m: 4_000, output: 1_500), false, nil),
        ("gemini-2.5-pro", "google", TokenCounts(input: 230_000, output: 2_000, reasoning: 800), false, nil),
        ("302ai/o3-mini", "openai", TokenCounts(input: 900, output: 400), false, nil),
        ("openrouter/openai/gpt-4o", "openrouter", TokenCounts(input: 700, output: 200), false, nil),
        ("my-finetune-v3", "openai", TokenCounts(input: 100, output: 100), false, nil),
    ]
    var records: [UsageRecord] = []
    records.reserveCapacity(count)
    for i in 0..<count {
        let s = shapes[i % shapes.count]
        records.append(UsageRecord(timestamp: start.addingTimeInterval(Double(i % 200) * 3_600), provider: s.1, model: s.0,
                                   serviceTier: s.4, isBatch: s.3, tokens: s.2, source: "bench"))
    }
    var total = Money.zero
    var unpriced = 0
    let elapsed = clock.measure {
        for record in records {
            if let t = book.cost(of: record).total { total += t } else { unpriced += 1 }
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("cost(of:): \(count) records in \(elapsed) = \(Int(Double(count) / seconds)) records/s (unpriced \(unpriced), total $\(total.formatted(places: 2)))")
}
