import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// The estimate for one request: its input tokens (exact or approximate), the expected output and
/// reasoning, and its cost at the expected output, at the 90th percentile and at the output cap.
public struct RequestEstimate: Sendable {
    /// The model name as given (flag, body or batch line).
    public var model: String
    /// The canonical id it resolved to, nil when the price tables do not know it.
    public var modelID: String?
    /// The provider whose prices apply, nil when the model is unknown.
    public var provider: String?
    /// The reasoning effort the forecast is for.
    public var effort: EffortTier
    /// True for a Batch API request (priced at the batch discount).
    public var isBatch: Bool
    /// 1-based line in a batch file.
    public var line: Int?
    /// A batch line's `custom_id`.
    public var customID: String?
    /// Prompt tokens as billed (message overhead, tools and images included for OpenAI encodings).
    public var inputTokens: Int
    /// True when no exact tokenizer exists for the model (the count is a labelled approximation).
    public var inputIsApproximate: Bool
    /// "o200k_base", "cl100k_base" or "approximate (claude)".
    public var counting: String
    /// The output forecast: median and 90th percentile, and where each came from.
    public var forecast: OutputForecast
    /// The most output the request can produce (its own max tokens, else the model's max output).
    public var outputCap: Int?
    /// Cost at the expected (median) output, at the 90th percentile, and with the whole cap spent.
    public var expected: CostBreakdown
    /// Cost at the 90th-percentile output.
    public var p90: CostBreakdown
    /// Cost with the whole output cap spent; nil when the request has no cap.
    public var atCap: CostBreakdown?
    /// The model's context window in tokens, when the price tables know it.
    public var contextWindow: Int?
    /// What the user should know about this request (approximate count, prompt beyond the context window, …).
    public var warnings: [String]

    /// Billed output at the median, capped.
    public var expectedOutput: Int { capped(forecast.expectedOutput) }
    /// Billed output at the 90th percentile, capped.
    public var p90Output: Int { capped(forecast.p90Output) }

    func capped(_ n: Int) -> Int { outputCap.map { min(n, $0) } ?? n }
}

/// The estimate for everything in the input: one request, or every line of a batch file.
public struct Estimate: Sendable {
    /// One estimate per request, in input order.
    public var requests: [RequestEstimate]
    /// The kind of input read.
    public var kind: EstimateInputKind
    /// When the prices were looked up (the price period in force then).
    public var pricedAt: Date

    /// Prompt tokens of every request together.
    public var inputTokens: Int { requests.reduce(0) { $0 + $1.inputTokens } }
    /// Billed output of every request at the median, each capped.
    public var expectedOutput: Int { requests.reduce(0) { $0 + $1.expectedOutput } }
    /// Billed output of every request at the 90th percentile, each capped.
    public var p90Output: Int { requests.reduce(0) { $0 + $1.p90Output } }
    /// The reasoning part of `expectedOutput`.
    public var expectedReasoning: Int { requests.reduce(0) { $0 + min($1.forecast.reasoningMedian, $1.expectedOutput) } }

    /// Sums of the priced requests; nil when none is priced.
    public var expectedCost: Money? { sum(\.expected) }
    /// Sum of the priced requests at the 90th-percentile output; nil when none is priced.
    public var p90Cost: Money? { sum(\.p90) }
    /// Nil when any request has no cap (the worst case is unbounded) or none is priced.
    public var capCost: Money? {
        guard requests.allSatisfy({ $0.atCap != nil }) else { return nil }
        return sum { $0.atCap! }
    }
    /// Requests whose model has no price: the totals leave them out (they are lower bounds).
    public var unpricedRequests: [RequestEstimate] { requests.filter { $0.expected.total == nil } }
    /// True when any input count is approximate.
    public var isApproximate: Bool { requests.contains { $0.inputIsApproximate } }
    /// Every distinct warning, in first-seen order.
    public var warnings: [String] {
        var seen = Set<String>()
        return requests.flatMap(\.warnings).filter { seen.insert($0).inserted }
    }

    private func sum(_ cost: (RequestEstimate) -> CostBreakdown) -> Money? {
        let totals = requests.compactMap { cost($0).total }
        return totals.isEmpty ? nil : totals.sum()
    }
}
