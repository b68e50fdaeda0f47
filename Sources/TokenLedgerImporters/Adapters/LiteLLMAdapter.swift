import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// LiteLLM proxy spend logs (`LiteLLM_SpendLogs`, formats.md §11) exported as CSV, a JSON array, or
/// JSON Lines. Read as a whole document (exports are rewritten, not appended); keys make a re-read or
/// an overlapping export add nothing.
///
/// - Key `litellm:<request_id>`. `status: failure` rows and `cache_hit: True` rows (answered from
///   LiteLLM's own cache, no provider bill) are skipped.
/// - Tokens: LiteLLM's `prompt_tokens` is the whole prompt. From `metadata.usage_object`:
///   `prompt_tokens_details.cached_tokens` (else `cache_read_input_tokens`) is the cache read and
///   `cache_creation_input_tokens` the cache write (5m), both taken out of the prompt to leave the
///   uncached input; `completion_tokens_details.reasoning_tokens` ⊂ output.
/// - `spend` → reported cost, exact from its text (rounded half-even at 10⁻¹² USD if the float text is
///   finer than that). `api_key` (already a hash) → `SHA256.shortHash` of it. `request_tags` → tags
///   ("k:v" or "k=v" → k = v; a bare tag → tag = "true"), `team_id` → tag "team".
/// - `startTime` without a zone is read in `ImportContext.naiveTimeZone` (`--tz`, else the local zone).
/// - Provider: `custom_llm_provider` (vertex_ai/gemini → google), else from the model name.
package struct LiteLLMAdapter: LogAdapter {
    public init() {}

    public var name: String { "litellm" }
    public var summary: String { "LiteLLM proxy spend logs (LiteLLM_SpendLogs exported as CSV, JSON or JSON Lines)" }
    public var layout: LogLayout { .document }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        let lower = fileName.lowercased()
        guard lower.hasSuffix(".csv") || lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") else { return 0 }
        // Asked in turn, each only when the answer still depends on it: a search of the head for a
        // needle it lacks reads all of it.
        guard h.contains("request_id") && h.contains("spend") else { return 0 }
        return h.contains("startTime") ? 90 : 60
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        LiteLLMParser(context: context)
    }
}

final class LiteLLMParser: LogParser {
    private let context: ImportContext

    init(context: ImportContext) { self.context = context }

    func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void) {
        var start = 0
        if document.count >= 3, document[0] == 0xEF, document[1] == 0xBB, document[2] == 0xBF { start = 3 }
        while start < document.count, [0x20, 0x09, 0x0A, 0x0D].contains(document[start]) { start += 1 }
        guard start < document.count else { return }
        switch document[start] {
        case UInt8(ascii: "["):
            JSONArrayElements.split(document) { element in
                switch element {
                case .element(let bytes, let line):
                    do throws(JSONParser.Error) { row(try JSONParser.parse(bytes), line: line, emit: emit) } catch {
                        emit(.malformed(reason: error.message, line: line))
                    }
                case .broken(let reason, let line):
                    emit(.malformed(reason: reason, line: line))
                }
            }
        case UInt8(ascii: "{"):
            DocumentLines.forEach(in: document) { line, number in
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    do throws(JSONParser.Error) { row(try JSONParser.parse(line), line: number, emit: emit) } catch {
                        emit(.malformed(reason: error.message, line: number))
                    }
                }
            }
        default:
            CSVReader.read(document: document) { event in
                switch event {
                case .row(let r):
                    var members: [(key: String, value: JSONValue)] = []
                    for (i, name) in r.header.names.enumerated() {
                        members.append((name.trimmingCharacters(in: .whitespaces), .string(r.fields[i])))
                    }
                    row(.object(JSONObject(members)), line: r.line, emit: emit)
                case .header(let h):
                    if h.index(of: "request_id") == nil {
                        emit(.malformed(reason: "the CSV header has no request_id column, so this is not a LiteLLM spend log export", line: 1))
                    }
                case .malformed(let reason, let line): emit(.malformed(reason: reason, line: line))
                case .pending, .blank: break
                }
            }
        }
    }

    /// One spend-log row, from JSON or from a CSV row turned into an object of strings.
    private func row(_ v: JSONValue, line: Int, emit: (LogItem) -> Void) {
        func text(_ key: String) -> String? {
            guard let t = LogSupport.text(v[key])?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            return t
        }
        guard let requestID = text("request_id") else {
            emit(.malformed(reason: "the row has no request_id", line: line))
            return
        }
        if let status = text("status")?.lowercased(), status == "failure" || status == "failed" { emit(.skipped); return }
        if let hit = text("cache_hit")?.lowercased(), hit == "true" { emit(.skipped); return }

        // metadata is an object in JSON exports and JSON text in CSV exports.
        var metadata = v["metadata"]
        if let s = metadata?.string {
            let t = s.trimmingCharacters(in: .whitespaces)
            metadata = t.isEmpty ? nil : (try? JSONParser.parse(t))
            if metadata == nil && !t.isEmpty {
                emit(.malformed(reason: "the metadata column is not valid JSON", line: line))
                return
            }
        }
        let usage = metadata?["usage_object"]

        var bad: String?
        let prompt = LogSupport.tokens(v["prompt_tokens"], &bad, "prompt_tokens") ?? LogSupport.tokens(usage?["prompt_tokens"], &bad, "usage_object.prompt_tokens")
        let completion = LogSupport.tokens(v["completion_tokens"], &bad, "completion_tokens") ?? LogSupport.tokens(usage?["completion_tokens"], &bad, "usage_object.completion_tokens")
        let cached = LogSupport.tokens(usage?[path: "prompt_tokens_details", "cached_tokens"], &bad, "cached_tokens")
            ?? LogSupport.tokens(usage?["cache_read_input_tokens"], &bad, "cache_read_input_tokens") ?? 0
        let written = LogSupport.tokens(usage?["cache_creation_input_tokens"], &bad, "cache_creation_input_tokens") ?? 0
        let reasoning = LogSupport.tokens(usage?[path: "completion_tokens_details", "reasoning_tokens"], &bad, "reasoning_tokens") ?? 0
        if let bad { emit(.malformed(reason: bad, line: line)); return }
        guard prompt != nil || completion != nil else {
            emit(.malformed(reason: "the row has neither prompt_tokens nor completion_tokens", line: line))
            return
        }
        var tokens = TokenCounts(cacheRead: cached, cacheWrite5m: written, output: completion ?? 0, reasoning: reasoning)
        let whole = prompt ?? 0
        if whole - cached - written >= 0 {
            tokens.input = whole - cached - written
        } else if whole - cached >= 0 {
            tokens.input = whole - cached // a provider whose prompt count leaves cache writes out
        } else {
            emit(.malformed(reason: "cached tokens (\(cached)) exceed prompt_tokens (\(whole))", line: line))
            return
        }
        if let why = tokens.inconsistency { emit(.malformed(reason: why, line: line)); return }

        guard let timeText = text("startTime") ?? text("start_time") ?? text("endTime"),
              let timestamp = Timestamp.parse(timeText, naiveZone: context.naiveTimeZone)
        else {
            emit(.malformed(reason: "startTime is missing or not a readable timestamp", line: line))
            return
        }
        guard let model = text("model") ?? text("model_group") else {
            emit(.malformed(reason: "the row has no model", line: line))
            return
        }
        var reported: Money?
        if let spend = text("spend") {
            guard let m = LogSupport.money(spend) else { emit(.malformed(reason: "spend is not a decimal amount", line: line)); return }
            reported = m
        }
        var tags = Self.tags(v["request_tags"])
        if let team = text("team_id") { tags["team"] = team }
        for (k, value) in context.tags { tags[k] = value }

        let record = UsageRecord(
            timestamp: timestamp, provider: Self.provider(text("custom_llm_provider"), model: model), model: model,
            tokens: tokens, source: "litellm", channel: context.channel, project: context.project, tags: tags,
            reportedCost: reported, requestID: requestID, sessionID: text("session_id"),
            apiKeyHash: text("api_key").map { SHA256.shortHash(of: $0) }
        )
        emit(.entry(LedgerEntry(record: record, dedupKey: "litellm:\(requestID)", location: SourceLocation(file: context.file.path, line: line))))
    }

    /// LiteLLM's provider names, folded to the provider families the price tables use.
    static func provider(_ name: String?, model: String) -> String {
        guard let name = name?.lowercased(), !name.isEmpty else { return LogSupport.provider(forModel: model) }
        switch name {
        case "vertex_ai", "vertex_ai_beta", "gemini", "google": return "google"
        case "text-completion-openai", "openai": return "openai"
        default: return name
        }
    }

    /// `request_tags`: a JSON array (or its text in CSV) of "tag", "key:value" or "key=value".
    static func tags(_ value: JSONValue?) -> [String: String] {
        var list: [JSONValue] = []
        if let a = value?.array { list = a }
        else if let s = value?.string, let parsed = try? JSONParser.parse(s), let a = parsed.array { list = a }
        var tags: [String: String] = [:]
        for item in list {
            guard let t = item.string?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { continue }
            if let sep = t.firstIndex(where: { $0 == ":" || $0 == "=" }), sep != t.startIndex {
                tags[String(t[..<sep])] = String(t[t.index(after: sep)...])
            } else {
                tags[t] = "true"
            }
        }
        return tags
    }
}

/// Splits a top-level JSON array into its elements' bytes without parsing them, so one broken element
/// is reported (with its line) and the others are still read. Cost: one pass over the bytes.
enum JSONArrayElements {
    enum Piece {
        case element(UnsafeRawBufferPointer, line: Int)
        case broken(reason: String, line: Int)
    }

    static func split(_ doc: UnsafeRawBufferPointer, _ body: (Piece) -> Void) {
        var i = 0
        var line = 1
        func skipSpace() {
            while i < doc.count, [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains(doc[i]) {
                if doc[i] == 0x0A { line += 1 }
                i += 1
            }
        }
        skipSpace()
        guard i < doc.count, doc[i] == UInt8(ascii: "[") else { body(.broken(reason: "expected a JSON array", line: line)); return }
        i += 1
        while true {
            skipSpace()
            guard i < doc.count else { body(.broken(reason: "the JSON array is never closed", line: line)); return }
            if doc[i] == UInt8(ascii: "]") { return }
            if doc[i] == UInt8(ascii: ",") { i += 1; continue }
            let start = i
            let startLine = line
            var depth = 0
            var inString = false
            var escaped = false
            while i < doc.count {
                let b = doc[i]
                if b == 0x0A { line += 1 }
                if inString {
                    if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                } else if b == 0x22 {
                    inString = true
                } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                    depth += 1
                } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    if depth == 0 { break } // the array's own closing bracket
                    depth -= 1
                } else if b == UInt8(ascii: ","), depth == 0 {
                    break
                }
                i += 1
            }
            if i == start {
                // A '}' or ']' where an element should start: report it and step over it (without
                // this step the loop would stand still on it forever).
                body(.broken(reason: "an unexpected '\(Character(Unicode.Scalar(doc[i])))' in the JSON array", line: line))
                i += 1
                continue
            }
            var end = i
            while end > start, [0x20, 0x09, 0x0A, 0x0D].contains(doc[end - 1]) { end -= 1 }
            if depth != 0 || inString {
                body(.broken(reason: "an element of the JSON array is cut short", line: startLine))
                return
            }
            body(.element(UnsafeRawBufferPointer(rebasing: doc[start..<end]), line: startLine))
        }
    }
}
