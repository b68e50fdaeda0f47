import Foundation
import TokenLedgerCore
import TokenLedgerLedger

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
    /// The connection broke during the command (server restarted, network gone, a timeout).
    case connectionLost(address: String, reason: String)
    /// The server answered a statement with an error.
    case server(address: String, message: String)
    /// Another writer held what this batch needed while it held what that writer needed (PostgreSQL
    /// stopped one of them: a deadlock or serialization failure); the batch stored nothing. The
    /// writers retry such a batch on their own; this is what is left after the retries.
    case writeConflict(address: String, reason: String)
    /// A name the batch needs was being added by a session that did not commit within the wait
    /// (a write through the `usage_record` view, e.g. in `psql`); the batch stored nothing.
    case nameHeld(address: String)
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
            return "the team ledger at \(address) refused the login (\(reason)); check the user and password (in the URL, $PGPASSWORD or ~/.pgpass)."
        case .tlsSetup(let address, let reason):
            return "cannot set up TLS for the team ledger at \(address) (\(reason)); check sslmode and sslrootcert in the URL."
        case .connectionLost(let address, let reason):
            return "lost the connection to the team ledger at \(address) (\(reason)); what was stored before stays stored once — run the same command again to finish."
        case .server(let address, let message):
            return "the team ledger at \(address) answered with an error: \(message)."
        case .writeConflict(let address, let reason):
            return "another machine wrote the same records to the team ledger at \(address) at the same moment (\(reason)); nothing of the last batch was stored twice or half — run the same command again to finish."
        case .nameHeld(let address):
            return "a name this command needs is being added to the team ledger at \(address) by a session that has not committed (a write through the usage_record view, e.g. in psql); commit or end that session, then run the same command again — nothing of the unfinished batch was stored."
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

    /// Turns libpq's error into one sentence, with the password taken out of every text.
    static func from(_ error: any Error, address: TeamLedgerAddress) -> TeamLedgerError {
        if let error = error as? TeamLedgerError { return error }
        let shown = address.description
        func clean(_ text: String) -> String {
            var text = text
            if let password = address.password, !password.isEmpty { text = text.replacingOccurrences(of: password, with: "***") }
            return text.trimmingCharacters(in: CharacterSet(charactersIn: ". \n"))
        }
        guard let error = error as? PostgresError else {
            return .server(address: shown, message: clean("\(error)"))
        }
        switch error {
        case .badConnectionString(let message):
            return .badAddress(redacted: shown, reason: clean(message))
        case .connectFailed(let message):
            let lower = message.lowercased()
            if lower.contains("authentication failed") || lower.contains("no password supplied") || lower.contains("password is required")
                || (lower.contains("role \"") && lower.contains("does not exist")) {
                return .authenticationFailed(address: shown, reason: clean(message))
            }
            if lower.contains("invalid") && (lower.contains("value") || lower.contains("connection option")) {
                return .badAddress(redacted: shown, reason: clean(message))
            }
            if lower.contains("ssl") || lower.contains("certificate") {
                return .tlsSetup(address: shown, reason: clean(message))
            }
            return .unreachable(address: shown, reason: clean(message))
        case .statement(let state, let message):
            if state.hasPrefix("28") { return .authenticationFailed(address: shown, reason: clean(message)) }
            // 40P01 deadlock_detected, 40001 serialization_failure: the transaction was rolled back whole.
            if state == "40P01" || state == "40001" { return .writeConflict(address: shown, reason: clean(message)) }
            return .server(address: shown, message: clean(message))
        case .connectionLost(let message):
            return .connectionLost(address: shown, reason: clean(message))
        case .unexpectedValue(let message):
            return .server(address: shown, message: clean("unexpected value: " + message))
        }
    }
}
