import Foundation

/// A repository as the ledger stores it (`UsageRecord.repository`): a git remote without its scheme,
/// credentials, port-less `git@` form or `.git` suffix, so the same repository reads the same whichever
/// way it was cloned ("https://user:token@github.com/acme/shop.git", "git@github.com:acme/shop.git" and
/// "ssh://git@github.com/acme/shop" are all "github.com/acme/shop"); else a working folder's name.
/// Credentials in a remote URL are never kept.
enum RepositoryName {
    /// The stored form of a git remote URL; nil for an empty or unreadable one.
    static func remote(_ url: String?) -> String? {
        guard var s = url?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
        if let scheme = s.range(of: "://") {
            s = String(s[scheme.upperBound...])
        } else if let at = s.firstIndex(of: "@"), let colon = s[at...].firstIndex(of: ":") {
            // scp-like "git@host:owner/repo": the colon separates host and path.
            s = String(s[s.index(after: at)..<colon]) + "/" + String(s[s.index(after: colon)...])
        }
        // Drop "user:password@" before the host.
        if let slash = s.firstIndex(of: "/") ?? Optional(s.endIndex), let at = s[..<slash].lastIndex(of: "@") {
            s = String(s[s.index(after: at)...])
        }
        while s.hasSuffix("/") { s.removeLast() }
        if s.hasSuffix(".git") { s.removeLast(4) }
        return s.isEmpty ? nil : s
    }

    /// A working folder's name as the repository when the log names no remote; nil for none or `/`.
    static func folder(_ cwd: String?) -> String? {
        guard let name = LogSupport.project(fromWorkingDirectory: cwd), !name.isEmpty else { return nil }
        return name
    }

    /// A branch name as logged; nil for empty or a detached HEAD ("HEAD").
    static func branch(_ name: String?) -> String? {
        // A name that starts and ends with a visible ASCII character has nothing to trim: Foundation's
        // trimming costs about 7,000 instructions a call (callgrind), on every Claude Code usage line.
        if let name, let first = name.utf8.first, let last = name.utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return name == "HEAD" ? nil : name
        }
        guard let b = name?.trimmingCharacters(in: .whitespaces), !b.isEmpty, b != "HEAD" else { return nil }
        return b
    }
}
