import Foundation
import TokenLedgerCore

/// One price table file: a provider's official prices or a reseller channel's prices.
public struct PriceTable: Sendable, Hashable {
    /// The file name used in messages ("pricing/openai.toml").
    public var file: String
    /// Provider family of the models in this file ("openai").
    public var provider: String
    /// "official" for the provider's own list; the reseller's name ("302ai") otherwise.
    public var channel: String
    public var source: String?
    /// When the prices were last compared with the source ("2026-11-20").
    public var checked: String?
    public var models: [PricedModel]
    /// Named date lists (`[[calendar]]`) the table's windows skip.
    public var calendars: [PriceCalendar] = []
    public var line: Int
    /// Set for a user table (`$XDG_CONFIG_HOME/tokenledger/prices/*.toml` or a config `[[prices]] path`):
    /// the layer name "user:FILE" its prices carry. Nil for the bundled tables.
    public var userLayer: String?

    public init(file: String, provider: String, channel: String, source: String? = nil, checked: String? = nil, models: [PricedModel], line: Int = 1) {
        self.file = file
        self.provider = provider
        self.channel = channel
        self.source = source
        self.checked = checked
        self.models = models
        self.line = line
    }

    /// True for a provider's own price list.
    public var isOfficial: Bool { channel == "official" }

    /// The layer name this table gives to the numbers it sets: "bundled:openai" or "channel:302ai".
    public var layerName: String { userLayer ?? (isOfficial ? "bundled:\(provider)" : "channel:\(channel)") }
}

/// A model as the tables describe it: what the estimator needs (encoding, limits, efforts) and its price periods.
public struct PricedModel: Sendable, Hashable {
    /// Canonical id, the dated snapshot where one exists ("o3-mini-2025-01-31").
    public var id: String
    public var provider: String
    public var aliases: [String]
    /// "o200k_base", "cl100k_base" or "approximate" (nil in channel tables, which take the official entry's).
    public var encoding: String?
    public var contextWindow: Int?
    public var maxOutput: Int?
    /// Reasoning effort tiers the model accepts; empty for non-reasoning models.
    public var efforts: [EffortTier]
    public var source: String?
    public var checked: String?
    public var notes: String?
    /// True when `ID-YYYYMMDD` (a dated snapshot the tables do not list) names this model at its prices
    /// (`dated_snapshots = true`; Anthropic-style ids). Declared per model, never inferred.
    public var datedSnapshots = false
    /// Channel tables only: no provider sells the model itself (`reseller_only = true`:
    /// meta-llama/llama-3.1-70b-instruct on OpenRouter), so the channel's entry carries its facts and
    /// its name resolves to this channel's price even when a record names no channel.
    public var resellerOnly = false
    /// Price periods sorted by start date.
    public var periods: [PricePeriod]
    public var location: SourceLocation

    public init(
        id: String, provider: String, aliases: [String] = [], encoding: String? = nil, contextWindow: Int? = nil,
        maxOutput: Int? = nil, efforts: [EffortTier] = [], source: String? = nil, checked: String? = nil,
        notes: String? = nil, periods: [PricePeriod], location: SourceLocation
    ) {
        self.id = id
        self.provider = provider
        self.aliases = aliases
        self.encoding = encoding
        self.contextWindow = contextWindow
        self.maxOutput = maxOutput
        self.efforts = efforts
        self.source = source
        self.checked = checked
        self.notes = notes
        self.periods = periods
        self.location = location
    }

    /// The period in force on `day` (days since 1970-01-01, UTC): the last one starting on or before it.
    public func period(on day: Int) -> PricePeriod? {
        periods.last(where: { $0.from <= day })
    }
}

/// Prices in force from one date until the next period's `from`.
public struct PricePeriod: Sendable, Hashable {
    /// First day (days since 1970-01-01, UTC) the prices apply.
    public let from: Int
    /// The standard prices as written (defaults are applied when pricing, not stored).
    public var prices: ComponentPrices
    /// Multiplier on every token price for batch requests (`batch = 0.5`, or `multiplier` in a
    /// `[model.period.batch]` table); nil when the model has no batch multiplier.
    public var batch: Rate?
    /// Batch prices the provider publishes explicitly (`[model.period.batch]` with component keys),
    /// which replace the standard price of those components for batch requests; no multiplier applies.
    public var batchPrices = ComponentPrices()
    /// Components a batch request bills at their standard price (`unchanged = ["cached_input"]`: Gemini's
    /// batch tab bills context caching at the standard rate).
    public var batchUnchanged: [PriceComponent] = []
    /// Service tiers priced differently ("flex", "priority"), by lower-case name.
    public var serviceTiers: [String: ServiceTierPrices]
    /// The long-context tier, when the provider has one.
    public var longContext: LongContextTier?
    /// Daily UTC windows with their own prices (DeepSeek's peak hours), in table order; the first that
    /// contains a request's time prices it.
    public var windows: [TimeWindow] = []
    /// Channel tables only: the official prices this channel price was compared with.
    public var official: ComponentPrices?
    public var location: SourceLocation
    /// The user layer ("user:FILE") when a user table supplied this period; nil when it is the table's own.
    public var layer: String?
    /// Channel tables only: the channel price was not confirmed on the channel's own list and is assumed
    /// equal to the official price it records (`assumed = true`). Costs through it say so.
    public var assumed = false

    public init(
        from: Int, prices: ComponentPrices, batch: Rate? = nil, serviceTiers: [String: ServiceTierPrices] = [:],
        longContext: LongContextTier? = nil, official: ComponentPrices? = nil, location: SourceLocation
    ) {
        self.from = from
        self.fromText = PriceDate.text(from)
        self.prices = prices
        self.batch = batch
        self.serviceTiers = serviceTiers
        self.longContext = longContext
        self.official = official
        self.location = location
    }

    /// "2025-06-10" (kept as text so pricing a record allocates no date string).
    public let fromText: String

    /// True when batch requests have their own prices (a multiplier or explicit batch prices).
    public var hasBatch: Bool { batch != nil || !batchPrices.isEmpty }

    /// The index of the first window containing `moment`, or nil (also when the period has none).
    public func windowIndex(at moment: TimeOfDay) -> Int? {
        windows.isEmpty ? nil : windows.firstIndex { $0.contains(moment) }
    }
}

/// A service tier's prices: explicit components and/or a multiplier on the standard price of the rest.
public struct ServiceTierPrices: Sendable, Hashable {
    public var prices: ComponentPrices
    public var multiplier: Rate?
    public var location: SourceLocation

    public init(prices: ComponentPrices, multiplier: Rate? = nil, location: SourceLocation) {
        self.prices = prices
        self.multiplier = multiplier
        self.location = location
    }
}

/// Prices that apply to every token of a request whose prompt exceeds `threshold` tokens
/// (`threshold = N`), or is at least `threshold` tokens when `inclusive` (`at_least = N`: xAI's
/// "200,000 and up").
public struct LongContextTier: Sendable, Hashable {
    public var threshold: Int
    public var prices: ComponentPrices
    public var location: SourceLocation
    /// True for `at_least` (a prompt of exactly `threshold` tokens is long); false for `threshold`.
    public var inclusive: Bool

    public init(threshold: Int, inclusive: Bool = false, prices: ComponentPrices, location: SourceLocation) {
        self.threshold = threshold
        self.inclusive = inclusive
        self.prices = prices
        self.location = location
    }

    /// The smallest prompt (input + cache read + cache writes) the tier applies to.
    public var smallestPrompt: Int { inclusive ? threshold : threshold + 1 }

    /// True when a request with this prompt size bills at the tier's prices.
    public func applies(toPrompt tokens: Int) -> Bool { tokens >= smallestPrompt }

    /// "exceeds 200,000" or "is 200,000 or more", for notes.
    public var rule: String {
        inclusive ? "is \(NumberText.grouped(threshold)) tokens or more" : "exceeds \(NumberText.grouped(threshold)) tokens"
    }
}

/// A moment as time windows see it: the UTC time of day and the UTC weekday.
public struct TimeOfDay: Sendable, Hashable {
    /// Seconds since midnight UTC, 0 ..< 86,400.
    public var second: Int
    /// 0 = Monday ... 6 = Sunday (UTC).
    public var weekday: Int
    /// The UTC date (days since 1970-01-01), for windows that skip listed dates (public holidays);
    /// nil when only the time of day and weekday are known (such a moment is never on a skipped date).
    public var day: Int?

    public init(second: Int, weekday: Int, day: Int? = nil) {
        self.second = second
        self.weekday = weekday
        self.day = day
    }

    /// The UTC time of day, weekday and date of `date`.
    public init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        second = seconds - day * 86_400
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        weekday = ((day + 3) % 7 + 7) % 7
        self.day = day
    }
}

/// Dates a table names once (`[[calendar]]`: a country's public holidays) for windows to skip
/// (`except = "NAME"`).
public struct PriceCalendar: Sendable, Hashable {
    public var name: String
    /// UTC dates, days since 1970-01-01.
    public var days: Set<Int>
    public var source: String?
    public var location: SourceLocation

    public init(name: String, days: Set<Int>, source: String? = nil, location: SourceLocation) {
        self.name = name
        self.days = days
        self.source = source
        self.location = location
    }
}

/// A daily UTC window with its own prices (`[[model.period.window]]`): explicit component prices
/// and/or a multiplier on the standard price of every component it does not name.
public struct TimeWindow: Sendable, Hashable {
    /// What the provider calls it ("peak", "off-peak").
    public var name: String
    /// Start and end, minutes since midnight UTC; the start is in the window, the end is not. An end at
    /// or before the start wraps past midnight (16:30-00:30).
    public var start: Int
    public var end: Int
    /// UTC weekdays it applies on (0 = Monday); empty means every day. A window that wraps past midnight
    /// is matched on the weekday of the moment itself.
    public var days: [Int]
    public var prices: ComponentPrices
    public var multiplier: Rate?
    /// Dates the window does not apply on (`except = "cn-public-holidays"`: DeepSeek's off-peak all
    /// day on Chinese public holidays), and the calendar's name; empty when none.
    public var exceptDays: Set<Int> = []
    public var exceptCalendar: String?
    public var location: SourceLocation

    public init(name: String, start: Int, end: Int, days: [Int] = [], prices: ComponentPrices, multiplier: Rate? = nil, location: SourceLocation) {
        self.name = name
        self.start = start
        self.end = end
        self.days = days
        self.prices = prices
        self.multiplier = multiplier
        self.location = location
    }

    /// True when `moment` falls in the window.
    public func contains(_ moment: TimeOfDay) -> Bool {
        if !days.isEmpty && !days.contains(moment.weekday) { return false }
        if let day = moment.day, exceptDays.contains(day) { return false }
        let minute = moment.second / 60
        return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// "01:00-04:00"; a whole day from midnight is "00:00-24:00" (the reader refuses an empty range).
    public var utcText: String { "\(Self.clock(start))-\(Self.clock(end == start ? end + 1_440 : end))" }

    /// "peak 01:00-04:00 UTC (mon-fri)" for notes and `prices show`.
    public var description: String {
        var text = "\(name) \(utcText) UTC"
        if !days.isEmpty { text += " (\(dayList))" }
        if let exceptCalendar { text += " except \(exceptCalendar)" }
        return text
    }

    /// "mon, tue, wed, thu, fri", or "every day".
    public var dayList: String { days.isEmpty ? "every day" : days.map { Self.dayNames[$0] }.joined(separator: ", ") }

    static func clock(_ minutes: Int) -> String {
        let h = minutes / 60, m = minutes % 60
        return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }

    /// Parses "HH:MM" (00:00 to 24:00) into minutes; nil when malformed.
    static func minutes(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m),
              h * 60 + m <= 1_440 else { return nil }
        return h * 60 + m
    }
}

/// Calendar days as used by price periods: whole UTC days since 1970-01-01.
package enum PriceDate {
    /// The UTC day a moment falls on.
    public static func day(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// Parses "YYYY-MM-DD"; nil when it is not a real date.
    public static func parse(_ text: some StringProtocol) -> Int? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
              let date = Timestamp.parse(text)
        else { return nil }
        return day(of: date)
    }

    /// The midnight UTC that starts `day`.
    public static func date(_ day: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(day) * 86_400) }

    /// "YYYY-MM-DD" for a day number.
    public static func text(_ day: Int) -> String {
        let (y, m, d) = Timestamp.civilFromDays(day)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}

/// A `--at` value that is not a date.
package struct BadDateError: UserFacingError, Equatable {
    public var flag: String
    public var text: String

    public init(flag: String, text: String) {
        self.flag = flag
        self.text = text
    }

    public var message: String {
        "\(flag) '\(text)' is not a date; write it as YYYY-MM-DD (UTC) or an ISO 8601 time such as 2025-06-10T12:00:00Z."
    }
    public var exitStatus: ExitStatus { .usage }
}

extension PriceDate {
    /// Parses a command-line date ("2025-06-10" or an ISO 8601 time) for `flag`; a bad one is a usage error.
    public static func argument(_ text: String, flag: String = "--at") throws(BadDateError) -> Date {
        guard !text.allSatisfy({ $0.isNumber || $0 == "." }), let date = Timestamp.parse(text) else {
            throw BadDateError(flag: flag, text: text)
        }
        return date
    }
}
