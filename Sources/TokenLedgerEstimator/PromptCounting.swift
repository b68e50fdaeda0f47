import TokenLedgerCore
import TokenLedgerTokenizer

/// The prompt tokens of one planned request: exact for OpenAI encodings, labelled approximate otherwise.
struct PromptCount {
    var tokens: Int
    var isApproximate: Bool
    /// "o200k_base", "cl100k_base", "approximate (claude)".
    var counting: String
}

enum PromptCounting {
    /// Counts the request as the provider bills it. A plain prompt is billed as one user message.
    /// `encoding` is the price table's (`o200k_base`, `cl100k_base`, `approximate`); when absent the
    /// tokenizer's model table decides.
    static func count(_ request: PlannedRequest, model: String, encoding: String?) throws -> PromptCount {
        let exact: TokenEncoding?
        if let encoding, encoding != "approximate" {
            exact = try TokenEncoding.named(encoding)
        } else if encoding == nil, ModelEncodings.encoding(forModel: model) != nil {
            exact = try TokenEncoding.forModel(model)
        } else {
            exact = nil
        }
        let body = request.body ?? .object(JSONObject([("messages", .array([.object(JSONObject([("role", "user"), ("content", .string(request.text))]))]))]))
        if let exact {
            let count = try ChatTokenCounter.count(request: body, encoding: exact, model: model)
            return PromptCount(tokens: count.total, isApproximate: false, counting: exact.name.rawValue)
        }
        let family = "generic" // TEMP until the tokenizer branch lands ApproximateTokenCounter
        let count = try ChatTokenCounter.approximate(request: body, model: model)
        return PromptCount(tokens: count.total, isApproximate: true, counting: "approximate (\(family))")
    }
}
