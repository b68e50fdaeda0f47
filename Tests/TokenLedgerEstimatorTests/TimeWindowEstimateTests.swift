import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerPricing
@testable import TokenLedgerEstimator

@Suite("estimate --at prices the request at that time of day")
struct TimeWindowEstimateTests {
    @Test("DeepSeek V4 Pro in peak hours (02:00 UTC) costs twice the same request at noon, and says why")
    func peakHours() throws {
        let estimator = Estimator(prices: try PriceBook.bundled(), ledger: nil)
        let text = "Summarise the attached quarterly report in five bullet points."
        func estimate(_ time: String) throws -> RequestEstimate {
            let at = try #require(Timestamp.parse(time))
            return try #require(try estimator.estimate(text: text, options: .init(model: "deepseek-v4-pro", at: at)).requests.first)
        }
        let peak = try estimate("2026-09-01T02:00:00Z"), offPeak = try estimate("2026-09-01T12:00:00Z")
        let peakTotal = try #require(peak.expected.total), offPeakTotal = try #require(offPeak.expected.total)
        #expect(offPeakTotal > .zero)
        #expect(peakTotal == offPeakTotal + offPeakTotal)
        #expect(peak.expected.notes.contains { $0.contains("peak 01:00-04:00 UTC") })
        #expect(!offPeak.expected.notes.contains { $0.contains("peak") })
        #expect(peak.expected.timeWindow == "peak 01:00-04:00 UTC (mon, tue, wed, thu, fri) except cn-public-holidays")
        #expect(offPeak.expected.timeWindow == nil)
    }
}
