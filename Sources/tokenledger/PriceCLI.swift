import ArgumentParser
import Foundation
import TokenLedger

// MARK: - Shared by prices and cost

enum PriceCLI {
    enum Error: UserFacingError {
        case unknownProvider(String, known: [String])
        case cannotWrite(String)
        case noPriceFolder

        var message: String {
            switch self {
            case .unknownProvider(let p, let known):
                return "no price table is for the provider '\(p)'; known providers: \(known.joined(separator: ", "))."
            case .cannotWrite(let path):
                return "cannot write \(path); check that its folder exists and is writable."
            case .noPriceFolder:
                return "cannot find the user price folder because neither XDG_CONFIG_HOME nor HOME is set; pass --to FOLDER."
            }
        }

        var exitStatus: ExitStatus {
            if case .unknownProvider = self { return .usage }
            if case .noPriceFolder = self { return .usage }
            return .failure
        }
    }

    /// The bundled tables plus the config's `[[terms]]`.
    static func book(_ options: ConfigOptions) throws -> PriceBook {
        try PriceBook.load(config: ConfigFile.load(explicit: options.config))
    }

    /// A price for tables: "$1.10", "$0.075", "$0.000001" — exact, at least two decimals.
    static func price(_ money: Money) -> String {
        "$" + exact(money)
    }

    /// Exact decimal text with at least two decimals: "0.0198", "2.80", "12.00".
    static func exact(_ money: Money) -> String {
        var text = money.decimalString
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        } else {
            text += ".00"
        }
        return text
    }

    static func grouped(_ value: Int) -> String { NumberText.grouped(value) }

    /// Every effective price as a JSON object, component → decimal string.
    static func priceObject(_ prices: EffectivePrices) -> JSONValue {
        var object = JSONObject()
        for c in PriceComponent.allCases {
            if let p = prices.components[c] { object[c.rawValue] = .money(p.price) }
        }
        return .object(object)
    }

    /// A model's explained prices as JSON (money as decimal strings), with every other number the
    /// engine can bill on that date: batch, long context (and both), service tiers and time windows,
    /// each as the effective prices the engine computes for such a request (`PriceBook.explain`).
    static func json(_ e: PriceExplanation) -> JSONValue {
        let model = e.model, prices = e.prices
        var longContext: JSONValue = .null
        if let lc = e.longContext {
            longContext = .object(JSONObject([
                ("rule", .string(lc.tier.inclusive ? "at_least" : "exceeds")), ("threshold", .int(lc.tier.threshold)),
                ("smallest_prompt", .int(lc.tier.smallestPrompt)), ("prices", priceObject(lc.prices)),
                ("batch", lc.batch.map(priceObject) ?? .null),
            ]))
        }
        var tiers = JSONObject()
        for (name, t) in e.serviceTiers { tiers[name] = priceObject(t) }
        let windows: [JSONValue] = e.windows.map { w in
            .object(JSONObject([
                ("name", .string(w.window.name)), ("utc", .string(w.window.utcText)),
                ("days", .array((w.window.days.isEmpty ? Array(0..<7) : w.window.days).map { .string(["mon", "tue", "wed", "thu", "fri", "sat", "sun"][$0]) })),
                ("except", .optional(w.window.exceptCalendar)),
                ("prices", priceObject(w.prices)),
                ("batch", w.batch.map(priceObject) ?? .null),
            ]))
        }
        return .object(JSONObject([
            ("id", .string(model.id)), ("provider", .string(model.provider)),
            ("aliases", .array(model.aliases.map { .string($0) })),
            ("encoding", .optional(model.encoding)),
            ("context_window", model.contextWindow.map { .int($0) } ?? .null),
            ("max_output", model.maxOutput.map { .int($0) } ?? .null),
            ("efforts", .array(model.efforts.map { .string($0.rawValue) })),
            ("reseller_only", .bool(model.resellerOnly)),
            ("channel", .optional(prices.channel)),
            ("period_from", .string(prices.periodStart)),
            ("layers", .array(prices.layers.map { .string($0) })),
            ("time_window", prices.timeWindow.map { .string($0.name) } ?? .null),
            ("prices", priceObject(prices)),
            ("units", unitObject(prices)),
            ("batch", e.batch.map(priceObject) ?? .null),
            ("long_context", longContext),
            ("service_tiers", .object(tiers)),
            ("time_windows", .array(windows)),
        ]))
    }

    /// The unit of every price in `priceObject`: "USD per 1M tokens", "USD per minute of audio".
    static func unitObject(_ prices: EffectivePrices) -> JSONValue {
        var object = JSONObject()
        for c in PriceComponent.allCases where prices.price(of: c) != nil { object[c.rawValue] = .string("USD \(c.unit)") }
        return .object(object)
    }
}
