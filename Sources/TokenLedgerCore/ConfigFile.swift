import Foundation

/// The user's `config.toml`, parsed once into a `TOMLDocument`; each room reads its own sections
/// (`[[terms]]` contract terms, `[[budget]]` budgets, `[[source]]` sync sources).
///
/// A missing file at the default location is an empty config. A file the user named explicitly
/// (`--config PATH` or `$TOKENLEDGER_CONFIG`) must exist. Bad TOML is reported with file:line.
/// All three are usage errors (exit 2). Cost: one file read and one parse.
public struct ConfigFile: Sendable {
    /// Where the config was looked for.
    public let url: URL
    /// False when the default file does not exist (the config is then empty).
    public let exists: Bool
    /// The parsed document (empty when the file does not exist).
    package let document: TOMLDocument

    package init(url: URL, exists: Bool, document: TOMLDocument) {
        self.url = url
        self.exists = exists
        self.document = document
    }

    /// Why a config file could not be read; `message` says what to do.
    public enum Error: UserFacingError, Equatable {
        /// The config file named by `--config` or `$TOKENLEDGER_CONFIG` does not exist.
        case missing(path: String)
        /// The config file exists but could not be read (permissions, encoding).
        case unreadable(path: String, reason: String)

        public var message: String {
            switch self {
            case .missing(let path):
                return "the config file \(path) does not exist; create it or pass --config with an existing file."
            case .unreadable(let path, let reason):
                return "cannot read the config file \(path) (\(reason)); check its permissions and encoding."
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// Loads the config named by `--config` (`explicit`), else `$TOKENLEDGER_CONFIG`, else the XDG default.
    public static func load(explicit: String?, paths: Paths = Paths()) throws -> ConfigFile {
        let url = try paths.config(explicit: explicit)
        let named = (explicit.map { !$0.isEmpty } ?? false) || paths.nonEmpty("TOKENLEDGER_CONFIG") != nil
        return try load(url: url, required: named)
    }

    /// Loads the config at `url`; when it does not exist, an empty config unless `required`.
    public static func load(url: URL, required: Bool) throws -> ConfigFile {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if required { throw Error.missing(path: path) }
            return ConfigFile(url: url, exists: false, document: .empty(file: path))
        }
        if isDirectory.boolValue { throw Error.unreadable(path: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw Error.unreadable(path: path, reason: "permission denied or I/O error")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Error.unreadable(path: path, reason: "it is not UTF-8 text")
        }
        return ConfigFile(url: url, exists: true, document: try TOMLDocument.parse(text, file: path))
    }

    /// Parses config text directly (tests, or a config passed on stdin).
    public static func parse(_ text: String, file: String = "config.toml") throws(TOMLError) -> ConfigFile {
        ConfigFile(url: URL(fileURLWithPath: file), exists: true, document: try TOMLDocument.parse(text, file: file))
    }

    /// The `[[name]]` array of tables (e.g. "terms", "budget", "source"); empty when absent.
    package func tables(_ name: String) throws(TOMLError) -> [TOMLTable] {
        try document.root.tables(name)
    }

    /// The `[name]` table, when present.
    package func table(_ name: String) throws(TOMLError) -> TOMLTable? {
        try document.root.table(name)
    }
}

extension ConfigFile {
    /// The top-level `timezone = "Europe/Berlin"`: the zone every command that takes `--tz` uses when
    /// it is not given (`--tz` > this > `$TZ` > the system's zone); nil when the key is absent. Read as
    /// `--tz` is (`TimeZoneText`: an IANA name, an offset, or "local"); anything else is an error at the
    /// key's file:line.
    package func timeZone() throws(TOMLError) -> TimeZone? {
        guard let name = try document.root.string("timezone") else { return nil }
        if name == "local" { return .current }
        guard let zone = TimeZoneText.parse(name) else {
            throw document.root.error("timezone", "'timezone' is \"\(name)\", which is not a time zone; use an IANA name such as \"Europe/Berlin\", \"UTC\", an offset such as \"+02:00\", or \"local\"")
        }
        return zone
    }
}
