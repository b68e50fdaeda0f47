import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerTokenizer

/// Cost before sending: counts a request's input tokens (exactly for OpenAI encodings), forecasts its
/// output and reasoning tokens (from what you say, else your ledger history, else documented
/// defaults), and prices all three cases with the price tables.
///
/// ```swift
/// let estimator = Estimator(prices: try PriceBook.bundled(), ledger: nil)
/// let estimate = try estimator.estimate(text: prompt, options: .init(model: "o3-mini", effort: .high))
/// print(estimate.expectedCost?.displayString ?? "unpriced")
/// ```
/// Cost: one tokenizer pass over the input (the vocabulary is mapped once per process), and with a
/// ledger one read per distinct model and effort of the recent hours that hold its last 5,000 requests.
public struct Estimator: Sendable {
    /// The price tables the estimate is priced with.
    public var prices: PriceBook
    /// Where past requests are read (local ledger or team ledger); nil for no history.
    public var ledger: (any LedgerStore)?

    /// An estimator pricing with `prices` and forecasting output and reasoning tokens from `ledger`'s
    /// recent requests of the same model and effort, or from built-in defaults when `ledger` is nil.
    public init(prices: PriceBook, ledger: (any LedgerStore)?) {
        self.prices = prices
        self.ledger = ledger
    }

    /// What the caller knows or wants to override.
    public struct Options: Sendable {
        /// Overrides the model named in the input (required for plain text).
        public var model: String?
        /// Overrides the effort tier named in the input.
        public var effort: EffortTier?
        /// Visible output tokens you expect, if you know.
        public var outputTokens: Int?
        /// Hidden reasoning tokens you expect, if you know.
        public var reasoningTokens: Int?
        /// Read the input as this kind instead of detecting it.
        public var kind: EstimateInputKind?
        /// Price at this instant (default now).
        public var at: Date

        /// Options; each left out is read from the input (or, for `at`, is now).
        public init(model: String? = nil, effort: EffortTier? = nil, outputTokens: Int? = nil, reasoningTokens: Int? = nil,
                    kind: EstimateInputKind? = nil, at: Date = Date()) {
            self.model = model
            self.effort = effort
            self.outputTokens = outputTokens
            self.reasoningTokens = reasoningTokens
            self.kind = kind
            self.at = at
        }
    }

    /// Estimates a prompt, a request body or a batch file given as text.
    public func estimate(text: String, options: Options) throws -> Estimate {
        let kind = options.kind ?? EstimateInputKind.detect(text)
        let requests = try PlannedRequest.parse(text, kind: kind)
        return try estimate(requests, kind: kind, options: options)
    }

    /// Estimates already-parsed requests.
    package func estimate(_ requests: [PlannedRequest], kind: EstimateInputKind, options: Options) throws -> Estimate {
        var histories: [String: OutputHistory?] = [:]
        var results: [RequestEstimate] = []
        results.reserveCapacity(requests.count)
        for request in requests {
            guard let model = options.model ?? request.model, !model.isEmpty else {
                throw EstimateError.noModel(line: request.line)
            }
            results.append(try estimateOne(request, model: model, options: options, histories: &histories))
        }
        if !results.isEmpty, results.allSatisfy({ $0.modelID == nil }) {
            let names = Array(Set(results.map(\.model))).sorted()
            throw EstimateError.unknownModels(names, suggestions: names.flatMap { prices.suggestions(for: $0, limit: 3) })
        }
        return Estimate(requests: results, kind: kind, pricedAt: options.at)
    }

    private func estimateOne(_ request: PlannedRequest, model: String, options: Options,
                             histories: inout [String: OutputHistory?]) throws -> RequestEstimate {
        var warnings: [String] = []
        let modelID = prices.resolve(model: model).modelID
        let info = modelID.flatMap { prices.model(id: $0) }

        // Effort: the flag, else the request, else the model's default when it reasons.
        var effort = options.effort ?? request.effort
        let reasons = !(info?.efforts.isEmpty ?? true)
        if let info, !reasons, effort.isKnown, effort != .none {
            warnings.append("\(info.id) does not take a reasoning effort; '\(effort)' is ignored.")
            effort = .unknown
        } else if reasons, !effort.isKnown {
            effort = info?.efforts.contains(.medium) == true ? .medium : (info?.efforts.first ?? .medium)
            warnings.append("no effort tier given; assuming \(effort) (the provider's default).")
        } else if let info, reasons, !info.efforts.contains(effort) {
            warnings.append("\(info.id) does not list '\(effort)' among its effort tiers (\(info.efforts.map(\.rawValue).joined(separator: ", "))).")
        }

        let prompt = try PromptCounting.count(request, model: modelID ?? model)
        warnings += prompt.notes
        if prompt.isApproximate {
            warnings.append("input tokens for \(model) are an approximation (\(prompt.counting)): it has no public tokenizer.")
        }

        // Output: what the user says, else history, else defaults.
        let history: OutputHistory?
        if let modelID, let ledger {
            let key = modelID + "|" + effort.rawValue
            if let cached = histories[key] { history = cached } else {
                let loaded = try OutputHistory.load(from: ledger, modelID: modelID, effort: effort)
                histories[key] = loaded
                history = loaded
            }
        } else {
            history = nil
        }
        let forecast = Estimator.forecast(effort: effort, reasons: reasons || info == nil && effort.isKnown,
                                          history: history, options: options)

        let cap = request.maxOutputTokens ?? info?.maxOutput
        if let window = info?.contextWindow {
            if prompt.tokens > window {
                warnings.append("the prompt (\(prompt.tokens) tokens) is larger than \(info!.id)'s context window (\(window)); the request would be rejected.")
            } else if let cap, prompt.tokens + cap > window {
                warnings.append("prompt (\(prompt.tokens)) plus max output (\(cap)) exceeds \(info!.id)'s context window (\(window)); the answer may be cut short.")
            }
        }
        if let requested = request.maxOutputTokens, let max = info?.maxOutput, requested > max {
            warnings.append("max output \(requested) is above \(info!.id)'s limit of \(max).")
        }
        if modelID == nil {
            warnings.append("no price for model '\(model)': its cost is unknown and left out of the totals.")
        }

        func price(output: Int, reasoning: Int) -> CostBreakdown {
            let record = UsageRecord(
                timestamp: options.at, provider: info?.provider ?? "unknown", model: modelID ?? model, effort: effort,
                isBatch: request.isBatch,
                tokens: TokenCounts(input: prompt.tokens, output: output, reasoning: min(reasoning, output)),
                source: "estimate")
            return prices.cost(of: record)
        }
        let capped = { (n: Int) in cap.map { min(n, $0) } ?? n }
        let expected = price(output: capped(forecast.expectedOutput), reasoning: forecast.reasoningMedian)
        let p90 = price(output: capped(forecast.p90Output), reasoning: forecast.reasoningP90)
        let atCap = cap.map { price(output: $0, reasoning: reasons ? min(forecast.reasoningP90, $0) : 0) }

        return RequestEstimate(
            model: model, modelID: modelID, provider: info?.provider, effort: effort, isBatch: request.isBatch,
            line: request.line, customID: request.customID, inputTokens: prompt.tokens,
            inputIsApproximate: prompt.isApproximate, counting: prompt.counting, forecast: forecast, outputCap: cap,
            expected: expected, p90: p90, atCap: atCap, contextWindow: info?.contextWindow, warnings: warnings)
    }

    /// Combines the user's figures, the history and the defaults, component by component.
    static func forecast(effort: EffortTier, reasons: Bool, history: OutputHistory?, options: Options) -> OutputForecast {
        let reasoningDefault = reasons ? EffortDefaults.reasoning(for: effort) : (median: 0, p90: 0)
        let visible: (Int, Int, OutputForecast.Basis)
        if let given = options.outputTokens { visible = (given, given, .given) }
        else if let history { visible = (history.visibleMedian, history.visibleP90, .history(requests: history.requests)) }
        else { visible = (EffortDefaults.visible.median, EffortDefaults.visible.p90, .defaults(effort)) }
        let reasoning: (Int, Int, OutputForecast.Basis)
        if let given = options.reasoningTokens { reasoning = (given, given, .given) }
        else if let history { reasoning = (history.reasoningMedian, history.reasoningP90, .history(requests: history.requests)) }
        else { reasoning = (reasoningDefault.median, reasoningDefault.p90, .defaults(effort)) }
        return OutputForecast(visibleMedian: visible.0, visibleP90: visible.1, reasoningMedian: reasoning.0,
                              reasoningP90: reasoning.1, visibleBasis: visible.2, reasoningBasis: reasoning.2)
    }
}

/// Why an estimate cannot be made, in words the user can act on.
public enum EstimateError: UserFacingError, Equatable {
    /// A request names no model and none was given in the options.
    case noModel(line: Int?)
    /// No price table knows these models; `suggestions` holds near names.
    case unknownModels([String], suggestions: [String])

    public var message: String {
        switch self {
        case .noModel(let line):
            if let line { return "batch input line \(line) names no model; add \"model\" to its body or pass --model." }
            return "no model given; pass --model (e.g. --model o3-mini) or put \"model\" in the request body."
        case .unknownModels(let names, let suggestions):
            let list = names.map { "'\($0)'" }.joined(separator: ", ")
            let hint = suggestions.isEmpty ? "run 'tokenledger prices list' to see known models"
                : "did you mean \(suggestions.prefix(5).joined(separator: ", "))? ('tokenledger prices list' shows all)"
            return "no price table knows the model \(list); \(hint)."
        }
    }

    public var exitStatus: ExitStatus { .usage }
}
