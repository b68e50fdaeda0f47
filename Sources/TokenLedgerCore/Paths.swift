import Foundation

/// Where TokenLedger keeps its files, following the XDG base-directory convention.
///
/// The environment is passed in (not read from the process) so tests and cron runs with a minimal
/// environment get the same answers. A missing `HOME` is an error only when a default is needed.
public struct Paths: Sendable {
    /// The environment the locations are read from (`HOME`, `XDG_*`, `TOKENLEDGER_*`).
    public var environment: [String: String]

    /// Locations read from `environment` (the process's by default; a test passes its own).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Why a default location cannot be found; `message` says which flag or variable to set.
    public enum Error: UserFacingError {
        /// `HOME` is unset and neither the flag nor the variable names the location.
        case noHome(what: String, flag: String, variable: String)

        public var message: String {
            switch self {
            case .noHome(let what, let flag, let variable):
                return "cannot find a default \(what) location because HOME is not set; pass \(flag) PATH or set \(variable)."
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// The ledger database: `--db`, else `$TOKENLEDGER_DB`, else `$XDG_DATA_HOME/tokenledger/ledger.sqlite`,
    /// else `~/.local/share/tokenledger/ledger.sqlite`.
    public func ledger(explicit: String?) throws(Error) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: expandTilde(explicit)) }
        if let env = nonEmpty("TOKENLEDGER_DB") { return URL(fileURLWithPath: expandTilde(env)) }
        return try dataHome().appendingPathComponent("tokenledger/ledger.sqlite")
    }

    /// The config file: `--config`, else `$TOKENLEDGER_CONFIG`, else `$XDG_CONFIG_HOME/tokenledger/config.toml`,
    /// else `~/.config/tokenledger/config.toml`. It need not exist.
    public func config(explicit: String?) throws(Error) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: expandTilde(explicit)) }
        if let env = nonEmpty("TOKENLEDGER_CONFIG") { return URL(fileURLWithPath: expandTilde(env)) }
        if let xdg = nonEmpty("XDG_CONFIG_HOME") { return URL(fileURLWithPath: xdg).appendingPathComponent("tokenledger/config.toml") }
        guard let home else { throw .noHome(what: "config file", flag: "--config", variable: "TOKENLEDGER_CONFIG") }
        return home.appendingPathComponent(".config/tokenledger/config.toml")
    }

    /// `$XDG_DATA_HOME`, else `~/.local/share`.
    public func dataHome() throws(Error) -> URL {
        if let xdg = nonEmpty("XDG_DATA_HOME") { return URL(fileURLWithPath: xdg) }
        guard let home else { throw .noHome(what: "ledger", flag: "--db", variable: "TOKENLEDGER_DB") }
        return home.appendingPathComponent(".local/share")
    }

    /// The user's home directory, if `HOME` is set.
    public var home: URL? { nonEmpty("HOME").map { URL(fileURLWithPath: $0) } }

    /// Replaces a leading `~/` with `$HOME/`.
    package func expandTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = nonEmpty("HOME") else { return path }
        return home + path.dropFirst()
    }

    /// An environment variable, treating empty as unset.
    package func nonEmpty(_ name: String) -> String? {
        guard let v = environment[name], !v.isEmpty else { return nil }
        return v
    }
}
