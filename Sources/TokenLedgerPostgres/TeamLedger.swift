import Foundation
import Logging
import PostgresNIO
import TokenLedgerCore

/// A ledger shared by a team on a PostgreSQL server: the same records, dedup keys, checkpoints and
/// alert memory as the SQLite `Ledger`, written by many machines (each row says which).
///
/// One connection per command run (a CLI, not a server: no pool). `connect` brings the schema up to
/// date under an advisory lock, so two machines upgrading at once take turns. Every error leaves as
/// a `TeamLedgerError` whose text never holds the password.
public final class TeamLedger: Sendable {
    /// Where the ledger is (password inside; print `address.description`, which hides it).
    public let address: TeamLedgerAddress
    /// The name this machine writes into `machine` columns.
    public let machine: String
    let connection: PostgresConnection
    let logger: Logger

    private init(address: TeamLedgerAddress, machine: String, connection: PostgresConnection, logger: Logger) {
        self.address = address
        self.machine = machine
        self.connection = connection
        self.logger = logger
    }

    /// The default machine name: `$TOKENLEDGER_MACHINE`, else the host name without its domain.
    public static var defaultMachineName: String {
        if let name = ProcessInfo.processInfo.environment["TOKENLEDGER_MACHINE"], !name.isEmpty { return name }
        let name = ProcessInfo.processInfo.hostName
        return name.split(separator: ".").first.map(String.init) ?? name
    }

    /// Opens a connection and runs pending migrations. Cost: one TCP (+TLS) connection and login, and
    /// one short transaction when the schema is up to date.
    public static func connect(_ address: TeamLedgerAddress, machine: String = TeamLedger.defaultMachineName) async throws(TeamLedgerError) -> TeamLedger {
        var logger = Logger(label: "tokenledger.team-ledger")
        // PostgresNIO logs connection details at debug level; the CLI speaks through its errors only.
        logger.logLevel = .critical
        let configuration = try address.connectionConfiguration()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
        let ledger = TeamLedger(address: address, machine: machine, connection: connection, logger: logger)
        do {
            try await ledger.migrate()
        } catch {
            await ledger.close()
            throw error
        }
        return ledger
    }

    /// Closes the connection (errors on close are of no use to the user and are dropped).
    public func close() async {
        try? await connection.close()
    }

    /// Runs `body` and turns any error into a `TeamLedgerError`.
    func run<T: Sendable>(_ body: () async throws -> T) async throws(TeamLedgerError) -> T {
        do {
            return try await body()
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
    }

    /// Runs `body` in one transaction (BEGIN … COMMIT, ROLLBACK on error).
    @discardableResult
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(TeamLedgerError) -> T {
        do {
            try await connection.query("BEGIN", logger: logger)
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw TeamLedgerError.from(error, address: address)
        }
    }

    /// Applies every pending migration in one transaction under `migrationLock`. Refuses a database
    /// that holds other tables but no migration record, and one migrated by a newer version.
    private func migrate() async throws(TeamLedgerError) {
        let shown = address.description
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(TeamLedgerSchema.migrationLock))", logger: self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS tokenledger_migration (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: self.logger)
            var applied: [String] = []
            for try await identifier in try await connection.query("SELECT identifier FROM tokenledger_migration ORDER BY applied_at, identifier", logger: self.logger).decode(String.self) {
                applied.append(identifier)
            }
            let known = TeamLedgerSchema.migrations.map(\.identifier)
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw TeamLedgerError.newerSchema(address: shown, migration: unknown)
            }
            if applied.isEmpty {
                var others = 0
                for try await count in try await connection.query(
                    "SELECT count(*)::bigint FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'tokenledger_migration'",
                    logger: self.logger).decode(Int64.self) {
                    others = Int(count)
                }
                if others > 0 { throw TeamLedgerError.notATeamLedger(address: shown) }
            }
            for migration in TeamLedgerSchema.migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query("INSERT INTO tokenledger_migration (identifier) VALUES (\(migration.identifier))", logger: self.logger)
            }
        }
    }

    /// The names of the applied migrations, in order (for tests and `--version`-style diagnostics).
    public func appliedMigrations() async throws(TeamLedgerError) -> [String] {
        try await run {
            var names: [String] = []
            for try await name in try await connection.query("SELECT identifier FROM tokenledger_migration ORDER BY applied_at, identifier", logger: logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    /// The number of stored usage records.
    public func recordCount() async throws(TeamLedgerError) -> Int {
        try await run {
            var count = 0
            for try await n in try await connection.query("SELECT count(*)::bigint FROM usage_record", logger: logger).decode(Int64.self) { count = Int(n) }
            return count
        }
    }
}
