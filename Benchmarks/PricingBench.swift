import ArgumentParser
import Foundation
import TokenLedger

/// `tokenledger-bench pricing [N] [--markdown]`: how fast the bundled tables load, and pricing
/// throughput over N real-shaped records (default 1,000,000) mixing providers, a channel, batch,
/// flex, the long-context tier and an unknown model, two ways: `cost(of:)` (the itemized breakdown
/// `tokenledger cost` prints) and the import's path (`cost(of:memo:itemized: false)` with a fresh
/// `PricingMemo` per batch of 4,096, as `PricedBatch.Builder` does). `--markdown` adds the figures as
/// a table for docs/performance.md (`scripts/paste-figures pricing`).
struct PricingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pricing", abstract: "Bundled table load time and pricing records/s (cost(of:) and the import's path).")

    @Argument(help: "Records to price.") var count = 1_000_000
    @Flag(help: "Add the figures as a Markdown table (scripts/paste-figures pricing).") var markdown = false

    func run() throws {
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
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        var rows: [(String, Double)] = []

        var total = Money.zero
        var unpriced = 0
        let itemized = clock.measure {
            for record in records {
                if let t = book.cost(of: record).total { total += t } else { unpriced += 1 }
            }
        }
        rows.append(("`cost(of:)`, itemized", Double(count) / seconds(itemized)))
        print("cost(of:): \(count) records in \(itemized) = \(Int(rows[0].1)) records/s (unpriced \(unpriced), total $\(total.formatted(places: 2)))")

        var importTotal = Money.zero
        let batched = clock.measure {
            var memo = PricingMemo()
            for (i, record) in records.enumerated() {
                if i % 4_096 == 0 { memo = PricingMemo() }
                if let t = book.cost(of: record, memo: &memo, itemized: false).total { importTotal += t }
            }
        }
        rows.append(("import's path: `cost(of:memo:itemized: false)`, a memo per 4,096 records", Double(count) / seconds(batched)))
        print("import's path: \(count) records in \(batched) = \(Int(rows[1].1)) records/s (total $\(importTotal.formatted(places: 2)), \(importTotal == total ? "equal" : "NOT EQUAL") to cost(of:))")

        if markdown {
            print("\n| what | figure |")
            print("|---|---|")
            print(String(format: "| bundled tables loaded | %d models from %d tables in %.1f ms |", book.allModels.count, PriceBook.bundledFiles.count, seconds(load) * 1000))
            for (name, rate) in rows {
                print("| \(name) | \(thousands(Int(rate))) records/s over \(thousands(count)) records |")
            }
        }
    }
}

/// 1234567 → "1,234,567", whatever the locale (figures pasted into docs read the same everywhere).
func thousands(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
