import Foundation
import TokenLedger

/// The process's terminal: where output goes, whether it is a TTY, and the colour style to use.
enum Console {
    static let environment = ProcessInfo.processInfo.environment

    /// True when stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    /// True when stderr is a terminal (progress bars go there).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Colour for stdout: only on a terminal and when `NO_COLOR` is unset.
    static var style: Style { Style.forTerminal(isTerminal: stdoutIsTerminal, environment: environment) }

    /// The terminal's width in columns: stdout's window size on a terminal, else `$COLUMNS`; nil when
    /// neither is known (a pipe: full tables).
    static var width: Int? {
        var size = winsize()
        if stdoutIsTerminal, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// True below 100 columns: tables switch to their compact layout (fewer columns, abbreviated numbers).
    static var isNarrow: Bool { (width ?? .max) < 100 }

    /// Writes text to stdout as is (add your own newline).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes a JSON value to stdout, pretty-printed, with a final newline.
    static func writeJSON(_ value: JSONValue) {
        write(value.serialized(pretty: true) + "\n")
    }

    /// "tokenledger: error: <message>" on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("tokenledger: error: \(message)\n".utf8))
    }

    /// "tokenledger: warning: <message>" on stderr.
    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("tokenledger: warning: \(message)\n".utf8))
    }

    /// A plain line on stderr (summaries, progress).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
