import TokenLedgerCore

/// A config-file `[[route]]`: the user buys one provider's models through a reseller channel, so
/// records that name no channel themselves are priced through it.
///
/// ```toml
/// [[route]]
/// provider = "openai"     # this provider's models ...
/// channel = "302ai"       # ... are billed through this channel
/// from = 2026-01-01       # optional first day (UTC); until = 2026-06-30 optional last day, inclusive
/// ```
public struct ChannelRoute: Sendable, Hashable {
    public var provider: String
    public var channel: String
    public var from: Int?
    public var until: Int?
    public var location: SourceLocation

    public init(provider: String, channel: String, from: Int? = nil, until: Int? = nil,
                location: SourceLocation = SourceLocation(file: "config.toml", line: 1)) {
        self.provider = provider.lowercased()
        self.channel = channel.lowercased()
        self.from = from
        self.until = until
        self.location = location
    }

    static let keys: Set<String> = ["provider", "channel", "from", "until"]

    /// Reads every `[[route]]` of a config file; `channels` are the known channel names (an unknown one
    /// is an error at its line, exit 2).
    package static func parse(config: ConfigFile, channels: [String]) throws(TOMLError) -> [ChannelRoute] {
        var out: [ChannelRoute] = []
        for t in try config.tables("route") {
            if let (key, location) = t.unknownKeys(allowed: keys).first {
                throw TOMLError(location: location, reason: "unknown key '\(key)' in [[route]]; use provider, channel, from and until")
            }
            let provider = try t.requiredString("provider")
            let channel = try t.requiredString("channel").lowercased()
            guard channels.contains(channel) else {
                throw t.error("channel", "[[route]] names the channel '\(channel)', which has no price table (known: \(channels.joined(separator: ", ")))")
            }
            let from = try t.date("from").flatMap { PriceDate.parse($0) }
            let until = try t.date("until").flatMap { PriceDate.parse($0) }
            out.append(ChannelRoute(provider: provider, channel: channel, from: from, until: until, location: t.location))
        }
        return out
    }

    /// True when a record of `provider`'s model on `day` goes through this route.
    public func applies(provider: String, day: Int) -> Bool {
        if provider.lowercased() != self.provider { return false }
        if let from, day < from { return false }
        if let until, day > until { return false }
        return true
    }
}
