import TokenLedgerCore

/// A problem found in a price table, at a file and line.
public struct PriceProblem: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// Reads one price table from TOML text, collecting every problem instead of stopping at the first,
/// so `prices check` can list them all. `PriceTable.parse` is the strict form.
/// Cost: one TOML parse plus one pass over its values.
package struct PriceTableReader {
    public private(set) var problems: [PriceProblem] = []
    private let file: String

    /// The service tiers a period may price (`[model.period.flex]`, ...); others are typos.
    public static let serviceTierNames: Set<String> = ["flex", "priority", "scale"]
    /// TokenLedgerTokenizer's `EncodingName` raw values, and "approximate".
    static let encodings: Set<String> = ["o200k_base", "cl100k_base", "o200k_harmony", "llama3", "llama4", "qwen", "qwen3_6",
                                         "tekken", "deepseek", "approximate"]

    private init(file: String) { self.file = file }

    /// The table's `[[calendar]]`s by name, read before its models.
    private var calendars: [String: PriceCalendar] = [:]

    /// Parses `text` (named `file` in messages) into a table plus the problems found; the table is nil
    /// only when the TOML itself is unreadable or the header is unusable.
    public static func read(_ text: String, file: String) -> (table: PriceTable?, problems: [PriceProblem]) {
        var reader = PriceTableReader(file: file)
        let document: TOMLDocument
        do {
            document = try TOMLDocument.parse(text, file: file)
        } catch {
            return (nil, [PriceProblem(location: error.location, message: error.reason)])
        }
        let table = reader.readTable(document.root)
        return (table, reader.problems)
    }

    private mutating func problem(_ location: SourceLocation, _ message: String) {
        problems.append(PriceProblem(location: location, message: message))
    }

    private mutating func problem(_ error: TOMLError) {
        problem(error.location, error.reason)
    }

    private mutating func unknownKeys(_ table: TOMLTable, allowed: Set<String>, in what: String) {
        for (key, location) in table.unknownKeys(allowed: allowed) {
            problem(location, "unknown key '\(key)' in \(what)")
        }
    }

    // MARK: Table

    private mutating func readTable(_ root: TOMLTable) -> PriceTable? {
        unknownKeys(root, allowed: ["table", "model", "calendar"], in: "the file (expected [table], [[calendar]] and [[model]] sections)")
        let header: TOMLTable
        do {
            guard let h = try root.table("table") else {
                problem(root.location, "missing the [table] header (provider, channel, source, checked)")
                return nil
            }
            header = h
        } catch {
            problem(error)
            return nil
        }
        unknownKeys(header, allowed: ["provider", "channel", "source", "checked"], in: "[table]")
        var provider = "", channel = "official"
        var source: String?, checked: String?
        do {
            provider = try header.requiredString("provider").lowercased()
            channel = try header.requiredString("channel").lowercased()
            source = try header.string("source")
            checked = try header.date("checked")
        } catch {
            problem(error)
            if provider.isEmpty { return nil }
        }
        let isOfficial = channel == "official"
        var calendarList: [PriceCalendar] = []
        do {
            for t in try root.tables("calendar") {
                if let c = readCalendar(t) {
                    if calendars[c.name] != nil { problem(t.location, "the calendar '\(c.name)' is defined twice") }
                    calendars[c.name] = c
                    calendarList.append(c)
                }
            }
        } catch {
            problem(error)
        }
        var models: [PricedModel] = []
        do {
            for model in try root.tables("model") {
                if let m = readModel(model, provider: provider, official: isOfficial) { models.append(m) }
            }
        } catch {
            problem(error)
        }
        var table = PriceTable(file: file, provider: provider, channel: channel, source: source, checked: checked, models: models, line: header.line)
        table.calendars = calendarList
        return table
    }

    /// One `[[calendar]]`: `name`, `days` as dates ("2026-10-01") or inclusive ranges
    /// ("2026-10-01..2026-10-07"), optional `source` and `notes`.
    private mutating func readCalendar(_ t: TOMLTable) -> PriceCalendar? {
        unknownKeys(t, allowed: ["name", "days", "source", "notes"], in: "[[calendar]]")
        do {
            let name = try t.requiredString("name")
            var days: Set<Int> = []
            for entry in try t.strings("days") ?? [] {
                let ends = entry.components(separatedBy: "..")
                guard (1...2).contains(ends.count), let first = PriceDate.parse(ends[0]), let last = PriceDate.parse(ends[ends.count - 1]),
                      first <= last, last - first < 366 else {
                    problem(t.location(of: "days"), "'\(entry)' in the days of the calendar '\(name)' is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD, first day first)")
                    continue
                }
                days.formUnion(first...last)
            }
            if days.isEmpty { problem(t.location, "the calendar '\(name)' lists no days") }
            return PriceCalendar(name: name, days: days, source: try t.string("source"), location: t.location)
        } catch {
            problem(error)
            return nil
        }
    }

    // MARK: Model

    private mutating func readModel(_ t: TOMLTable, provider: String, official: Bool) -> PricedModel? {
        let facts: Set<String> = ["id", "aliases", "encoding", "context_window", "max_output", "efforts", "source", "checked", "notes", "period"]
        // A channel's entry for a model no provider sells itself carries the model's facts too.
        let resellerOnly = !official && (try? t.bool("reseller_only")) == true
        let allowed: Set<String> = official ? facts.union(["dated_snapshots"])
            : resellerOnly ? facts.union(["reseller_only"]) : ["id", "notes", "period", "reseller_only"]
        unknownKeys(t, allowed: allowed, in: official ? "[[model]]"
            : resellerOnly ? "a channel's reseller-only [[model]]" : "a channel's [[model]] (only id, notes and periods; the model's facts only with reseller_only = true)")
        let id: String
        do {
            id = try t.requiredString("id")
        } catch {
            problem(error)
            return nil
        }
        var model = PricedModel(id: id, provider: provider, periods: [], location: t.location)
        do {
            model.aliases = try t.strings("aliases") ?? []
            model.encoding = try t.string("encoding")
            if let e = model.encoding, !Self.encodings.contains(e) {
                problem(t.location(of: "encoding"), "unknown encoding '\(e)' for \(id); use approximate or one of \(Self.encodings.subtracting(["approximate"]).sorted().joined(separator: ", "))")
            }
            model.contextWindow = try t.int("context_window")
            model.maxOutput = try t.int("max_output")
            model.efforts = (try t.strings("efforts") ?? []).map { EffortTier(rawValue: $0) }
            model.source = try t.string("source")
            model.checked = try t.date("checked")
            model.notes = try t.string("notes")
            model.datedSnapshots = try t.bool("dated_snapshots") ?? false
            model.resellerOnly = try t.bool("reseller_only") ?? false
        } catch {
            problem(error)
        }
        let periodTables: [TOMLTable]
        do {
            periodTables = try t.tables("period")
        } catch {
            problem(error)
            return nil
        }
        if periodTables.isEmpty { problem(t.location, "\(id) has no [[model.period]] with prices") }
        for p in periodTables {
            if let period = readPeriod(p, modelID: id, official: official) {
                if let previous = model.periods.last, previous.from >= period.from {
                    let relation = previous.from == period.from ? "starts on the same day as" : "starts before"
                    problem(period.location, "this period of \(id) (from \(period.fromText)) \(relation) the previous one (from \(previous.fromText), line \(previous.location.line)); periods must be in date order without overlap")
                    continue
                }
                model.periods.append(period)
            }
        }
        return model
    }

    // MARK: Period

    private mutating func readPeriod(_ t: TOMLTable, modelID: String, official: Bool) -> PricePeriod? {
        var allowed = PriceComponent.keys.union(["from", "batch", "long_context", "window"]).union(Self.serviceTierNames)
        if !official { allowed.formUnion(["official", "assumed"]) }
        unknownKeys(t, allowed: allowed, in: "[[model.period]] of \(modelID)")
        let from: Int
        do {
            guard let text = try t.date("from"), let day = PriceDate.parse(text) else {
                problem(t.location, "a period of \(modelID) has no 'from' date (YYYY-MM-DD)")
                return nil
            }
            from = day
        } catch {
            problem(error)
            return nil
        }
        let prices = readPrices(t, what: "\(modelID) from \(PriceDate.text(from))")
        // A model billed only by a unit (minutes of audio, characters, images) may have no token prices.
        let unitBilled = PriceComponent.units.contains { $0 != .webSearchPer1k && (prices[$0] != nil || t[$0.rawValue] != nil) }
        for required in [PriceComponent.input, .output] where !unitBilled && prices[required] == nil && t[required.rawValue] == nil {
            problem(t.location, "the period of \(modelID) from \(PriceDate.text(from)) has no '\(required.rawValue)' price (required)")
        }
        var period = PricePeriod(from: from, prices: prices, location: t.location)
        if let value = t["assumed"] {
            guard let flag = value.bool else {
                problem(t.location(of: "assumed"), "'assumed' of \(modelID) must be true or false")
                return nil
            }
            period.assumed = flag
        }
        if let value = t["batch"] {
            if value.numberText != nil {
                period.batch = readMultiplier(t, key: "batch", modelID: modelID)
            } else {
                readBatchTable(t, into: &period, modelID: modelID)
            }
        }
        do {
            for w in try t.tables("window") {
                if let window = readWindow(w, modelID: modelID) { period.windows.append(window) }
            }
        } catch {
            problem(error)
        }
        for name in Self.serviceTierNames.sorted() {
            guard t[name] != nil else { continue }
            do {
                guard let tier = try t.table(name) else { continue }
                unknownKeys(tier, allowed: PriceComponent.keys.union(["multiplier"]), in: "[model.period.\(name)] of \(modelID)")
                let tierPrices = readPrices(tier, what: "\(modelID) \(name)")
                let multiplier = tier["multiplier"] != nil ? readMultiplier(tier, key: "multiplier", modelID: modelID) : nil
                if tierPrices.isEmpty && multiplier == nil {
                    problem(tier.location, "[model.period.\(name)] of \(modelID) gives neither prices nor a multiplier")
                }
                period.serviceTiers[name] = ServiceTierPrices(prices: tierPrices, multiplier: multiplier, location: tier.location)
            } catch {
                problem(error)
            }
        }
        do {
            if let lc = try t.table("long_context") {
                unknownKeys(lc, allowed: PriceComponent.keys.union(["threshold", "at_least"]), in: "[model.period.long_context] of \(modelID)")
                let lcPrices = readPrices(lc, what: "\(modelID) long context")
                let exceeds = try lc.int("threshold"), atLeast = try lc.int("at_least")
                if exceeds != nil && atLeast != nil {
                    problem(lc.location(of: "at_least"), "[model.period.long_context] of \(modelID) gives both 'threshold' (the prompt exceeds it) and 'at_least' (the prompt reaches it); keep the one the provider's page states")
                } else if let size = exceeds ?? atLeast, size > 0 {
                    period.longContext = LongContextTier(threshold: size, inclusive: atLeast != nil, prices: lcPrices, location: lc.location)
                } else {
                    problem(lc.location(of: atLeast != nil ? "at_least" : "threshold"), "[model.period.long_context] of \(modelID) needs a positive whole 'threshold' (the prompt exceeds it) or 'at_least' (the prompt reaches it), in prompt tokens")
                }
            }
            if let off = try t.table("official") {
                unknownKeys(off, allowed: PriceComponent.keys, in: "the 'official' prices of \(modelID)")
                period.official = readPrices(off, what: "\(modelID) official")
            }
        } catch {
            problem(error)
        }
        return period
    }

    /// `[model.period.batch]` (or an inline table): a multiplier, explicit batch prices, and the
    /// components billed at their standard price.
    private mutating func readBatchTable(_ t: TOMLTable, into period: inout PricePeriod, modelID: String) {
        do {
            guard let batch = try t.table("batch") else { return }
            unknownKeys(batch, allowed: PriceComponent.keys.union(["multiplier", "unchanged"]), in: "[model.period.batch] of \(modelID)")
            period.batchPrices = readPrices(batch, what: "\(modelID) batch")
            if batch["multiplier"] != nil { period.batch = readMultiplier(batch, key: "multiplier", modelID: modelID) }
            for name in try batch.strings("unchanged") ?? [] {
                guard let component = PriceComponent(rawValue: name) else {
                    problem(batch.location(of: "unchanged"), "'unchanged' of \(modelID) names '\(name)', which is not a price component (pricing/FORMAT.md)")
                    continue
                }
                period.batchUnchanged.append(component)
            }
            if period.batch == nil && period.batchPrices.isEmpty {
                problem(batch.location, "[model.period.batch] of \(modelID) gives neither a multiplier nor prices")
            }
        } catch {
            problem(error)
        }
    }

    /// One `[[model.period.window]]`: name, `utc = "HH:MM-HH:MM"`, optional `days`, prices and/or a multiplier.
    private mutating func readWindow(_ t: TOMLTable, modelID: String) -> TimeWindow? {
        unknownKeys(t, allowed: PriceComponent.keys.union(["name", "utc", "days", "multiplier", "except"]), in: "[[model.period.window]] of \(modelID)")
        do {
            let name = try t.string("name") ?? "window"
            guard let utc = try t.string("utc") else {
                problem(t.location, "a [[model.period.window]] of \(modelID) has no 'utc' range (\"01:00-04:00\")")
                return nil
            }
            let ends = utc.split(separator: "-", omittingEmptySubsequences: false)
            var range: (start: Int, end: Int)?
            if ends.count == 2, let start = TimeWindow.minutes(ends[0]), let end = TimeWindow.minutes(ends[1]), start < 1_440, start != end {
                range = (start, end)
            } else {
                problem(t.location(of: "utc"), "'utc' of a window of \(modelID) is '\(utc)'; write a UTC range as \"HH:MM-HH:MM\" (start included, end excluded; an end before the start wraps past midnight)")
            }
            var days: [Int] = []
            for day in try t.strings("days") ?? [] {
                guard let index = TimeWindow.dayNames.firstIndex(of: day.lowercased()) else {
                    problem(t.location(of: "days"), "'days' of a window of \(modelID) names '\(day)'; use mon, tue, wed, thu, fri, sat, sun")
                    continue
                }
                if !days.contains(index) { days.append(index) }
            }
            guard let (start, end) = range else { return nil }
            let prices = readPrices(t, what: "\(modelID) window \(name)")
            let multiplier = t["multiplier"] != nil ? readMultiplier(t, key: "multiplier", modelID: modelID) : nil
            if prices.isEmpty && multiplier == nil {
                problem(t.location, "the window '\(name)' of \(modelID) gives neither prices nor a multiplier")
            }
            var window = TimeWindow(name: name, start: start, end: end % 1_440, days: days.sorted(), prices: prices, multiplier: multiplier, location: t.location)
            if let except = try t.string("except") {
                if let calendar = calendars[except] {
                    window.exceptDays = calendar.days
                    window.exceptCalendar = except
                } else {
                    problem(t.location(of: "except"), "the window '\(name)' of \(modelID) skips the calendar '\(except)', which this table does not define ([[calendar]] name = \"\(except)\" before the models)")
                }
            }
            return window
        } catch {
            problem(error)
            return nil
        }
    }

    /// Every component key present in `t`, each an exact non-negative price with at most six decimals.
    private mutating func readPrices(_ t: TOMLTable, what: String) -> ComponentPrices {
        var prices = ComponentPrices()
        for component in PriceComponent.allCases {
            guard let value = t[component.rawValue] else { continue }
            let location = SourceLocation(file: file, line: value.line)
            guard let text = value.numberText, let decimal = ExactDecimal(text) else {
                problem(location, "'\(component.rawValue)' of \(what) must be a number (USD \(component.unit)), not \(value.typeDescription)")
                continue
            }
            if decimal.significand < 0 {
                problem(location, "'\(component.rawValue)' of \(what) is negative (\(text))")
                continue
            }
            guard decimal.normalized().fractionDigits <= 6, let money = Money(decimalText: text) else {
                problem(location, "'\(component.rawValue)' of \(what) = \(text) has more than six decimal places")
                continue
            }
            prices[component] = money
        }
        return prices
    }

    private mutating func readMultiplier(_ t: TOMLTable, key: String, modelID: String) -> Rate? {
        guard let value = t[key], let text = value.numberText, let rate = Rate(text: text), rate.numerator > 0 else {
            problem(t.location(of: key), "'\(key)' of \(modelID) must be a positive decimal multiplier such as 0.5")
            return nil
        }
        return rate
    }
}

/// A price table that failed to read, with the first problem's location.
public struct PriceTableError: UserFacingError, Equatable {
    public var problems: [PriceProblem]
    public var message: String {
        guard let first = problems.first else { return "the price table could not be read." }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more problem\(problems.count == 2 ? "" : "s"); run 'tokenledger prices check')" : ""
        return "\(first)\(more)"
    }
    public var exitStatus: ExitStatus { .usage }
}

extension PriceTable {
    /// Parses one table strictly: any problem is an error naming the file and line.
    public static func parse(_ text: String, file: String) throws(PriceTableError) -> PriceTable {
        let (table, problems) = PriceTableReader.read(text, file: file)
        guard let table, problems.isEmpty else { throw PriceTableError(problems: problems) }
        return table
    }
}
