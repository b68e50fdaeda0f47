/// How the `tokenledger` process ends. The numbers are stable and documented in the README.
public enum ExitStatus: Int32, Sendable {
    /// Everything worked (for `budget check`: every budget within its limits).
    case success = 0
    /// The command could not do its job: missing or unreadable file, unreadable database, nothing importable.
    case failure = 1
    /// The command line or the config file is wrong (bad flag, bad date, unknown model, bad TOML).
    case usage = 2
    /// `budget check`: a warning threshold was newly crossed.
    case budgetWarning = 3
    /// `budget check`: a limit is exceeded, or the period's forecast will exceed it.
    case budgetExceeded = 4
}

/// An error a user can cause and fix. Every error type in TokenLedger conforms, so the CLI can print
/// one sentence (what is wrong and what to do) and exit with the right status — never a stack trace.
public protocol UserFacingError: Error, CustomStringConvertible, Sendable {
    /// One or two sentences: what is wrong, and what to do about it.
    var message: String { get }
    /// The process exit status this error maps to.
    var exitStatus: ExitStatus { get }
}

extension UserFacingError {
    public var description: String { message }
    public var exitStatus: ExitStatus { .failure }
}

/// A location in a text file, for errors and quarantine entries: "pricing/openai.toml:42".
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, as the user named it.
    public var file: String
    /// The 1-based line number.
    public var line: Int

    /// A place in a file, printed `file:line`.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
