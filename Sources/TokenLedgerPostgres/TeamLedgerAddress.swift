import Foundation
import PostgresNIO
import TokenLedgerCore

/// Where a team ledger lives: a `postgres://user:password@host:port/database?sslmode=…` URL, parsed
/// the way libpq reads it (user and password percent-decoded, port 5432 and database = user by default,
/// `sslmode` disable/allow/prefer/require/verify-ca/verify-full, `sslrootcert` for a private CA).
/// The password never appears in `description` or in any error: `redacted` replaces it with `***`.
public struct TeamLedgerAddress: Sendable, Equatable, CustomStringConvertible {
    /// How much TLS to insist on (libpq's `sslmode`; `prefer` when absent).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A CA certificate file (PEM) to verify the server with; nil = the system's trust store.
    public var sslRootCert: String?
    /// Seconds to wait for the server to answer a connection (`connect_timeout`, default 10).
    public var connectTimeout: Int = 10

    /// True for a `--db` / `$TOKENLEDGER_DB` value that names a PostgreSQL server rather than a file.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` or `postgresql://` URL. When the URL has no password it comes, as libpq
    /// does it, from `PGPASSWORD`, else from the password file (`PGPASSFILE`, else `~/.pgpass`; ignored
    /// unless only its owner can read it); the user name defaults to `PGUSER`, else `USER`.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(TeamLedgerError) {
        guard TeamLedgerAddress.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw .badAddress(redacted: TeamLedgerAddress.redact(text), reason: "it is not a URL of the form postgres://user:password@host:port/database")
        }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw .badAddress(redacted: TeamLedgerAddress.redact(text), reason: "port \(port) is out of range")
        }
        user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        let path = components.percentEncodedPath.removingPercentEncoding ?? ""
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        database = name.isEmpty ? user : name
        sslMode = .prefer
        sslRootCert = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                    throw .badAddress(redacted: TeamLedgerAddress.redact(text),
                                      reason: "sslmode '\(item.value ?? "")' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                sslRootCert = item.value
            case "connect_timeout":
                guard let value = item.value.flatMap({ Int($0) }), value > 0 else {
                    throw .badAddress(redacted: TeamLedgerAddress.redact(text), reason: "connect_timeout '\(item.value ?? "")' is not a number of seconds")
                }
                connectTimeout = value
            case "application_name":
                continue
            default:
                throw .badAddress(redacted: TeamLedgerAddress.redact(text),
                                  reason: "the parameter '\(item.name)' is not supported (use sslmode, sslrootcert and connect_timeout)")
            }
        }
        if password == nil {
            let file = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
            if let file { password = PasswordFile.password(in: file, host: host, port: port, database: database, user: user) }
        }
    }

    /// The URL with the password replaced by `***`: safe for messages and logs.
    public var description: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        if password != nil { components.percentEncodedPassword = "***" }
        components.host = host.contains(":") ? "[\(host)]" : host
        components.port = port
        components.path = "/" + database
        var items: [URLQueryItem] = []
        if sslMode != .prefer { items.append(URLQueryItem(name: "sslmode", value: sslMode.rawValue)) }
        if let sslRootCert { items.append(URLQueryItem(name: "sslrootcert", value: sslRootCert)) }
        if !items.isEmpty { components.queryItems = items }
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// Replaces the password of any `scheme://user:password@` in `text` with `***` (for text that may
    /// not parse as a URL at all, such as a mistyped `--db`).
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return text }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<rest.index(after: colon)]) + "***" + String(rest[at...])
    }

    /// The PostgresNIO connection settings: libpq's sslmode mapped onto TLS off / prefer / require and
    /// certificate checks (`require` encrypts without checking the certificate, as libpq does;
    /// `verify-ca` checks the chain; `verify-full` also the host name).
    func connectionConfiguration() throws(TeamLedgerError) -> PostgresConnection.Configuration {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .allow, .prefer, .require: tlsConfiguration.certificateVerification = .none
        case .verifyCA: tlsConfiguration.certificateVerification = .noHostnameVerification
        case .verifyFull: tlsConfiguration.certificateVerification = .fullVerification
        }
        if let sslRootCert { tlsConfiguration.trustRoots = .file(sslRootCert) }
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch sslMode {
            // `allow` (plain first, TLS if the server insists) is served as `prefer`: TLS when offered.
            case .disable: tls = .disable
            case .allow, .prefer: tls = .prefer(try NIOSSLContext(configuration: tlsConfiguration))
            case .require, .verifyCA, .verifyFull: tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
            }
        } catch {
            throw .tlsSetup(address: description, reason: "\(error)")
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout))
        return configuration
    }
}
