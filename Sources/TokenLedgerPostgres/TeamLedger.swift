import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// A ledger shared by a team on a PostgreSQL server: the same records, dedup keys, checkpoints and
/// alert memory as the SQLite `Ledger`, written by many machines (each row says which).
///
/// One libpq connection per command run (a CLI, not a server: no pool), used synchronously by one
/// thread at a time, and a second one while a push or an import stores two batches at once
/// (`secondConnection`). `connect` brings the schema up to date under an advisory lock, so two machines
/// upgrading at once take turns. Every error leaves as a `TeamLedgerError` whose text never holds
/// the password.
public final class TeamLedger: @unchecked Sendable {
    // `@unchecked`: the connection is used by one thread at a time (the command's, or the import
    // sink's writer while the pipeline waits for it), never by two at once.

    /// Where the ledger is (password inside; print `address.description`, which hides it).
    public let address: TeamLedgerAddress
    /// The name this machine writes into `machine` columns.
    public let machine: String
    let connection: PostgresConnection
    /// True once a straight COPY into `usage_record` met a stored key: from then on every batch is
    /// staged and upserted (`store(_:replacing:on:)`). Read and set by push's two writer threads.
    var keysMayClash: Bool {
        get { clash.value }
        set { clash.value = newValue }
    }
    private let clash = LockedValue(false)
    /// The fields the last batch copied straight held a value other than their default in, what the
    /// next leaves out (`ColumnOmission`); before the first batch every field (nothing left out). Set
    /// and read by the import's two writer threads.
    let omittable = LockedValue(UInt64.max)
    /// The name ids (`tokenledger_name`) the ledger's connections have learned (`nameIDs(for:on:)`).
    let names = NameIDs()
    /// The connection names new to the ledger are added on, each in its own transaction (opened on
    /// first use; `TeamLedger+Names.swift`).
    let namesConnection = LockedValue<PostgresConnection?>(nil)
    /// How long the names connection waits for a name another session is adding (`lock_timeout`),
    /// set before its first use.
    var namesLockTimeout = "30s"
    /// Memory for batches' COPY rows, kept from one batch for the next (`CopyBufferPool`).
    let copyBuffers = CopyBufferPool()
    /// The connection a second batch is stored on while the first is (push, `TeamImportSink`),
    /// opened the first time one is needed and kept until the ledger goes.
    private var spare: PostgresConnection?

    /// The second connection (opened on first use). Called by the thread that runs the command only.
    func secondConnection() throws(TeamLedgerError) -> PostgresConnection {
        if let spare { return spare }
        let opened = try run { try Self.open(address) }
        spare = opened
        return opened
    }

    private init(address: TeamLedgerAddress, machine: String, connection: PostgresConnection) {
        self.address = address
        self.machine = machine
        self.connection = connection
    }

    /// The default machine name: `$TOKENLEDGER_MACHINE`, else the host name without its domain.
    public static var defaultMachineName: String {
        if let name = ProcessInfo.processInfo.environment["TOKENLEDGER_MACHINE"], !name.isEmpty { return name }
        let name = ProcessInfo.processInfo.hostName
        return name.split(separator: ".").first.map(String.init) ?? name
    }

    /// Opens a connection and runs pending migrations; the connection closes when the last reference
    /// to the returned ledger goes. Cost: one TCP (+TLS) connection and login, and
    /// one short transaction when the schema is up to date.
    public static func connect(_ address: TeamLedgerAddress, machine: String = TeamLedger.defaultMachineName) throws(TeamLedgerError) -> TeamLedger {
        let connection: PostgresConnection
        do {
            connection = try open(address)
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
        let ledger = TeamLedger(address: address, machine: machine, connection: connection)
        try ledger.migrate()
        return ledger
    }

    /// A new connection to `address`, with the server's JIT compilation turned off for it.
    ///
    /// The server compiles a query to machine code when the planner's estimate of its cost passes
    /// `jit_above_cost`. The ledger's queries read a few thousand rows at most, but on a ledger of
    /// millions of records a report's read of a few hours through a `LATERAL` subquery can be
    /// estimated at a share of the table: with a BRIN index on `ts` (tried, and not kept: see
    /// docs/performance.md) such a query read in 20 ms after 290 ms of compiling. Cost: one statement.
    static func open(_ address: TeamLedgerAddress) throws -> PostgresConnection {
        let connection = try PostgresConnection(settings: address.connectionSettings())
        try connection.execute("SET jit = off")
        return connection
    }

    /// Runs `body` and turns any error into a `TeamLedgerError`.
    @discardableResult
    func run<T>(_ body: () throws -> T) throws(TeamLedgerError) -> T {
        do {
            return try body()
        } catch {
            throw TeamLedgerError.from(error, address: address)
        }
    }

    /// Runs `body` in one transaction (BEGIN … COMMIT, ROLLBACK on error) on the ledger's connection.
    @discardableResult
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws(TeamLedgerError) -> T {
        try transaction(on: connection, body)
    }

    /// `result`'s value, or — when it failed on a write conflict (`TeamLedgerError.writeConflict`: two
    /// machines' batches each waiting on the other, so PostgreSQL rolled one back whole) — `alone`'s,
    /// which stores the batch again by itself under the write lock, tried up to three times. Batches
    /// stored two at a time meet such a conflict when another machine writes the same new keys at the
    /// same moment; stored alone, under the lock, they cannot.
    static func resolvingConflicts<T>(_ result: Result<T, TeamLedgerError>,
                                      alone: () throws(TeamLedgerError) -> T) throws(TeamLedgerError) -> T {
        guard case .failure(.writeConflict) = result else { return try result.get() }
        var attempt = 1
        while true {
            do {
                return try alone()
            } catch {
                guard case .writeConflict = error, attempt < 3 else { throw error }
                attempt += 1
            }
        }
    }

    /// Runs `body` in one transaction on `connection`; `committing`, when given, runs after `body` and
    /// before COMMIT, and rolls the transaction back instead by throwing.
    @discardableResult
    func transaction<T>(on connection: PostgresConnection, committing: (() throws(TeamLedgerError) -> Void)? = nil,
                        _ body: (PostgresConnection) throws -> T) throws(TeamLedgerError) -> T {
        try run { try connection.execute("BEGIN") }
        do {
            let value = try body(connection)
            try committing?()
            try connection.execute("COMMIT")
            return value
        } catch {
            if connection.isOpen { _ = try? connection.execute("ROLLBACK") }
            throw TeamLedgerError.from(error, address: address)
        }
    }

    /// Applies every pending migration in one transaction under `migrationLock`. Refuses a database
    /// that holds other tables but no migration record, and one migrated by a newer version.
    private func migrate() throws(TeamLedgerError) {
        let shown = address.description
        try transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.migrationLock])
            try connection.execute(
                "CREATE TABLE IF NOT EXISTS tokenledger_migration (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let rows = try connection.execute("SELECT identifier FROM tokenledger_migration ORDER BY applied_at, identifier")
            var applied: [String] = []
            for row in 0..<rows.count { applied.append(try rows.requiredText(row, 0)) }
            let known = TeamLedgerSchema.migrations.map(\.identifier)
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw TeamLedgerError.newerSchema(address: shown, migration: unknown)
            }
            if applied.isEmpty {
                let others = try connection.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'tokenledger_migration'")
                if try others.requiredInt64(0, 0) > 0 { throw TeamLedgerError.notATeamLedger(address: shown) }
            }
            for migration in TeamLedgerSchema.migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements {
                    try connection.execute(statement)
                }
                try connection.execute("INSERT INTO tokenledger_migration (identifier) VALUES ($1)", [migration.identifier])
            }
        }
    }

    /// The names of the applied migrations, in order (for tests and `--version`-style diagnostics).
    package func appliedMigrations() throws(TeamLedgerError) -> [String] {
        try run {
            // One run's migrations share applied_at (its transaction's start): those go in the schema's
            // order, which their names do not sort into ("v10-…" before "v2-…").
            let rows = try connection.execute("SELECT identifier, dense_rank() OVER (ORDER BY applied_at) FROM tokenledger_migration")
            let known = TeamLedgerSchema.migrations.map(\.identifier)
            let applied = try (0..<rows.count).map { row in (name: try rows.requiredText(row, 0), run: try rows.requiredInt64(row, 1)) }
            return applied.sorted { a, b in
                (a.run, known.firstIndex(of: a.name) ?? known.count, a.name) < (b.run, known.firstIndex(of: b.name) ?? known.count, b.name)
            }.map(\.name)
        }
    }

    /// The number of stored usage records.
    public func recordCount() throws(TeamLedgerError) -> Int {
        try run { Int(try connection.execute("SELECT count(*) FROM usage_record").requiredInt64(0, 0)) }
    }
}
