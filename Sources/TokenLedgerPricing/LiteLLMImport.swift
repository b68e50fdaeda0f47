import Foundation
import TokenLedgerCore

/// Converts LiteLLM's `model_prices_and_context_window.json` into a TokenLedger price table.
///
/// Every price is taken from the JSON number's *text* (Core's JSONParser keeps it), so LiteLLM's
/// `1.1e-06` per token becomes exactly `1.10` per 1M tokens; a price that would need more than six
/// decimals per 1M is reported, not rounded. What has no place in the format is listed, never dropped
/// silently. Cost: one JSON parse and one pass over the entries.
package enum LiteLLMImport {
    /// The converted table and everything that could not be mapped.
    public struct Result: Sendable {
        /// The table as TOML text (passes `prices check` on its own).
        public var toml: String
        /// Models written to the table.
        public var converted: Int
        /// Entries left out entirely, with why ("no input_cost_per_token").
        public var skipped: [(model: String, reason: String)]
        /// Keys of converted entries that carry a cost but have no place in the format.
        public var unmapped: [(model: String, key: String)]
    }

    public enum Error: UserFacingError, Equatable {
        case notJSON(String)
        case notAnObject
        case noModels(provider: String?)

        public var message: String {
            switch self {
            case .notJSON(let why): return "the file is not valid JSON (\(why)); pass LiteLLM's model_prices_and_context_window.json."
            case .notAnObject: return "the file is not a LiteLLM price map (expected a JSON object of model name → prices)."
            case .noModels(let provider):
                return provider.map { "no entry has litellm_provider = \"\($0)\"; check the provider name (e.g. openai, anthropic, gemini, deepseek, xai, mistral)." }
                    ?? "the file has no priced models."
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// Straight per-token keys → our components.
    static let tokenKeys: [(String, PriceComponent)] = [
        ("input_cost_per_token", .input),
        ("cache_read_input_token_cost", .cachedInput),
        ("cache_creation_input_token_cost", .cacheWrite5m),
        ("cache_creation_input_token_cost_above_1hr", .cacheWrite1h),
        ("output_cost_per_token", .output),
        ("output_cost_per_reasoning_token", .reasoning),
        ("input_cost_per_audio_token", .audioInput),
        ("output_cost_per_audio_token", .audioOutput),
        ("cache_read_input_audio_token_cost", .cachedAudioInput),
        ("input_cost_per_image_token", .imageInput),
        ("output_cost_per_image_token", .imageOutput),
    ]

    /// Converts `json`; `provider` keeps only entries whose `litellm_provider` equals it; `from` is the
    /// effective date written on every period (LiteLLM's file has no dates); `checked` the table's date.
    public static func convert(json: String, provider: String?, from: String, checked: String) throws(Error) -> Result {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw .notJSON(error.message)
        }
        return try convert(root: root, provider: provider, from: from, checked: checked)
    }

    /// `convert(json:…)` on an already parsed file (`prices update` parses once for every provider).
    public static func convert(root: JSONValue, provider: String?, from: String, checked: String) throws(Error) -> Result {
        guard let object = root.object else { throw .notAnObject }
        var skipped: [(model: String, reason: String)] = []
        var unmapped: [(model: String, key: String)] = []
        var blocks: [String] = []
        var seen: Set<String> = []
        var providers: [String: Int] = [:]
        for (name, entry) in object {
            guard let fields = entry.object else { continue }
            if name == "sample_spec" { continue }
            let entryProvider = fields["litellm_provider"]?.string ?? ""
            if let provider, entryProvider != provider { continue }
            providers[entryProvider, default: 0] += 1
            guard seen.insert(name.lowercased()).inserted else {
                skipped.append((name, "a second entry with the same name (case-insensitive)"))
                continue
            }
            var used: Set<String> = ["litellm_provider"]
            var problems: [String] = []
            func perMillion(_ key: String) -> String? {
                guard let value = fields[key] else { return nil }
                used.insert(key)
                guard let d = value.decimal, d.significand >= 0 else {
                    problems.append("\(key) is not a non-negative number")
                    return nil
                }
                let scaled = ExactDecimal(significand: d.significand, fractionDigits: d.fractionDigits - 6).normalizedForText()
                guard let text = scaled else {
                    problems.append("\(key) = \(numberText(value)) needs more than six decimals per 1M tokens")
                    return nil
                }
                return text
            }
            /// A per-unit key scaled to our unit: `× multiplier ÷ 10^shift`, exact or reported.
            func perUnit(_ key: String, times multiplier: Int128, shift: Int, unit: String) -> String? {
                guard let value = fields[key] else { return nil }
                used.insert(key)
                guard let d = value.decimal, d.significand >= 0,
                      case (let product, let overflow) = d.significand.multipliedReportingOverflow(by: multiplier), !overflow,
                      let text = ExactDecimal(significand: product, fractionDigits: d.fractionDigits - shift).normalizedForText()
                else {
                    problems.append("\(key) = \(numberText(value)) is not an exact price with at most six decimals \(unit)")
                    return nil
                }
                return text
            }
            // Audio by the second (whisper-1: $0.0001 a second) is our per-minute unit; text to speech by
            // the character (tts-1: $0.000015) our per-1M-characters unit. LiteLLM's transcription
            // entries also carry an `output_cost_per_second` equal to the input one: the bill is the
            // input audio's duration, so it is left unmapped (listed), never added on top.
            var units: [(PriceComponent, String)] = []
            if let text = perUnit("input_cost_per_second", times: 60, shift: 0, unit: "per minute") { units.append((.audioPerMinute, text)) }
            if let text = perUnit("input_cost_per_character", times: 1, shift: 6, unit: "per 1M characters") { units.append((.per1MCharacters, text)) }
            var standard: [(PriceComponent, String)]
            if let input = perMillion("input_cost_per_token") {
                standard = [(.input, input)]
                for (key, component) in tokenKeys.dropFirst() {
                    if let text = perMillion(key) { standard.append((component, text)) }
                }
                if !standard.contains(where: { $0.0 == .output }) { standard.append((.output, "0")) }
            } else if !units.isEmpty, fields["input_cost_per_token"] == nil {
                // Priced by a unit only (no token prices): the period holds just the unit prices.
                standard = []
                for (key, component) in tokenKeys.dropFirst() {
                    if let text = perMillion(key) { standard.append((component, text)) }
                }
            } else {
                skipped.append((name, fields["input_cost_per_token"] == nil
                    ? "no input_cost_per_token, input_cost_per_second or input_cost_per_character (not priced per token, second or character)"
                    : problems.joined(separator: "; ")))
                continue
            }
            standard += units
            // Per-unit items.
            if let perImage = fields["output_cost_per_image"] {
                used.insert("output_cost_per_image")
                if let d = perImage.decimal, d.significand >= 0, d.normalized().fractionDigits <= 6 {
                    standard.append((.perImage, d.description))
                } else {
                    problems.append("output_cost_per_image = \(numberText(perImage)) is not an exact price")
                }
            }
            if let search = fields["search_context_cost_per_query"]?.object {
                used.insert("search_context_cost_per_query")
                let medium = search["search_context_size_medium"] ?? search["search_context_size_low"]
                if let d = medium?.decimal, d.significand > 0 {
                    let per1k = ExactDecimal(significand: d.significand, fractionDigits: d.fractionDigits - 3).normalizedForText()
                    if let per1k { standard.append((.webSearchPer1k, per1k)) }
                }
            }
            // Batch: a multiplier when the batch prices are one exact fraction of the standard ones.
            var batch: String?
            let batchIn = fields["input_cost_per_token_batches"]?.decimal
            let batchOut = fields["output_cost_per_token_batches"]?.decimal
            if batchIn != nil || batchOut != nil {
                used.formUnion(["input_cost_per_token_batches", "output_cost_per_token_batches"])
                let ratios = [(batchIn, fields["input_cost_per_token"]?.decimal), (batchOut, fields["output_cost_per_token"]?.decimal)]
                    .compactMap { pair -> String? in
                        guard let b = pair.0, let s = pair.1 else { return nil }
                        return ratio(b, s)
                    }
                if let first = ratios.first, ratios.allSatisfy({ $0 == first }) {
                    batch = first
                } else {
                    unmapped.append((name, "input/output_cost_per_token_batches (not one exact multiplier of the standard prices)"))
                }
            }
            // Service tiers and the long-context tier.
            var tiers: [(String, [(PriceComponent, String)])] = []
            for tier in ["flex", "priority"] {
                var prices: [(PriceComponent, String)] = []
                for (key, component) in tokenKeys where fields[key + "_" + tier] != nil {
                    if let text = perMillion(key + "_" + tier) { prices.append((component, text)) }
                }
                if !prices.isEmpty { tiers.append((tier, prices)) }
            }
            var longContext: (Int, [(PriceComponent, String)])?
            var thresholds: [Int: [(PriceComponent, String)]] = [:]
            for (key, _) in fields.members {
                guard let range = key.range(of: "_above_", options: .backwards), key.hasSuffix("k_tokens") else { continue }
                let base = String(key[..<range.lowerBound])
                let number = key[range.upperBound...].dropLast("k_tokens".count)
                guard let k = Int(number), let component = tokenKeys.first(where: { $0.0 == base })?.1 else { continue }
                if let text = perMillion(key) { thresholds[k * 1000, default: []].append((component, text)) }
            }
            if let lowest = thresholds.keys.min(), let prices = thresholds[lowest] {
                longContext = (lowest, prices)
                for (threshold, _) in thresholds where threshold != lowest {
                    unmapped.append((name, "prices above \(threshold / 1000)k tokens (only one long-context tier fits; kept \(lowest / 1000)k)"))
                }
            }
            for problem in problems { unmapped.append((name, problem)) }
            for (key, value) in fields.members where !used.contains(key) && key.contains("cost") {
                if let d = value.decimal, d.significand == 0 { continue } // a zero price bills nothing
                unmapped.append((name, key))
            }

            var lines: [String] = ["[[model]]", "id = \(quoted(name))"]
            lines.append("encoding = \"approximate\"   # review: o200k_base / cl100k_base for OpenAI models")
            if let window = fields["max_input_tokens"]?.int { lines.append("context_window = \(window)") }
            if let maxOut = fields["max_output_tokens"]?.int { lines.append("max_output = \(maxOut)") }
            lines.append("efforts = []")
            lines.append("notes = \"Converted from LiteLLM (litellm_provider = \(entryProvider)); effective date and efforts not in LiteLLM's file.\"")
            lines.append("")
            lines.append("[[model.period]]")
            lines.append("from = \"\(from)\"")
            for (component, text) in standard { lines.append("\(component.rawValue) = \(text)") }
            if let batch { lines.append("batch = \(batch)") }
            for (tier, prices) in tiers {
                lines.append("")
                lines.append("[model.period.\(tier)]")
                for (component, text) in prices { lines.append("\(component.rawValue) = \(text)") }
            }
            if let (threshold, prices) = longContext {
                lines.append("")
                lines.append("[model.period.long_context]")
                lines.append("threshold = \(threshold)")
                for (component, text) in prices { lines.append("\(component.rawValue) = \(text)") }
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        guard !blocks.isEmpty else { throw .noModels(provider: provider) }
        let tableProvider = provider ?? (providers.count == 1 ? providers.keys.first ?? "mixed" : "mixed")
        let header = """
            # Converted from LiteLLM's model_prices_and_context_window.json by `tokenledger prices import-litellm`.
            # USD per 1M tokens, exact from LiteLLM's per-token numbers. Review before bundling: LiteLLM has no
            # effective dates, aliases, encodings or effort tiers (see pricing/FORMAT.md).
            [table]
            provider = \(quoted(tableProvider))
            channel = "official"
            source = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
            checked = "\(checked)"
            """
        return Result(toml: header + "\n\n" + blocks.joined(separator: "\n\n") + "\n", converted: blocks.count, skipped: skipped, unmapped: unmapped)
    }

    /// `part / whole` as decimal text when it is exact with at most six decimals ("0.5"), else nil.
    static func ratio(_ part: ExactDecimal, _ whole: ExactDecimal) -> String? {
        guard whole.significand > 0 else { return nil }
        // part/whole = (p × 10^-a) / (w × 10^-b); try six decimal places.
        let digits = 6
        let numerator = part.significand * pow10(whole.fractionDigits + digits)
        let denominator = whole.significand * pow10(part.fractionDigits)
        guard numerator % denominator == 0 else { return nil }
        return ExactDecimal(significand: numerator / denominator, fractionDigits: digits).description
    }

    static func numberText(_ value: JSONValue) -> String {
        if case .number(let text) = value { return text }
        return value.string ?? "?"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

extension ExactDecimal {
    /// Plain decimal text with at most six decimals (no exponent), or nil when it would need more.
    func normalizedForText() -> String? {
        var value = self
        if value.fractionDigits < 0 {
            value = ExactDecimal(significand: value.significand * pow10(-value.fractionDigits), fractionDigits: 0)
        }
        let n = value.normalized()
        return n.fractionDigits <= 6 ? n.description : nil
    }
}
