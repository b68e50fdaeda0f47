import Foundation

/// Hides credentials in text TokenLedger shows or keeps: API keys in a log line it quotes, and the
/// user name, password, path and query of a webhook URL (a Slack or Discord hook's secret is its path).
package enum SecretRedaction {
    /// Key prefixes of the providers whose logs are read: OpenAI and Anthropic (`sk-`, `sk-proj-`,
    /// `sk-ant-`), OpenRouter (`sk-or-`), Google (`AIza`).
    static let keyPrefixes: [[UInt8]] = [Array("sk-".utf8), Array("AIza".utf8)]
    /// Shorter runs after a prefix are ordinary words ("sk-learn"), not keys.
    static let minimumKeyLength = 16

    /// `text` with every API-key-shaped run (a key prefix and at least 16 more letters, digits, `-`
    /// or `_`) replaced by its prefix and "…(redacted)". Cost: one pass over the bytes; no copy when
    /// nothing matches.
    public static func redactingKeys(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        var copied = 0
        while i < bytes.count {
            guard let prefix = keyPrefixes.first(where: { bytes[i...].starts(with: $0) }),
                  i == 0 || !isKeyByte(bytes[i - 1]) else { i += 1; continue }
            var end = i + prefix.count
            while end < bytes.count, isKeyByte(bytes[end]) { end += 1 }
            if end - i - prefix.count >= minimumKeyLength {
                out += bytes[copied..<i]
                out += prefix
                out += Array("…(redacted)".utf8)
                copied = end
            }
            i = end
        }
        if copied == 0 { return text }
        out += bytes[copied...]
        return String(decoding: out, as: UTF8.self)
    }

    /// A URL as it may be shown: scheme, host and port, and "/…" when it has a path or query
    /// ("https://hooks.slack.com/…"), never its user, password, path or query.
    public static func displayURL(_ url: URL) -> String {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false), let host = components.host else {
            return "(a URL)"
        }
        var shown = "\(components.scheme ?? "https")://\(host)"
        if let port = components.port { shown += ":\(port)" }
        if !components.path.isEmpty && components.path != "/" || components.query != nil || components.fragment != nil { shown += "/…" }
        return shown
    }

    @inline(__always)
    private static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
    }
}
