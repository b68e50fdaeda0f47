import ArgumentParser
import Foundation
import TokenLedger

/// `--db PATH`: the ledger database (else `$TOKENLEDGER_DB`, else `$XDG_DATA_HOME/tokenledger/ledger.sqlite`).
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Ledger database file (default: $TOKENLEDGER_DB, else $XDG_DATA_HOME/tokenledger/ledger.sqlite).", valueName: "path"))
    var db: String?

    /// The resolved ledger location.
    func ledgerURL() throws -> URL { try Paths().ledger(explicit: db) }
}

/// `--config PATH`: the config file (else `$TOKENLEDGER_CONFIG`, else `$XDG_CONFIG_HOME/tokenledger/config.toml`).
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Config file (default: $TOKENLEDGER_CONFIG, else $XDG_CONFIG_HOME/tokenledger/config.toml).", valueName: "path"))
    var config: String?

    /// The resolved config location (the file need not exist unless given explicitly).
    func configURL() throws -> URL { try Paths().config(explicit: config) }
}

/// `--json`: machine-readable output. Money in JSON is always a decimal string.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON (money as decimal strings).")
    var json = false
}
