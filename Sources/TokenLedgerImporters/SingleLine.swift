extension String {
    /// The text with every run of line breaks and tabs turned into one space, for messages that must
    /// stay one line (a quarantine reason, a problem) when they quote a library's own text, such as
    /// an SQLite error that carries a schema over several lines. Cost: one pass; no copy when clean.
    var singleLine: String {
        guard utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count)
        var pendingSpace = false
        for scalar in unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\t" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace && scalar != " " { out.unicodeScalars.append(" ") }
            pendingSpace = false
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}
