import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// One log format TokenLedger can import (ccusage's adapter pattern): where its files live by
/// default, how to recognise one, and a parser that turns its lines or document into ledger entries.
/// A new format is one new adapter, added to `LogAdapters.all`, with its fixture and test.
public protocol LogAdapter: Sendable {
    /// The `--format` name: "openai-chat", "claude-code", ...
    var name: String { get }
    /// One line for `tokenledger import --help` and the README.
    var summary: String { get }
    /// How the import pipeline feeds this format.
    var layout: LogLayout { get }
    /// Folders scanned when the user asks for this tool's logs without a path (`--claude-code`,
    /// `--codex`); empty for formats that have no default location.
    func defaultRoots(paths: Paths) -> [URL]
    /// How sure this adapter is that the file is its format: 0 = not mine, 100 = certain.
    /// `head` is at most the first 64 KiB of the file. Cost: must be cheap (no full parse).
    func detect(fileName: String, head: [UInt8]) -> Int
    /// The same, knowing the file's whole path: for formats recognised partly by where their tool
    /// keeps them (`~/.claude/projects/…`). By default `detect(fileName:head:)` on the last component.
    func detect(path: String, head: [UInt8]) -> Int
    /// A fresh parser for one file. `state` is what the parser saved at the file's last checkpoint
    /// (nil when the file is read from its start).
    func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser
}

extension LogAdapter {
    public func defaultRoots(paths: Paths) -> [URL] { [] }
    public func detect(path: String, head: [UInt8]) -> Int {
        detect(fileName: LogSupport.fileName(of: path), head: head)
    }
}

/// How a format's files are read.
public enum LogLayout: Sendable, Hashable {
    /// Line by line (JSON Lines, SSE streams, CSV): incremental by byte offset. Only complete lines
    /// are handed over; a last line without its newline waits for the next run.
    case lines
    /// The whole file at once (a JSON response or a usage-API page): re-read only when the file
    /// changed; entries' dedup keys make the re-read add nothing twice.
    case document
    /// An SQLite database read by the adapter itself (simonw/llm `logs.db`), opened read-only;
    /// incremental through the parser's saved state.
    case database
}

/// What the importer knows about the file being read and the user's import options.
public struct ImportContext: Sendable {
    /// The file being read (absolute).
    public var file: URL
    /// `--project`: overrides any project the log itself implies.
    public var project: String?
    /// `--tag key=value` pairs, added to every record.
    public var tags: [String: String]
    /// `--channel`: the reseller the requests went through.
    public var channel: String?
    /// Format-specific options: `batch-input` (path of a Batch API input JSONL), `map` (generic CSV
    /// column mapping "timestamp=ts,model=model_name"), `provider` (for CSVs), ...
    public var options: [String: String]
    /// The zone for naive timestamps (no offset) in this format: the user's `--tz`, else the local zone
    /// (`ImportOptions`); UTC for a context made without one.
    public var naiveTimeZone: TimeZone
    /// True when `naiveTimeZone` is a default, not the user's `--tz`: an adapter whose format documents
    /// its naive timestamps' zone uses that zone instead.
    public var naiveTimeZoneIsDefault = false

    /// What a parser of `file` is told; naive timestamps are read in UTC unless a zone is given.
    public init(file: URL, project: String? = nil, tags: [String: String] = [:], channel: String? = nil,
                options: [String: String] = [:], naiveTimeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.file = file
        self.project = project
        self.tags = tags
        self.channel = channel
        self.options = options
        self.naiveTimeZone = naiveTimeZone
    }
}

/// One thing a parser found in a log.
public enum LogItem: Sendable {
    /// A usage record to store. Its `location` may be nil: the pipeline fills in the file and line.
    case entry(LedgerEntry)
    /// A line (or document part) that should have been usage but could not be read. The pipeline
    /// reports it as file:line with `reason` and quarantines it; the import goes on.
    case malformed(reason: String, line: Int? = nil)
    /// A line that is valid but carries no billable usage (a user message, a session header, an
    /// error response that costs nothing). Counted as skipped in the summary.
    case skipped
}

/// Reads one file of one format. A class because it carries state from line to line (a CSV header,
/// Codex's running totals, an Anthropic stream's `message_start`). Used from one thread at a time.
public protocol LogParser: AnyObject {
    /// `.lines` layout: one complete line without its terminator (and without a trailing "\r").
    /// `number` is 1-based within the file. The bytes are valid only during the call.
    func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void)
    /// `parse(line:number:emit:)` handing each item over to `take`, which keeps it, instead of lending
    /// it: the import's reading loop stores each entry, so a parser that implements this moves it there
    /// rather than having it copied (a dozen strings retained, then the parser's own released). By
    /// default, `parse(line:number:emit:)` lends each item and `take` gets a copy.
    func parse(handingOver line: UnsafeRawBufferPointer, number: Int, to take: (consuming LogItem) -> Void)
    /// `.document` layout: the whole file.
    func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void)
    /// `.database` layout: read the database at `context.file` (read-only).
    func parseDatabase(emit: (LogItem) -> Void) throws
    /// Called when the available data is exhausted (end of file for this run). Formats that join or
    /// buffer (Batch output with its input; a stream still open) emit what they can here.
    func finish(emit: (LogItem) -> Void)
    /// What to save with the checkpoint so the next run can continue where this one stopped
    /// (nil when there is nothing to carry over).
    var state: JSONValue? { get }
}

extension LogParser {
    public func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        emit(.malformed(reason: "this format is not read line by line", line: number))
    }
    public func parse(handingOver line: UnsafeRawBufferPointer, number: Int, to take: (consuming LogItem) -> Void) {
        parse(line: line, number: number, emit: { take($0) })
    }
    public func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void) {
        emit(.malformed(reason: "this format is not read as a whole document", line: 1))
    }
    public func parseDatabase(emit: (LogItem) -> Void) throws {}
    public func finish(emit: (LogItem) -> Void) {}
    public var state: JSONValue? { nil }
}
