import Foundation
import GRDB
import CSQLiteConfig
import TokenLedgerCore

/// The one owner of the SQLite ledger (GRDB's `AppDatabase` pattern): opens the file, runs the named
/// migrations, and exposes writes as methods named for what they do. Reads go through `reader`.
///
/// On disk the ledger is a `DatabasePool` in WAL mode with a busy timeout, so a cron import and a
/// report can run at the same time without "database is locked". Tests use `Ledger.inMemory()`.
public final class Ledger: Sendable {
    /// The database connection(s). Private: writes go through the methods of this type.
    let writer: any DatabaseWriter

    /// Read access for reports, budgets and the estimator (a snapshot per `read` call).
    package var reader: any DatabaseReader { writer }

    /// Wraps an open database and brings its schema up to date.
    package init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        do {
            try Ledger.migrate(writer)
        } catch {
            // Two processes opening a new ledger at once both see the migration pending; the loser's
            // CREATE TABLE fails. Once the winner has committed, the schema is complete: go on.
            let complete = try writer.read { db in try LedgerSchema.migrator.hasCompletedMigrations(db) }
            if !complete { try Ledger.migrate(writer) }
        }
    }

    /// Runs pending migrations with temporary storage on disk: the connections keep their
    /// statement journals in memory (`temp_store = MEMORY`, for the rollup triggers), but a migration
    /// that rebuilds a table sorts its new indexes in temporary storage — in memory that took 460 MB
    /// for a million records (v3), on disk 43 MB at the same speed.
    private static func migrate(_ writer: any DatabaseWriter) throws {
        let pending = try writer.read { db in try !LedgerSchema.migrator.hasCompletedMigrations(db) }
        guard pending else { return }
        let previous = try writer.writeWithoutTransaction { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? 0
            try db.execute(sql: "PRAGMA temp_store = FILE")
            return previous
        }
        defer { try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = \(previous)") } }
        // Two processes opening the same new ledger migrate it at the same time. GRDB reads the applied
        // list once, then runs each migration in its own transaction, so one of them can run a migration
        // the other has just applied ("table log_file already exists"); that transaction is rolled back
        // whole (the migration's identifier is a primary key, so none can apply twice). Then the other
        // process has made progress: read the list again and go on.
        var attempts = 0
        while true {
            let before = try writer.read { db in try LedgerSchema.migrator.appliedIdentifiers(db) }
            do {
                try LedgerSchema.migrator.migrate(writer)
                return
            } catch {
                let after = try writer.read { db in try LedgerSchema.migrator.appliedIdentifiers(db) }
                guard after != before, attempts < 50 else { throw error }
                attempts += 1
            }
        }
    }

    /// The page size of a new ledger file: 8 KiB instead of SQLite's 4 KiB. With twice the rows and
    /// index entries a page, a bulk import allocates, looks up, writes to the WAL and copies back at
    /// each checkpoint half as many pages: the writer's CPU time for 300k chat lines fell ~8 % (mostly
    /// kernel and memory time; instructions −2 %). 16 KiB saved ~18 % there but cost a Claude Code
    /// import ~20 % more, whose replaced rows copy whole pages into the statement journal (figures in
    /// docs/performance.md, "Import"). The page cache is sized in bytes, so memory does not grow.
    static let pageSize = 8_192

    /// Opens (creating if needed, with its folder) the ledger file at `url`.
    /// Cost: one open plus any pending migrations; cheap when up to date.
    public static func open(at url: URL) throws(LedgerError) -> Ledger {
        _ = Ledger.withoutMemoryStatistics
        _ = Ledger.withURIFilenames
        // Owner-only: the ledger tells what a person or team spends, on which models and projects.
        // A folder made here is 0700 and a new ledger file 0600 (SQLite gives its -wal and -shm files
        // the ledger's own mode); an existing folder or file keeps the mode its owner chose.
        let folder = url.deletingLastPathComponent()
        do {
            if !FileManager.default.fileExists(atPath: folder.path) {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
            }
        } catch {
            throw .cannotCreateFolder(path: folder.path, reason: error.localizedDescription)
        }
        let created = Foundation.open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if created >= 0 { close(created) }
        var config = Configuration()
        config.busyMode = .timeout(30)
        let isNew = created >= 0
        config.prepareDatabase { db in
            // Before the first table (and WAL mode, after which SQLite cannot change it): a new ledger
            // gets `pageSize` pages; an existing one keeps its own (it would take a VACUUM to change).
            if isNew { try db.execute(sql: "PRAGMA page_size = \(Ledger.pageSize)") }
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Statement journals in memory: the report rollup's triggers otherwise write a temp file per insert (≈ 3× slower).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        // Two processes creating the same new ledger can collide while one switches it to WAL mode,
        // a step SQLite does not retry through the busy timeout: retry the open itself for a while.
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: url.path, configuration: config)
                // Never add ledger tables to someone else's database: a file with tables but no
                // ledger migration is refused.
                let (foreign, newer) = try pool.read { db in
                    (try LedgerSchema.migrator.appliedIdentifiers(db).isEmpty
                        && (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN ('grdb_migrations') AND name NOT LIKE 'sqlite_%'") ?? 0) > 0,
                     try Ledger.unknownMigration(db))
                }
                if foreign { throw LedgerError.notALedger(path: url.path) }
                // A ledger a newer version migrated (a report tier this build does not keep up): writing it
                // here would leave that newer part stale, so it is refused, as the team ledger does.
                if let newer { throw LedgerError.newerSchema(path: url.path, migration: newer) }
                return try Ledger(pool)
            } catch let error as DatabaseError {
                if (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 100 {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                // A ledger on a read-only file system (or in a folder the user may not write, where
                // SQLite cannot make its -wal and -shm files) is a ledger, just not a writable one.
                if FileManager.default.fileExists(atPath: url.path), isUnwritable(url) {
                    throw .readOnly(path: url.path)
                }
                throw .unreadable(path: url.path, reason: error.message ?? "\(error)")
            } catch let error as LedgerError {
                throw error
            } catch {
                throw .unreadable(path: url.path, reason: "\(error)")
            }
        }
    }

    /// Opens an existing ledger read-only (reports on a ledger another process is writing, or a file
    /// the user may not write). Fails with a clear error when the file does not exist.
    ///
    /// A ledger in WAL mode needs its `-shm` file, which SQLite cannot create on a read-only file
    /// system or in a folder the user may not write. There, when no `-wal` file holds unmerged
    /// writes (a ledger whose last writer closed it cleanly), the file is opened `immutable`: read
    /// as it is, without locks — nothing can write it there anyway.
    public static func openReadOnly(at url: URL) throws(LedgerError) -> Ledger {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(path: url.path) }
        _ = Ledger.withURIFilenames
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        do {
            do {
                return try checkedReadOnly(DatabasePool(path: url.path, configuration: config), path: url.path)
            } catch let error as DatabaseError where isUnwritable(url) {
                if hasUnmergedWAL(url) { throw LedgerError.unmergedOnReadOnly(path: url.path) }
                guard let immutable = try? DatabaseQueue(path: immutableURI(url.path), configuration: config) else { throw error }
                return try checkedReadOnly(immutable, path: url.path)
            }
        } catch let error as LedgerError {
            throw error
        } catch let error as DatabaseError {
            throw .unreadable(path: url.path, reason: error.message ?? "\(error)")
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
    }

    /// A read-only ledger after checking that `database` is a TokenLedger ledger with every migration applied.
    private static func checkedReadOnly(_ database: any DatabaseWriter, path: String) throws -> Ledger {
        let (applied, pending, newer) = try database.read { db in
            (try LedgerSchema.migrator.appliedIdentifiers(db), try !LedgerSchema.migrator.hasCompletedMigrations(db),
             try Ledger.unknownMigration(db))
        }
        if applied.isEmpty { throw LedgerError.notALedger(path: path) }
        if let newer { throw LedgerError.newerSchema(path: path, migration: newer) }
        if pending { throw LedgerError.outdated(path: path) }
        return Ledger(readOnly: database)
    }

    /// The first migration applied to the ledger that this build does not know (a newer TokenLedger
    /// upgraded it), or nil. Cost: one read of the migrations table.
    static func unknownMigration(_ db: Database) throws -> String? {
        guard try db.tableExists("grdb_migrations") else { return nil }
        let known = Set(LedgerSchema.migrator.migrations)
        return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier").first { !known.contains($0) }
    }

    /// True when the ledger file or its folder cannot be written (SQLite cannot make its `-shm` file).
    static func isUnwritable(_ url: URL) -> Bool {
        access(url.path, W_OK) != 0 || access(url.deletingLastPathComponent().path, W_OK) != 0
    }

    /// True when a non-empty `-wal` file sits beside the ledger: writes not yet merged into the file,
    /// which an `immutable` open would not see.
    static func hasUnmergedWAL(_ url: URL) -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        return size > 0
    }

    /// `path` as an SQLite URI filename opened immutable, with the characters URIs give a meaning escaped.
    static func immutableURI(_ path: String) -> String {
        var escaped = ""
        for character in path.unicodeScalars {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return "file:" + escaped + "?immutable=1"
    }

    /// Switches SQLite's memory statistics off once per process, before the first ledger opens: with
    /// them on (Debian's default) every SQLite malloc and free takes a global mutex, 6 % of an import
    /// writer's instructions. TokenLedger never reads those statistics. When SQLite is already in use
    /// in the process (another library opened a database first) this changes nothing.
    static let withoutMemoryStatistics: Int32 = tokenledger_sqlite_disable_memstatus()

    /// Lets SQLite read `file:` URIs (for `immutableURI`) once per process, before the first open.
    static let withURIFilenames: Int32 = tokenledger_sqlite_enable_uri()

    private init(readOnly writer: any DatabaseWriter) { self.writer = writer }

    /// Merges the write-ahead log into the ledger file and empties it (`PRAGMA wal_checkpoint(TRUNCATE)`),
    /// so the file alone holds every committed write: a ledger copied afterwards, or later read from a
    /// read-only folder, needs no `-wal` file. Best effort: a reader still open elsewhere can keep part of
    /// the log, which SQLite merges later. Costs one pass over the pages written since the last merge.
    package func mergeWriteAheadLog() {
        try? writer.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// A fresh ledger in memory, for tests and dry runs.
    public static func inMemory() throws -> Ledger {
        try Ledger(DatabaseQueue())
    }
}

/// What can go wrong opening or writing the ledger, in words a user can act on.
public enum LedgerError: UserFacingError, Equatable {
    case cannotCreateFolder(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case missing(path: String)
    case outdated(path: String)
    case notALedger(path: String)
    case writeFailed(reason: String)
    case readOnly(path: String)
    case unmergedOnReadOnly(path: String)
    case newerSchema(path: String, migration: String)

    public var message: String {
        switch self {
        case .cannotCreateFolder(let path, let reason):
            return "cannot create the ledger folder \(path) (\(reason)); pass --db PATH to use another location."
        case .unreadable(let path, let reason):
            return "cannot open the ledger \(path) as a TokenLedger database (\(reason)); check the path given with --db or $TOKENLEDGER_DB."
        case .missing(let path):
            return "no ledger at \(path); run 'tokenledger import PATH' first, or pass --db PATH."
        case .notALedger(let path):
            return "\(path) is an SQLite file but not a TokenLedger ledger; pass --db with the ledger's path, or run 'tokenledger import' to create one at a new path."
        case .outdated(let path):
            return "the ledger \(path) was written by an older TokenLedger and needs upgrading; run any 'tokenledger import' once to migrate it."
        case .readOnly(let path):
            return "the ledger \(path) cannot be written (its file or folder is read-only); make it writable, or pass --db with a ledger you can write."
        case .unmergedOnReadOnly(let path):
            return "the ledger \(path) cannot be read where it is: its -wal file holds writes not yet merged and its folder is read-only; make the folder writable and run 'tokenledger import' once (opening it to write merges them), or copy the ledger with its -wal file to a writable folder."
        case .newerSchema(let path, let migration):
            return "the ledger \(path) was upgraded by a newer TokenLedger (migration \(migration)); upgrade tokenledger on this machine, or pass --db with another ledger."
        case .writeFailed(let reason):
            return "could not write to the ledger (\(reason)); check free disk space and file permissions."
        }
    }
}
