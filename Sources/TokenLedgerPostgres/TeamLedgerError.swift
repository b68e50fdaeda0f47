import Foundation
import PostgresNIO
import TokenLedgerCore

/// What can go wrong with a team ledger on PostgreSQL, in one sentence a user can act on. No case
/// ever carries the password: addresses are held redacted (`TeamLedgerAddress.description`).
public enum TeamLedgerError: UserFacingError, Equatable {
    /// The `--db` / `$TOKENLEDGER_DB` URL cannot be used.
    case badAddress(redacted: String, reason: String)
    /// Nothing answered at the address (refused, unreachable, timed out).
    case unreachable(address: String, reason: String)
    /// The server refused the user name or password.
    case authenticationFailed(address: String, reason: String)
    /// TLS could not be set up as `sslmode` asks.
    case tlsSetup(address: String, reason: String)
    /// The server answered a statement with an error.
    case server(address: String, message: String)
    /// The database holds tables but no TokenLedger migrations.
    case notATeamLedger(address: String)
    /// The database was migrated by a newer TokenLedger.
    case newerSchema(address: String, migration: String)
    /// A command that does not yet work on a team ledger.
    case unsupported(command: String)
    /// The local ledger to push from could not be read.
    case localLedger(reason: String)

    public var message: String {
        switch self {
        case .badAddress(let address, let reason):
            return "cannot use the team ledger address \(address): \(reason); write it as postgres://user:password@host:5432/database?sslmode=require."
        case .unreachable(let address, let reason):
            return "cannot reach the team ledger at \(address) (\(reason)); check that PostgreSQL runs there and that the host and port are right — nothing was changed."
        case .authenticationFailed(let address, let reason):
            return "the team ledger at \(address) refused the login (\(reason)); check the user and password in the URL or $PGPASSWORD."
        case .tlsSetup(let address, let reason):
            return "cannot set up TLS for the team ledger at \(address) (\(reason)); check sslmode and sslrootcert in the URL."
        case .server(let address, let message):
            return "the team ledger at \(address) answered with an error: \(message)."
        case .notATeamLedger(let address):
            return "the database \(address) holds other tables and is not a TokenLedger team ledger; give an empty database or an existing team ledger."
        case .newerSchema(let address, let migration):
            return "the team ledger at \(address) was upgraded by a newer TokenLedger (migration \(migration)); upgrade tokenledger on this machine."
        case .unsupported(let command):
            return "'tokenledger \(command)' does not work on a PostgreSQL team ledger yet; run it on the local ledger (omit --db postgres://… and unset TOKENLEDGER_DB), then 'tokenledger push'."
        case .localLedger(let reason):
            return reason
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .badAddress, .unsupported: return .usage
        default: return .failure
        }
    }

    /// Turns a PostgresNIO or NIO error into one sentence, with the password taken out of every text.
    static func from(_ error: any Error, address: TeamLedgerAddress) -> TeamLedgerError {
        if let error = error as? TeamLedgerError { return error }
        let shown = address.description
        func clean(_ text: String) -> String {
            var text = text
            if let password = address.password, !password.isEmpty { text = text.replacingOccurrences(of: password, with: "***") }
            return text.trimmingCharacters(in: CharacterSet(charactersIn: ". \n"))
        }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return from(inner, address: address)
            }
        }
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let message = clean(info[.message] ?? "unknown error")
                let state = info[.sqlState] ?? ""
                if state.hasPrefix("28") { return .authenticationFailed(address: shown, reason: message) }
                if state == "3D000" { return .unreachable(address: shown, reason: message) }
                return .server(address: shown, message: message)
            }
            switch psql.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown:
                return .unreachable(address: shown, reason: connectionFailure(psql.underlying.map { "\($0)" } ?? "the connection was closed", clean: clean))
            case .sslUnsupported:
                return .tlsSetup(address: shown, reason: "the server does not offer TLS but sslmode asks for it")
            case .failedToAddSSLHandler:
                return .tlsSetup(address: shown, reason: clean(psql.underlying.map { "\($0)" } ?? "TLS handshake failed"))
            case .authMechanismRequiresPassword:
                return .authenticationFailed(address: shown, reason: "the server asks for a password and none was given")
            case .unsupportedAuthMechanism, .saslError:
                return .authenticationFailed(address: shown, reason: clean("\(psql.code)"))
            default:
                return .server(address: shown, message: clean("\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")))
            }
        }
        if error is NIOSSLError {
            return .tlsSetup(address: shown, reason: clean("\(error)"))
        }
        return .unreachable(address: shown, reason: connectionFailure("\(error)", clean: clean))
    }

    /// NIO's connection errors in a few words ("connection refused"), else their own text.
    private static func connectionFailure(_ text: String, clean: (String) -> String) -> String {
        let lower = text.lowercased()
        if lower.contains("connection refused") { return "connection refused" }
        if lower.contains("timed out") || lower.contains("timeout") { return "no answer within 10 seconds" }
        if lower.contains("no address") || lower.contains("name or service not known") || lower.contains("unknownhost") { return "host name not found" }
        if lower.contains("network is unreachable") { return "network unreachable" }
        return clean(text)
    }
}
