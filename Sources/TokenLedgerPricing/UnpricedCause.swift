/// Why records are unpriced, as reports and budgets group them, each with the one step that fixes it.
/// Read back from the reason stored with each unpriced record (`PricingError.message`), so records
/// priced by any version group the same way.
public enum UnpricedCause: String, Sendable, Hashable, CaseIterable, Comparable {
    /// No table lists the model (or the record names none).
    case unknownModel = "unknown_model"
    /// The model is known but the record is dated before its first price.
    case beforeFirstPrice = "before_first_price"
    /// The record went through a channel that has no price for it.
    case noChannelPrice = "no_channel_price"
    /// Token counts that cannot be priced (inconsistent or too large).
    case badTokens = "bad_tokens"
    /// The record states no quantity its model bills by (seconds of audio for whisper-1), or only
    /// quantities the model has no price for (seconds for gpt-4o-transcribe, billed by tokens).
    case missingQuantity = "missing_quantity"
    case other

    /// "unknown model", for sentences.
    public var label: String {
        switch self {
        case .unknownModel: return "unknown model"
        case .beforeFirstPrice: return "dated before the model's first price"
        case .noChannelPrice: return "no price through its channel"
        case .badTokens: return "token counts that cannot be priced"
        case .missingQuantity: return "no quantity the model bills by"
        case .other: return "other"
        }
    }

    /// The command or step that fixes records of this cause.
    public var fix: String {
        switch self {
        case .unknownModel:
            return "tokenledger prices update <LiteLLM or genai-prices price file or URL> --reprice (or add the model to a table in $XDG_CONFIG_HOME/tokenledger/prices/, then tokenledger reprice)"
        case .beforeFirstPrice:
            return "add an earlier [[model.period]] for the model in a table in $XDG_CONFIG_HOME/tokenledger/prices/, then tokenledger reprice"
        case .noChannelPrice:
            return "add the model to a channel table in $XDG_CONFIG_HOME/tokenledger/prices/ (channel = \"<name>\"), then tokenledger reprice"
        case .badTokens:
            return "check the log lines with tokenledger cost; the counts themselves are wrong"
        case .missingQuantity:
            return "import the export that states the quantity the model bills by (OpenAI's Usage API audio results give seconds and characters); tokenledger prices show <model> names it"
        case .other:
            return "tokenledger prices show <model> explains which price is missing"
        }
    }

    /// The cause of a stored unpriced reason.
    public init(reason: String) {
        if reason.hasPrefix("no price table lists the model") || reason.hasPrefix("the record names no model") {
            self = .unknownModel
        } else if reason.hasPrefix("the channel ") || reason.hasPrefix("there is no price channel") {
            self = .noChannelPrice
        } else if reason.contains(" has no price on ") {
            self = .beforeFirstPrice
        } else if reason.hasPrefix("the token counts") {
            self = .badTokens
        } else if reason.hasSuffix("so its cost is unknown.") && (reason.contains(" bills by ") || reason.hasPrefix("the record states only ")) {
            self = .missingQuantity
        } else {
            self = .other
        }
    }

    /// Report order: the most common and most fixable first.
    var rank: Int {
        switch self {
        case .unknownModel: return 0
        case .beforeFirstPrice: return 1
        case .noChannelPrice: return 2
        case .badTokens: return 3
        case .missingQuantity: return 4
        case .other: return 5
        }
    }

    public static func < (a: UnpricedCause, b: UnpricedCause) -> Bool { a.rank < b.rank }
}

extension PricingError {
    /// How reports group records unpriced for this reason.
    public var cause: UnpricedCause { UnpricedCause(reason: message) }
}
