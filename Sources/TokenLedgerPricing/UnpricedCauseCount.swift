import TokenLedgerCore

/// Unpriced records of one cause: how many, which models, and (through `cause.fix`) what fixes them.
public struct UnpricedCauseCount: Sendable, Hashable {
    public var cause: UnpricedCause
    public var records = 0
    public var requests = 0
    /// Models (resolved id, or the name as logged), sorted.
    public var models: [String] = []

    package init(cause: UnpricedCause) { self.cause = cause }

    /// Groups (stored reason, model, records, requests) rows by cause, in cause order, models sorted.
    package static func group(_ rows: [(reason: String, model: String, records: Int, requests: Int)]) -> [UnpricedCauseCount] {
        var causes: [UnpricedCauseCount] = []
        for row in rows { causes.add(reason: row.reason, model: row.model, records: row.records, requests: row.requests) }
        return causes
    }

    /// The JSON form reports, budgets and imports print: cause, records, requests, models, fix.
    public var json: JSONValue {
        .object(JSONObject([
            ("cause", .string(cause.rawValue)), ("records", .int(records)), ("requests", .int(requests)),
            ("models", .array(models.map { .string($0) })), ("fix", .string(cause.fix)),
        ]))
    }

    /// "unknown model (gpt-9-mini, gpt-9-nano)", at most five models named.
    public var summary: String {
        let shown = models.prefix(5).joined(separator: ", ") + (models.count > 5 ? ", … (\(models.count - 5) more)" : "")
        return "\(cause.label) (\(shown))"
    }
}


extension [UnpricedCauseCount] {
    /// Counts `records` unpriced records (`requests` requests) of `model` under the cause of their
    /// stored `reason`, keeping the list in cause order and each cause's models sorted.
    /// Cost: a scan of the few causes and their models.
    package mutating func add(reason: String, model: String, records: Int = 1, requests: Int) {
        add(UnpricedCause(reason: reason), models: [model], records: records, requests: requests)
    }

    /// Adds every count of `other` (causes and models merged).
    package mutating func add(_ other: [UnpricedCauseCount]) {
        for entry in other { add(entry.cause, models: entry.models, records: entry.records, requests: entry.requests) }
    }

    private mutating func add(_ cause: UnpricedCause, models: [String], records: Int, requests: Int) {
        let at: Int
        if let found = firstIndex(where: { $0.cause == cause }) {
            at = found
        } else {
            at = firstIndex { cause < $0.cause } ?? endIndex
            insert(UnpricedCauseCount(cause: cause), at: at)
        }
        self[at].records += records
        self[at].requests += requests
        for model in models where !self[at].models.contains(model) {
            self[at].models.insert(model, at: self[at].models.firstIndex { model < $0 } ?? self[at].models.endIndex)
        }
    }
}
