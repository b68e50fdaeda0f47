import Foundation
import TokenLedgerCore

/// Small helpers shared by the adapters: project names, byte search, provider from model, token
/// counts, and text, reported costs and times from JSON.
enum LogSupport {
    /// The project name for a working directory: its last path component ("/home/me/src/shop" →
    /// "shop"). Reports group by it, and a short name reads better in a table than a full path; two
    /// checkouts with the same folder name share a project (use `--project` to tell them apart).
    static func project(fromWorkingDirectory cwd: String?) -> String? {
        guard let cwd, !cwd.isEmpty else { return nil }
        let trimmed = cwd.hasSuffix("/") || cwd.hasSuffix("\\") ? String(cwd.dropLast()) : cwd
        let last = trimmed.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)
        return last ?? trimmed
    }

    /// A path's last component, as `NSString.lastPathComponent` gives it ("/a/b/c.jsonl" → "c.jsonl").
    /// Cost: a search from the end for a path with a folder and no trailing slash (what detection
    /// asks of every file, several adapters each), against some 60,000 instructions through `NSString`.
    static func fileName(of path: String) -> String {
        if path.utf8.last != UInt8(ascii: "/"), let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) {
            return String(path[path.utf8.index(after: slash)...])
        }
        return (path as NSString).lastPathComponent
    }

    /// True when `needle` occurs in `haystack`. Cost: a `memchr`-driven scan, no allocation.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        offset(of: UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount), in: haystack) != nil
    }

    /// Where `needle` first occurs in `haystack` at or after `from`; nil when it does not (or is
    /// empty). Cost: a `memchr`-driven scan, no allocation.
    static func offset(of needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        let n = needle.count
        guard n > 0, from >= 0, haystack.count >= n, let base = haystack.baseAddress, let needleBase = needle.baseAddress else { return nil }
        let first = needle[0]
        var offset = from
        while offset + n <= haystack.count {
            guard let hit = memchr(base + offset, Int32(first), haystack.count - offset - n + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            // The second byte first: a needle starting with '"' stops at every quote of a JSON line,
            // and a call to memcmp for each cost more than the search itself (callgrind, Claude Code lines).
            if n == 1 || (base.load(fromByteOffset: at + 1, as: UInt8.self) == needle[1] && memcmp(base + at, needleBase, n) == 0) {
                return at
            }
            offset = at + 1
        }
        return nil
    }

    /// Starts with `{` and ends with `}` (ignoring spaces): a whole JSON object line, checked cheaply
    /// for lines a fast path skips without parsing.
    static func looksLikeObject(_ line: UnsafeRawBufferPointer) -> Bool {
        var s = 0, e = line.count
        while s < e, line[s] == 0x20 || line[s] == 0x09 { s += 1 }
        while e > s, line[e - 1] == 0x20 || line[e - 1] == 0x09 { e -= 1 }
        return e - s >= 2 && line[s] == UInt8(ascii: "{") && line[e - 1] == UInt8(ascii: "}")
    }

    /// The provider family for a model name when the log does not say: "gpt-4o" → "openai",
    /// "claude-3-5-haiku" → "anthropic", "gemini-2.5-pro" → "google", "openrouter/…" → "openrouter";
    /// "unknown" otherwise (the record is stored and shown as unpriced if no price matches).
    static func provider(forModel model: String) -> String {
        let m = model.lowercased()
        if let slash = m.firstIndex(of: "/") {
            let prefix = String(m[..<slash])
            switch prefix {
            case "openai", "azure": return "openai"
            case "anthropic": return "anthropic"
            case "gemini", "google", "vertex_ai": return "google"
            case "xai", "x-ai": return "xai"
            case "accounts": return "fireworks" // "accounts/fireworks/models/…"
            default: return prefix
            }
        }
        if m.hasPrefix("ft:gpt") || m.hasPrefix("ft:o") { return "openai" }
        if m.hasPrefix("gpt") || m.hasPrefix("chatgpt") || m.hasPrefix("o1") || m.hasPrefix("o3") || m.hasPrefix("o4")
            || m.hasPrefix("text-embedding") || m.hasPrefix("codex") || m.hasPrefix("davinci") || m.hasPrefix("babbage")
        { return "openai" }
        if m.hasPrefix("claude") { return "anthropic" }
        if m.hasPrefix("gemini") || m.hasPrefix("gemma") { return "google" }
        if m.hasPrefix("grok") { return "xai" }
        if m.hasPrefix("mistral") || m.hasPrefix("codestral") || m.hasPrefix("magistral") { return "mistral" }
        if m.hasPrefix("deepseek") { return "deepseek" }
        if m.hasPrefix("kimi") || m.hasPrefix("moonshot") { return "moonshot" }
        if m.hasPrefix("qwen") || m.hasPrefix("qwq") { return "alibaba" }
        return "unknown"
    }

    /// A provider name as a response or a telemetry attribute writes it ("xAI", "x-ai", "Google",
    /// "gcp.gemini", "Moonshot AI", "dashscope"), in the spelling price tables and reports use.
    static func normalizedProvider(_ name: String) -> String {
        let n = name.trimmingCharacters(in: .whitespaces).lowercased()
        switch n {
        case "xai", "x-ai", "x.ai", "grok": return "xai"
        case "google", "gemini", "google-genai", "gcp.gemini", "gcp.vertex_ai", "vertex_ai", "vertexai", "gcp.gen_ai", "google ai studio", "google-vertex":
            return "google"
        case "openai", "azure", "azure.ai.openai", "azure_openai", "az.ai.openai": return "openai"
        case "anthropic", "aws.bedrock.anthropic": return "anthropic"
        case "deepseek": return "deepseek"
        case "mistral", "mistralai", "mistral_ai", "mistral ai": return "mistral"
        case "moonshot", "moonshotai", "moonshot ai", "kimi": return "moonshot"
        case "alibaba", "dashscope", "qwen", "alibaba cloud": return "alibaba"
        default: return n.isEmpty ? "unknown" : n
        }
    }

    /// What a JSON value is, for a quarantine reason: "a JSON number", "a JSON array", ...
    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "JSON null"
        case .bool: return "a JSON boolean"
        case .number: return "a JSON number"
        case .string: return "a JSON string"
        case .array: return "a JSON array"
        case .object: return "a JSON object"
        }
    }

    /// The quarantine reason for a value that should have been an object: "a JSON number, not an
    /// object" (`what` names the object expected, e.g. "a chat completion object").
    static func notAnObject(_ value: JSONValue, expected what: String = "an object") -> String {
        "the line is \(kind(of: value)), not \(what)"
    }

    /// Why a log line that is not a JSON object was refused: what JSON value it is ("the line is a
    /// JSON number, not an object") when it parses, else that it is cut short or garbled. Cost: one
    /// parse of the line, only for lines already known to be bad.
    static func nonObjectReason(_ line: UnsafeRawBufferPointer) -> String {
        if let value = try? JSONParser.parse(line), value.object == nil { return notAnObject(value) }
        return "not a JSON object (the line is cut short or garbled)"
    }

    /// A whole, non-negative token count from a JSON number or numeric string; nil when absent or null.
    /// A present value that is not a whole number sets `bad`.
    static func tokens(_ value: JSONValue?, _ bad: inout String?, _ name: String) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let i = value.int, i >= 0 else {
            if bad == nil { bad = "\(name) is not a whole number of tokens" }
            return nil
        }
        return i
    }

    /// A JSON scalar as text: strings as they are, numbers by their exact text, booleans as
    /// "true"/"false"; nil for null, absent, an empty string, an object or an array.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s.isEmpty ? nil : s
        case .number(let n)?: return n
        case .bool(let b)?: return b ? "true" : "false"
        default: return nil
        }
    }

    /// A time from a JSON value: Unix seconds as a number or numeric text, or ISO-8601 text (UTC
    /// unless it carries an offset); nil otherwise. Cost: one parse of the text.
    static func date(_ value: JSONValue) -> Date? {
        switch value {
        case .number(let text): return Timestamp.fromUnix(text)
        case .string(let text): return Timestamp.parse(text)
        default: return nil
        }
    }

    /// A time from Unix milliseconds (a whole JSON number, as JavaScript's `Date.now()` writes it)
    /// or ISO-8601 text; nil otherwise.
    static func milliseconds(_ value: JSONValue) -> Date? {
        switch value {
        case .number(let text):
            guard let ms = Int64(text), ms >= 0 else { return nil }
            return Date(timeIntervalSince1970: TimeInterval(ms / 1000) + TimeInterval(ms % 1000) / 1000)
        case .string(let text): return Timestamp.parse(text)
        default: return nil
        }
    }

    /// A reported cost exactly from its text ("0.0138", "1.5e-05", "$2.50"). Float text finer than a
    /// picodollar (LiteLLM's and OpenAI's Costs API's 17-digit floats, "0.06000000000000000333") is
    /// rounded half-even there; a reported cost is informational, never a price. Nil when the text is
    /// not a number.
    static func money(_ text: String) -> Money? {
        if let m = Money(decimalText: text) { return m }
        var t = Substring(text).trimmingASCIIWhitespace()
        if t.hasPrefix("$") { t = t.dropFirst() }
        guard let d = ExactDecimal(t), d.fractionDigits > Money.fractionDigits else { return nil }
        let shift = d.fractionDigits - Money.fractionDigits
        // A 38-digit significand shifted by more than 38 places is below half a picodollar.
        if shift > 38 { return .zero }
        return Money(picodollars: Money.divideRoundingHalfEven(d.significand, by: pow10(d.fractionDigits - Money.fractionDigits)))
    }
}
