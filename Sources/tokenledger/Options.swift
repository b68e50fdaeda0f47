import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

/// `--db PATH|URL`: the ledger database (else `$TOKENLEDGER_DB`, else `$XDG_DATA_HOME/tokenledger/ledger.sqlite`);
/// a `postgres://` URL names a team ledger on a PostgreSQL server.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Ledger database file, or a team ledger's postgres:// URL (default: $TOKENLEDGER_DB, else $XDG_DATA_HOME/tokenledger/ledger.sqlite).", valueName: "path|url"))
    var db: String?

    /// The `--db` or `$TOKENLEDGER_DB` text, when it names a PostgreSQL team ledger.
    private var teamText: String? {
        if let db, !db.isEmpty { return TeamLedgerAddress.isPostgresURL(db) ? db : nil }
        if let env = ProcessInfo.processInfo.environment["TOKENLEDGER_DB"], TeamLedgerAddress.isPostgresURL(env) { return env }
        return nil
    }

    /// True when `--db` / `$TOKENLEDGER_DB` names a team ledger (a postgres:// URL, valid or not).
    var namesTeamLedger: Bool { teamText != nil }

    /// The team ledger's address when `--db` / `$TOKENLEDGER_DB` is a postgres:// URL, else nil.
    func teamAddress() throws -> TeamLedgerAddress? {
        try teamText.map { text throws(TeamLedgerError) in try TeamLedgerAddress(parsing: text) }
    }

    /// Connects to the team ledger when `--db` / `$TOKENLEDGER_DB` is a postgres:// URL and runs `body`
    /// with it (the connection closes when `body` is done, also on error); nil, without calling `body`, for a
    /// local ledger.
    /// `machine` names this machine on the rows and checkpoints it writes (default: `$TOKENLEDGER_MACHINE`,
    /// else the host name).
    func withTeamLedger<T>(machine: String? = nil, _ body: (TeamLedger) async throws -> T) async throws -> T? {
        guard let address = try teamAddress() else { return nil }
        let team = try TeamLedger.connect(address, machine: machine ?? TeamLedger.defaultMachineName)
        return try await body(team)
    }

    /// The local ledger file, for a command that works on SQLite only: a postgres:// location is refused
    /// with one sentence naming `command` (never taken for a file name).
    func ledgerURL(command: String) throws -> URL {
        if teamText != nil { throw TeamLedgerError.unsupported(command: command) }
        return try Paths().ledger(explicit: db)
    }
}

/// `--machine NAME`: the name a team ledger records for this machine's imports and checkpoints.
struct MachineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("With --db postgres://…: the name written on this machine's records and checkpoints (default: $TOKENLEDGER_MACHINE, else the host name).", valueName: "name"))
    var machine: String?

    /// Refuses an empty name, and a name for a local ledger (which holds one machine's records).
    func validate(for ledger: LedgerOptions) throws {
        guard let machine else { return }
        if machine.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--machine needs a name, e.g. --machine alice-laptop.")
        }
        if !ledger.namesTeamLedger {
            throw ValidationError("--machine names this machine in a team ledger; give --db postgres://… (or set TOKENLEDGER_DB) too, or drop --machine.")
        }
    }
}

/// `--config PATH`: the config file (else `$TOKENLEDGER_CONFIG`, else `$XDG_CONFIG_HOME/tokenledger/config.toml`).
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Config file (default: $TOKENLEDGER_CONFIG, else $XDG_CONFIG_HOME/tokenledger/config.toml).", valueName: "path"))
    var config: String?

    /// The resolved config location (the file need not exist unless given explicitly).
    func configURL() throws -> URL { try Paths().config(explicit: config) }

    /// The zone of a command's `--tz` text: `--tz` when given, else the config's `timezone`, else nil
    /// (the local zone: `$TZ`, else the system's). The config is read only when `--tz` is not given.
    func timeZone(tz: String?, parse: (String) throws -> TimeZone) throws -> TimeZone? {
        if let tz { return try parse(tz) }
        return try ConfigFile.load(explicit: config).timeZone()
    }
}

/// `--json`: machine-readable output. Money in JSON is always a decimal string.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON (money as decimal strings).")
    var json = false
}

/// `--quiet`: the result only. No progress, summaries, notes or caveats on stderr (the result marks its own
/// caveats: `~`, `>=`, the unpriced line); a warning that something was not done, and errors, still print.
/// Where the result is one figure (`cost`, `reprice`, like `estimate`), only that figure is printed.
struct QuietOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only the result: no progress, summaries or notes (warnings that something was not done, and errors, still print).")
    var quiet = false

    /// `Console.note` unless `--quiet`.
    func note(_ message: @autoclosure () -> String) {
        if !quiet { Console.note(message()) }
    }
}

/// `--at DATE`: the moment whose prices apply (`prices list`, `prices show`, `cost`).
struct PriceDateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The prices in force on this date (default: now, UTC).", valueName: "date"))
    var at: String?

    /// The date given, or now; a bad date is one sentence and exit 2 (`PriceDate.argument`).
    func date() throws -> Date { try at.map { try PriceDate.argument($0) } ?? Date() }
}
