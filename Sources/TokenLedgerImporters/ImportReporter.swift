import Foundation

/// Where the import pipeline tells a person what is happening while it runs. The CLI passes a
/// `TextImportReporter` writing to stderr; tests and library users may collect or ignore.
public protocol ImportReporter: AnyObject {
    /// A malformed line: `file:line: reason`. It is quarantined and the import goes on.
    func malformed(file: String, line: Int, reason: String)
    /// A path or file that was not read, in one sentence.
    func problem(_ message: String)
    /// Bytes read so far out of the bytes this run has to read. Called about every megabyte.
    func progress(bytesRead: Int64, bytesTotal: Int64)
    /// The run is over (clear any progress display).
    func finished()
}

extension ImportReporter {
    public func progress(bytesRead: Int64, bytesTotal: Int64) {}
    public func finished() {}
}

/// Prints malformed lines as `file:line: reason` (the first `limit`, then "… and N more"), problems as
/// warnings, and — only when `showsProgress` (stderr is a terminal) — a progress bar redrawn in place.
package final class TextImportReporter: ImportReporter {
    private let write: (String) -> Void
    private let limit: Int
    private let showsProgress: Bool
    private var malformedCount = 0
    private var lastDrawn = -1
    private var barVisible = false

    /// `write` receives whole lines (with their newline) or, for the bar, a "\r…" redraw.
    public init(limit: Int = 20, showsProgress: Bool, write: @escaping (String) -> Void) {
        self.limit = limit
        self.showsProgress = showsProgress
        self.write = write
    }

    public func malformed(file: String, line: Int, reason: String) {
        malformedCount += 1
        if malformedCount <= limit { emit("\(file):\(line): \(reason)\n") }
    }

    public func problem(_ message: String) {
        emit("tokenledger: warning: \(message)\n")
    }

    public func progress(bytesRead: Int64, bytesTotal: Int64) {
        guard showsProgress, bytesTotal > 0 else { return }
        let percent = Int(min(100, bytesRead * 100 / bytesTotal))
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        write("\r[\(bar)] \(percent)%  \(bytesRead / 1_048_576)/\(bytesTotal / 1_048_576) MB")
        barVisible = true
    }

    public func finished() {
        clearBar()
        if malformedCount > limit { write("… and \(malformedCount - limit) more malformed lines (see 'tokenledger import --quarantine')\n") }
    }

    private func emit(_ text: String) {
        clearBar()
        write(text)
    }

    private func clearBar() {
        if barVisible {
            write("\r\u{1B}[K")
            barVisible = false
            lastDrawn = -1
        }
    }
}

/// Collects everything, for tests and library users who want the details.
public final class CollectingImportReporter: ImportReporter {
    /// Every malformed line reported, in order (each is also quarantined in the ledger).
    public private(set) var malformedLines: [(file: String, line: Int, reason: String)] = []
    /// Every problem reported (a path that could not be read), one sentence each.
    public private(set) var problems: [String] = []

    /// An empty collector; cost: two arrays that grow with what is reported.
    public init() {}

    public func malformed(file: String, line: Int, reason: String) { malformedLines.append((file, line, reason)) }
    public func problem(_ message: String) { problems.append(message) }
}
