import Foundation
import TokenLedgerCore

/// Small helpers shared by the tool-log adapters (Claude Code, Codex, llm, LiteLLM, CSV).
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

    /// True when `needle` occurs in `haystack`. Cost: a `memchr`-driven scan, no allocation.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard n > 0, haystack.count >= n, let base = haystack.baseAddress else { return false }
        let first = needle.utf8Start[0]
        var offset = 0
        while offset + n <= haystack.count {
            guard let hit = memchr(base + offset, Int32(first), haystack.count - offset - n + 1) else { return false }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle.utf8Start, n) == 0 { return true }
            offset = at + 1
        }
        return false
    }

    /// Starts with `{` and ends with `}` (ignoring spaces): a whole JSON object line, checked cheaply
    /// for lines a fast path skips without parsing.
    static func looksLikeObject(_ line: UnsafeRawBufferPointer) -> Bool {
        var s = 0, e = line.count
        while s < e, line[s] == 0x20 || line[s] == 0x09 { s += 1 }
        while e > s, line[e - 1] == 0x20 || line[e - 1] == 0x09 { e -= 1 }
        return e - s >= 2 && line[s] == UInt8(ascii: "{") && line[e - 1] == UInt8(ascii: "}")
    }

    /// True when `needle` occurs in the bytes (for `detect` on a file's head).
    static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        bytes.withUnsafeBytes { contains($0, needle) }
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
            default: return prefix
            }
        }
        if m.hasPrefix("gpt") || m.hasPrefix("chatgpt") || m.hasPrefix("o1") || m.hasPrefix("o3") || m.hasPrefix("o4")
            || m.hasPrefix("text-embedding") || m.hasPrefix("codex") || m.hasPrefix("davinci") || m.hasPrefix("babbage")
        { return "openai" }
        if m.hasPrefix("claude") { return "anthropic" }
        if m.hasPrefix("gemini") || m.hasPrefix("gemma") { return "google" }
        if m.hasPrefix("grok") { return "xai" }
        if m.hasPrefix("mistral") || m.hasPrefix("codestral") || m.hasPrefix("magistral") { return "mistral" }
        if m.hasPrefix("deepseek") { return "deepseek" }
        return "unknown"
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

    /// A reported cost exactly from its text ("0.0138", "1.5e-05", "$2.50"). Float text finer than a
    /// picodollar (LiteLLM's 17-digit floats) is rounded half-even there; a reported cost is
    /// informational, never a price. Nil when the text is not a number.
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
