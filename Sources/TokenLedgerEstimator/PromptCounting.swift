import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerTokenizer

/// The prompt tokens of one planned request: exact for every bundled encoding, labelled approximate otherwise.
struct PromptCount {
    var tokens: Int
    var isApproximate: Bool
    /// "o200k_base", "cl100k_base", "approximate (claude)".
    var counting: String
    /// What the count could not include (built-in tools, images of unknown size, ...).
    var notes: [String]
}

enum PromptCounting {
    /// Counts the request as the provider bills it, through the tokenizer's `ChatTokenCounter`
    /// (message overhead, tools and images included). A plain prompt is billed as one user message.
    /// A model neither the tokenizer nor a known family covers is counted with the generic
    /// approximation and labelled so.
    static func count(_ request: PlannedRequest, model: String) throws -> PromptCount {
        let body = request.body ?? .object(JSONObject([
            ("messages", .array([.object(JSONObject([("role", "user"), ("content", .string(request.text))]))])),
        ]))
        var counterModel = model
        var label: String?
        if ModelEncodings.encoding(forModel: model) == nil, ApproximateTokenCounter.family(ofModel: model) == nil {
            // Same per-script heuristic as every approximate family; only the label differs.
            counterModel = "claude"
            label = "approximate (unknown model family)"
        }
        let counter = try ChatTokenCounter(model: counterModel)
        let count = try counter.count(request: body)
        let family = ApproximateTokenCounter.family(ofModel: model) ?? "generic"
        return PromptCount(
            tokens: count.total, isApproximate: count.isApproximate,
            counting: label ?? count.encoding?.rawValue ?? "approximate (\(family))",
            notes: count.notes + (count.isLowerBound
                ? ["the input count leaves out \(count.uncountedParts) billed part(s) named above, so this estimate is a lower bound."] : []))
    }
}
