import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerEstimator

@Suite("Output forecasts from the user's own history")
struct OutputHistoryTests {
    /// Ten o3-mini high-effort requests with output (incl. reasoning) 1100…2000 and reasoning 1000…1900:
    /// visible is 100 each; reasoning sorted = 1000,1100,…,1900.
    func ledgerWithHistory() throws -> Ledger {
        let ledger = try Ledger.inMemory()
        let prices = try PriceBook.bundled()
        var entries: [LedgerEntry] = []
        for i in 0..<10 {
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: 1_760_000_000 + Double(i) * 60), provider: "openai", model: "o3-mini",
                effort: .high, tokens: TokenCounts(input: 500, output: 1_100 + 100 * i, reasoning: 1_000 + 100 * i), source: "test")
            entries.append(LedgerEntry(record: record, dedupKey: "h\(i)"))
        }
        // Another effort tier and an aggregated bucket must not count.
        entries.append(LedgerEntry(record: UsageRecord(timestamp: Date(timeIntervalSince1970: 1_760_000_000), provider: "openai",
            model: "o3-mini", effort: .low, tokens: TokenCounts(output: 99_999, reasoning: 99_000), source: "test"), dedupKey: "low"))
        entries.append(LedgerEntry(record: UsageRecord(timestamp: Date(timeIntervalSince1970: 1_760_000_000), provider: "openai",
            model: "o3-mini", effort: .high, tokens: TokenCounts(output: 88_888, reasoning: 80_000), source: "test",
            requestCount: 40, isAggregate: true), dedupKey: "agg"))
        try ledger.insert(entries, pricing: prices)
        return ledger
    }

    @Test("median and 90th percentile by nearest rank, same model and effort only")
    func percentiles() throws {
        let history = try #require(try OutputHistory.load(from: ledgerWithHistory(), modelID: "o3-mini-2025-01-31", effort: .high))
        #expect(history.requests == 10)
        // Nearest rank: p50 → 5th of 10, p90 → 9th of 10.
        #expect(history.reasoningMedian == 1_400)
        #expect(history.reasoningP90 == 1_800)
        #expect(history.visibleMedian == 100 && history.visibleP90 == 100)
    }

    @Test("too little history is not trusted")
    func tooLittle() throws {
        #expect(try OutputHistory.load(from: ledgerWithHistory(), modelID: "o3-mini-2025-01-31", effort: .low) == nil)
    }

    @Test("the forecast takes each figure from the best source and says which")
    func forecastBasis() {
        let history = OutputHistory(requests: 12, visibleMedian: 300, visibleP90: 900, reasoningMedian: 2_000, reasoningP90: 7_000)
        let mixed = Estimator.forecast(effort: .high, reasons: true, history: history, options: .init(outputTokens: 50))
        #expect(mixed.visibleMedian == 50 && mixed.visibleBasis == .given)
        #expect(mixed.reasoningMedian == 2_000 && mixed.reasoningBasis == .history(requests: 12))
        let defaults = Estimator.forecast(effort: .high, reasons: true, history: nil, options: .init())
        #expect(defaults.reasoningMedian == 6_144 && defaults.reasoningP90 == 24_576 && defaults.visibleMedian == 500)
        #expect(defaults.reasoningBasis == .defaults(.high))
        let plain = Estimator.forecast(effort: .unknown, reasons: false, history: nil, options: .init())
        #expect(plain.reasoningMedian == 0 && plain.reasoningP90 == 0)
    }
}
