import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// Turns an `Estimate` into the terminal text and the JSON of `tokenledger estimate`.
package enum EstimateRendering {
    /// Human-readable text: one block for a single request, a per-model table for a batch.
    public static func text(_ estimate: Estimate, style: Style = .plain) -> String {
        if estimate.requests.count == 1, let only = estimate.requests.first {
            return single(only, style: style)
        }
        return batch(estimate, style: style)
    }

    static func cost(_ breakdown: CostBreakdown?) -> String {
        guard let breakdown else { return "no cap" }
        return breakdown.total.map(dollars) ?? "unpriced"
    }

    /// Estimates are small sums: four decimals ("$0.0299") keep them readable and distinct.
    public static func dollars(_ money: Money) -> String {
        money.picodollars >= 1_000_000_000_000_000 ? money.displayString : "$" + money.formatted(places: 4)
    }

    static func single(_ r: RequestEstimate, style: Style) -> String {
        var out = ""
        let model = r.modelID ?? r.model
        let effort = r.effort.isKnown ? ", \(r.effort) effort" : ""
        let batch = r.isBatch ? ", batch" : ""
        out += style.bold("\(model)\(effort)\(batch)") + "\n"
        var table = TextTable(columns: [.init(""), .init("Tokens", .right), .init("Basis")])
        table.addRow(["input", grouped(r.inputTokens), r.inputIsApproximate ? (r.counting.hasPrefix("approximate") ? r.counting : "approximate (\(r.counting))") : "exact (\(r.counting))"])
        let f = r.forecast
        table.addRow(["output, expected", grouped(r.expectedOutput),
                      "\(grouped(f.visibleMedian)) visible [\(f.visibleBasis.label)] + \(grouped(f.reasoningMedian)) reasoning [\(f.reasoningBasis.label)]"])
        let capNote = r.p90Output < f.p90Output ? " (capped)" : ""
        table.addRow(["output, 90th pct", grouped(r.p90Output), "\(grouped(f.visibleP90)) visible + \(grouped(f.reasoningP90)) reasoning\(capNote)"])
        table.addRow(["output cap", r.outputCap.map(grouped) ?? "none", r.outputCap == nil ? "" : "max output tokens"])
        out += table.render(style: style)
        out += "\n"
        var costs = TextTable(columns: [.init("Cost"), .init("Expected", .right), .init("90th pct", .right), .init("At cap", .right)])
        costs.addRow(["", cost(r.expected), cost(r.p90), cost(r.atCap)])
        out += costs.render(style: style)
        if let period = r.expected.periodStart {
            out += style.dim("prices from \(period) (\(r.expected.layers.joined(separator: ", ")))") + "\n"
        }
        if let window = r.expected.timeWindow {
            out += style.dim("time-of-day prices: \(window)") + "\n"
        }
        return out
    }

    /// One line of the batch table: the requests of one model at one effort tier.
    struct BatchGroup {
        var model: String
        var effort: EffortTier
        var requests = 0
        var input = 0
        var output = 0
        /// Nil as soon as one request of the group is unpriced (or has no cap).
        var expected: Money? = .zero
        var p90: Money? = .zero
        var cap: Money? = .zero

        mutating func add(_ r: RequestEstimate) {
            requests += 1
            input += r.inputTokens
            output += r.expectedOutput
            expected = BatchGroup.plus(expected, r.expected.total)
            p90 = BatchGroup.plus(p90, r.p90.total)
            cap = BatchGroup.plus(cap, r.atCap?.total)
        }

        static func plus(_ a: Money?, _ b: Money?) -> Money? {
            guard let a, let b else { return nil }
            return a + b
        }
    }

    static func batch(_ e: Estimate, style: Style) -> String {
        var groups: [BatchGroup] = []
        var index: [String: Int] = [:]
        for r in e.requests {
            let key = (r.modelID ?? r.model) + "|" + r.effort.rawValue
            let i: Int
            if let known = index[key] {
                i = known
            } else {
                i = groups.count
                index[key] = i
                groups.append(BatchGroup(model: r.modelID ?? r.model, effort: r.effort))
            }
            groups[i].add(r)
        }
        var table = TextTable(columns: [
            .init("Model"), .init("Effort"), .init("Requests", .right), .init("Input", .right),
            .init("Output (exp.)", .right), .init("Expected", .right), .init("90th pct", .right), .init("At cap", .right),
        ])
        for g in groups {
            table.addRow([g.model, g.effort.isKnown ? g.effort.rawValue : "-", grouped(g.requests), grouped(g.input), grouped(g.output),
                          g.expected.map(dollars) ?? "unpriced", g.p90.map(dollars) ?? "unpriced", g.cap.map(dollars) ?? "-"])
        }
        table.addSeparator()
        let unpriced = e.unpricedRequests.count
        table.addRow([unpriced > 0 ? "total (lower bound)" : "total", "", grouped(e.requests.count), grouped(e.inputTokens),
                      grouped(e.expectedOutput), e.expectedCost.map(dollars) ?? "unpriced",
                      e.p90Cost.map(dollars) ?? "unpriced", e.capCost.map(dollars) ?? "-"])
        var out = style.bold("\(e.kind == .batch ? "Batch file" : "Requests"): \(grouped(e.requests.count)) requests") + "\n"
        out += table.render(style: style)
        if unpriced > 0 { out += style.yellow("unpriced: \(unpriced) request\(unpriced == 1 ? "" : "s") with no known price (not in the totals)") + "\n" }
        return out
    }

    /// The JSON form: money as decimal strings, never floats.
    public static func json(_ e: Estimate) -> JSONValue {
        func money(_ m: Money?) -> JSONValue { m.map { .money($0) } ?? .null }
        func basis(_ b: OutputForecast.Basis) -> JSONValue {
            switch b {
            case .given: return ["source": "given"]
            case .history(let n): return ["source": "history", "requests": .int(n)]
            case .defaults(let t): return ["source": "defaults", "effort": .string(t.rawValue)]
            }
        }
        let requests: [JSONValue] = e.requests.map { r in
            .object(JSONObject([
                ("model", .string(r.model)), ("model_id", .optional(r.modelID)), ("effort", .string(r.effort.rawValue)),
                ("batch", .bool(r.isBatch)), ("line", r.line.map { .int($0) } ?? .null), ("custom_id", .optional(r.customID)),
                ("input_tokens", .int(r.inputTokens)), ("input_approximate", .bool(r.inputIsApproximate)),
                ("counting", .string(r.counting)),
                ("output_tokens", .object(JSONObject([
                    ("expected", .int(r.expectedOutput)), ("p90", .int(r.p90Output)),
                    ("cap", r.outputCap.map { .int($0) } ?? .null)]))),
                ("reasoning_tokens", .object(JSONObject([
                    ("expected", .int(r.forecast.reasoningMedian)), ("p90", .int(r.forecast.reasoningP90))]))),
                ("visible_basis", basis(r.forecast.visibleBasis)), ("reasoning_basis", basis(r.forecast.reasoningBasis)),
                ("cost_usd", .object(JSONObject([
                    ("expected", money(r.expected.total)), ("p90", money(r.p90.total)), ("at_cap", money(r.atCap?.total))]))),
                ("price_period", .optional(r.expected.periodStart)),
                ("unpriced_reason", { if case .unpriced(let why) = r.expected.status { return .string(why) } else { return .null } }()),
                ("warnings", .array(r.warnings.map { .string($0) })),
            ]))
        }
        return .object(JSONObject([
            ("kind", .string(e.kind.rawValue)),
            ("requests", .int(e.requests.count)),
            ("input_tokens", .int(e.inputTokens)),
            ("input_approximate", .bool(e.isApproximate)),
            ("expected_output_tokens", .int(e.expectedOutput)),
            ("p90_output_tokens", .int(e.p90Output)),
            ("cost_usd", .object(JSONObject([("expected", money(e.expectedCost)), ("p90", money(e.p90Cost)), ("at_cap", money(e.capCost))]))),
            ("unpriced_requests", .int(e.unpricedRequests.count)),
            ("warnings", .array(e.warnings.map { .string($0) })),
            ("items", .array(requests)),
        ]))
    }

    static func grouped(_ value: Int) -> String { NumberText.grouped(value) }
}
