import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Where a team ledger lives: a `postgres://` or `postgresql://` URL, handed to libpq as written.
/// libpq reads it as `psql` does — user, password, host(s), port, database, `sslmode`,
/// `sslrootcert`, `service`, `connect_timeout`, … — and fills what it leaves out from the `PG*`
/// environment variables, `~/.pgpass` and `pg_service.conf`. What TokenLedger adds: telling a URL
/// from a SQLite path, and never showing the password (`description` and every error hide it).
public struct TeamLedgerAddress: Sendable, Equatable, CustomStringConvertible {
    /// The URL as given (password inside; print `description`, which hides it).
    package let url: String
    /// The password written in the URL, if any (to take out of any message that might echo it).
    package let password: String?
    /// The database named in the URL, if any (libpq defaults it to the user name).
    public let database: String?

    /// True for a `--db` / `$TOKENLEDGER_DB` value that names a PostgreSQL server rather than a file.
    package static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// libpq's `sslmode` values.
    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// Checks `text` with libpq's own URL reader: a URL it cannot read, or one naming a setting it
    /// does not know, is refused here with libpq's reason, and so is an `sslmode` libpq does not
    /// have. Other values are checked by libpq when connecting.
    public init(parsing text: String) throws(TeamLedgerError) {
        guard TeamLedgerAddress.isPostgresURL(text) else {
            throw .badAddress(redacted: TeamLedgerAddress.redact(text), reason: "it does not start with postgres:// or postgresql://")
        }
        let settings: [String: String]
        do {
            settings = try PostgresConnection.parse(text)
        } catch {
            var reason = "\(error)"
            if case .badConnectionString(let message) = error { reason = message }
            // libpq's reason can quote the URL, or the piece it could not read, password included.
            throw .badAddress(redacted: TeamLedgerAddress.redact(text), reason: TeamLedgerAddress.redact(reason, quoting: text))
        }
        // libpq checks values only when connecting; a misspelt sslmode is refused here, before a push or
        // import opens anything.
        if let mode = settings["sslmode"], !TeamLedgerAddress.sslModes.contains(mode) {
            throw .badAddress(redacted: TeamLedgerAddress.redact(text),
                              reason: "sslmode '\(mode)' is not one of \(TeamLedgerAddress.sslModes.joined(separator: ", "))")
        }
        url = text
        password = settings["password"].flatMap { $0.isEmpty ? nil : $0 }
        database = settings["dbname"]
    }

    /// The URL with the password replaced by `***`: safe for messages and logs.
    public var description: String { TeamLedgerAddress.redact(url) }

    /// Replaces the password of any `scheme://user:password@` in `text`, and the value of a
    /// `password=` parameter, with `***` (for text that may not parse as a URL at all, such as a
    /// mistyped `--db`).
    package static func redact(_ text: String) -> String {
        var text = text
        // From the last range back, so the earlier ranges' indices stay valid.
        for range in passwordRanges(in: text).reversed() { text.replaceSubrange(range, with: "***") }
        return text
    }

    /// `message` with every password `url` holds (as written and percent-decoded) replaced by `***`,
    /// and the URL itself by its redacted form: for libpq's reasons, which quote what they could not read.
    package static func redact(_ message: String, quoting url: String) -> String {
        var message = message.replacingOccurrences(of: url, with: redact(url))
        for secret in passwords(in: url) where !secret.isEmpty {
            message = message.replacingOccurrences(of: secret, with: "***")
            if let decoded = secret.removingPercentEncoding, !decoded.isEmpty { message = message.replacingOccurrences(of: decoded, with: "***") }
        }
        return message
    }

    /// The passwords written in `url`: the one before `@` in the authority, and every `password=` value.
    static func passwords(in url: String) -> [String] {
        passwordRanges(in: url).map { String(url[$0]) }
    }

    /// Where `text` holds a password, in order and not overlapping: the one of `scheme://user:password@`
    /// and the value of every `password=` parameter.
    private static func passwordRanges(in text: String) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            // As libpq reads it: the credentials end at the first '/' (a '/' in a password is written %2F).
            let authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                found.append(authority.index(after: colon)..<at)
            }
        }
        for separator in ["?password=", "&password="] {
            var searchFrom = text.startIndex
            while let range = text.range(of: separator, options: .caseInsensitive, range: searchFrom..<text.endIndex) {
                let end = text[range.upperBound...].firstIndex(of: "&") ?? text.endIndex
                found.append(range.upperBound..<end)
                searchFrom = range.upperBound
            }
        }
        var ordered: [Range<String.Index>] = []
        for range in found.sorted(by: { $0.lowerBound < $1.lowerBound }) where ordered.last.map({ range.lowerBound >= $0.upperBound }) ?? true {
            ordered.append(range)
        }
        return ordered
    }

    /// Seconds to wait for a connection unless the URL or `$PGCONNECT_TIMEOUT` says otherwise.
    static let defaultConnectTimeout = 10
    /// The longest one statement may run unless the URL's `options` or `$PGOPTIONS` say otherwise:
    /// ten minutes, far above any batch, so a server that never answers cannot hold a cron job forever.
    static let defaultStatementTimeout = "10min"

    /// libpq's settings for this address: limits on every network wait first (connect timeout, TCP
    /// keepalives, a TCP user timeout for unacknowledged data, a statement timeout), then the URL,
    /// which overrides any of them it sets. An environment variable that sets a limit is left to libpq.
    func connectionSettings(environment: [String: String] = ProcessInfo.processInfo.environment) -> [(keyword: String, value: String)] {
        var settings: [(keyword: String, value: String)] = [
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
            ("tcp_user_timeout", "60000"),
        ]
        if environment["PGCONNECT_TIMEOUT"] == nil { settings.append(("connect_timeout", String(Self.defaultConnectTimeout))) }
        if environment["PGOPTIONS"] == nil { settings.append(("options", "-c statement_timeout=\(Self.defaultStatementTimeout)")) }
        if environment["PGAPPNAME"] == nil { settings.append(("application_name", "tokenledger")) }
        settings.append(("dbname", url))
        return settings
    }
}
