import TokenLedgerCore

/// Why a request cannot be priced. Its message is the `.unpriced` reason; the CLI exits 2 with it.
public enum PricingError: UserFacingError, Equatable {
    case unknownModel(name: String, suggestions: [String])
    case noPeriod(modelID: String, date: String, firstFrom: String?)
    case unknownChannel(name: String, known: [String])
    case channelLacksModel(channel: String, modelID: String)
    case channelNoPeriod(channel: String, modelID: String, date: String)
    case inconsistentTokens(String)
    case tooLarge
    /// The record holds only quantities the model has no price for ("120 seconds of audio" for a
    /// model billed by tokens); `billedBy` names what the model bills ("tokens", "minutes of audio").
    case unbilledQuantities(modelID: String, quantities: [String], billedBy: [String])
    /// The model bills by a unit (minutes of audio, characters) and the record states none of it.
    case missingQuantity(modelID: String, unit: String)

    public var message: String {
        switch self {
        case .unknownModel(let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : " Did you mean: \(suggestions.joined(separator: ", "))?"
            return name.isEmpty
                ? "the record names no model, so it cannot be priced."
                : "no price table lists the model '\(name)' (by id or alias); see 'tokenledger prices list', or add its price with 'tokenledger prices update' or a table in ~/.config/tokenledger/prices/.\(hint)"
        case .noPeriod(let id, let date, let first):
            let when = first.map { "; its first price starts \($0)" } ?? ""
            return "\(id) has no price on \(date)\(when)."
        case .unknownChannel(let name, let known):
            let list = known.isEmpty ? "none are bundled" : "known channels: \(known.joined(separator: ", "))"
            return "there is no price channel named '\(name)' (\(list))."
        case .channelLacksModel(let channel, let id):
            return "the channel \(channel) has no price for \(id), so its cost through \(channel) is unknown."
        case .channelNoPeriod(let channel, let id, let date):
            return "the channel \(channel) has no price for \(id) on \(date)."
        case .inconsistentTokens(let why):
            return "the token counts are inconsistent (\(why)), so the record cannot be priced."
        case .tooLarge:
            return "the token counts are too large to price."
        case .unbilledQuantities(let id, let quantities, let billedBy):
            let by = billedBy.isEmpty ? "" : " (\(id) bills by \(billedBy.joined(separator: ", ")))"
            return "the record states only \(quantities.joined(separator: " and ")), which \(id) has no price for\(by), so its cost is unknown."
        case .missingQuantity(let id, let unit):
            return "\(id) bills by \(unit) and the record does not state them, so its cost is unknown."
        }
    }

    public var exitStatus: ExitStatus { .usage }
}
