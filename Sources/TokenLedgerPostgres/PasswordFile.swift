import Foundation

/// libpq's password file (`~/.pgpass`, or `$PGPASSFILE`): lines `host:port:database:user:password`,
/// `*` matching anything, `\:` and `\\` escaping, the first matching line winning. As libpq, a file
/// that group or others can read is ignored (a password there is not private).
enum PasswordFile {
    /// The password for this connection, or nil (no file, no matching line, or a file others can read).
    /// Cost: one read of a small file.
    static func password(in path: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        let wanted = [host, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// Splits one line on unescaped colons, removing the backslash escapes.
    static func split(_ line: String) -> [String] {
        var fields: [String] = [], current = "", escaped = false
        for c in line {
            if escaped { current.append(c); escaped = false }
            else if c == "\\" { escaped = true }
            else if c == ":" { fields.append(current); current = "" }
            else { current.append(c) }
        }
        fields.append(current)
        return fields
    }
}
