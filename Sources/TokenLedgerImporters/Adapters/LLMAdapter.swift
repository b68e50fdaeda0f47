import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerLedger

/// simonw/llm's `logs.db` (formats.md §10), read through SQLite opened **read-only**: the user's
/// file is never modified, and a file the user cannot write is read all the same.
///
/// - One record per `responses` row that has token counts; the key is `llm:<id>`. Only metadata
///   columns are selected: `prompt`, `system` and `response` are never read.
/// - Model: `resolved_model` when set (the snapshot that answered), else `model`. Provider from the
///   model name ("gpt-…" → openai, "claude-…"/"anthropic/…" → anthropic, "gemini-…" → google).
/// - `token_details` follows the plugin's provider: OpenAI `prompt_tokens_details.cached_tokens` ⊂ input
///   and `completion_tokens_details.reasoning_tokens` ⊂ output; Anthropic `cache_read_input_tokens` /
///   `cache_creation_input_tokens` are outside input (5-minute writes); Gemini `cachedContentTokenCount`
///   ⊂ input and `thoughtsTokenCount` ⊂ output (llm-gemini logs candidates + thoughts as output).
/// - `datetime_utc` is UTC whether or not it carries "+00:00".
/// - Rows without token counts cannot be priced. Databases written before llm 0.19 have no token
///   columns at all: their rows are counted as skipped and one malformed note says how many and why
///   (once; the rowid high-water mark in `state` keeps it from repeating). Rows of a newer database
///   whose counts are NULL (local models, plugins that report no usage) are skipped.
/// - Incremental: `state` holds the highest rowid read; the next run reads only newer rows.
///   The "line" of a row in reports and quarantine is its rowid.
package struct LLMAdapter: LogAdapter {
    public init() {}

    public var name: String { "llm" }
    public var summary: String { "simonw/llm logs.db (SQLite, opened read-only)" }
    public var layout: LogLayout { .database }

    /// `$LLM_USER_PATH`, else `~/.config/io.datasette.llm` (Linux) and
    /// `~/Library/Application Support/io.datasette.llm` (macOS), existing or not.
    public func defaultRoots(paths: Paths) -> [URL] {
        var candidates: [String] = []
        if let p = paths.nonEmpty("LLM_USER_PATH") { candidates.append(paths.expandTilde(p)) }
        if let home = paths.home?.path {
            candidates.append((paths.nonEmpty("XDG_CONFIG_HOME") ?? home + "/.config") + "/io.datasette.llm")
            candidates.append(home + "/Library/Application Support/io.datasette.llm")
        }
        return candidates.map { URL(fileURLWithPath: $0) }
    }

    /// An SQLite file ("SQLite format 3\0") named like a database; 90 for `logs.db`. Whether it really
    /// has a `responses` table is checked when it is opened.
    public func detect(fileName: String, head: [UInt8]) -> Int {
        let magic = Array("SQLite format 3".utf8) + [0]
        guard head.count >= magic.count, Array(head[0..<magic.count]) == magic else { return 0 }
        if fileName == "logs.db" { return 90 }
        return fileName.hasSuffix(".db") || fileName.hasSuffix(".sqlite") ? 40 : 10
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        LLMParser(context: context, lastRowid: state?["lastRowid"]?.int ?? 0)
    }
}

/// Why an llm database could not be read.
package enum LLMDatabaseError: UserFacingError, Equatable {
    case cannotOpen(path: String, reason: String)
    case notLLMDatabase(path: String)

    package var message: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path) read-only (\(reason)); check that the file exists and is readable."
        case .notLLMDatabase(let path):
            return "\(path) is an SQLite database without a `responses` table, so it is not an llm logs.db; pass --format for its real format."
        }
    }

    package var exitStatus: ExitStatus { .failure }
}

final class LLMParser: LogParser {
    private let context: ImportContext
    private var lastRowid: Int

    init(context: ImportContext, lastRowid: Int) {
        self.context = context
        self.lastRowid = lastRowid
    }

    var state: JSONValue? { ["lastRowid": .int(lastRowid)] }

    func parseDatabase(emit: (LogItem) -> Void) throws {
        let path = context.file.path
        var config = Configuration()
        config.readonly = true
        config.label = "llm logs.db (read-only)"
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw LLMDatabaseError.cannotOpen(path: path, reason: Self.describe(error))
        }
        defer { try? queue.close() }
        var newLast = lastRowid
        do {
            try queue.read { db in
                guard try db.tableExists("responses") else { throw LLMDatabaseError.notLLMDatabase(path: path) }
                let columns = Set(try db.columns(in: "responses").map { $0.name.lowercased() })
                if !columns.contains("input_tokens") || !columns.contains("output_tokens") {
                    let row = try Row.fetchOne(db, sql: "SELECT count(*), max(rowid), min(rowid) FROM responses WHERE rowid > ?", arguments: [lastRowid])
                    let count: Int = row?[0] ?? 0
                    if count > 0 {
                        newLast = row?[1] ?? newLast
                        for _ in 0..<count { emit(.skipped) }
                        emit(.malformed(reason: "this logs.db was written by llm before 0.19 and has no token counts, so its \(count) responses cannot be priced and were skipped; responses logged by llm 0.19 or later are imported", line: row?[2] ?? 0))
                    }
                    return
                }
                let details = columns.contains("token_details") ? "token_details" : "NULL"
                let resolved = columns.contains("resolved_model") ? "resolved_model" : "NULL"
                let conversation = columns.contains("conversation_id") ? "conversation_id" : "NULL"
                // Metadata columns only: prompt, system and response are never read.
                let sql = """
                    SELECT rowid, id, model, \(resolved), \(conversation), datetime_utc, input_tokens, output_tokens, \(details)
                    FROM responses WHERE rowid > ? ORDER BY rowid
                    """
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: [lastRowid])
                while let row = try cursor.next() {
                    let rowid: Int = row[0]
                    newLast = max(newLast, rowid)
                    emit(self.item(row, rowid: rowid))
                }
            }
        } catch let error as LLMDatabaseError {
            throw error
        } catch {
            throw LLMDatabaseError.cannotOpen(path: path, reason: Self.describe(error))
        }
        lastRowid = newLast
    }

    private func item(_ row: Row, rowid: Int) -> LogItem {
        // Values are converted by hand: GRDB's typed subscripts trap on a value of the wrong type, and
        // a user's database may hold anything.
        let (input, badInput) = Self.int(row[6] as DatabaseValue)
        let (output, badOutput) = Self.int(row[7] as DatabaseValue)
        if badInput || badOutput { return .malformed(reason: "input_tokens or output_tokens is not a whole number", line: rowid) }
        if input == nil && output == nil { return .skipped }
        let id = Self.text(row[1] as DatabaseValue) ?? String(rowid)
        let model = Self.text(row[3] as DatabaseValue) ?? Self.text(row[2] as DatabaseValue) ?? ""
        guard !model.isEmpty else { return .malformed(reason: "the response has no model", line: rowid) }
        guard let timeText = Self.text(row[5] as DatabaseValue), let timestamp = Timestamp.parse(timeText) else {
            return .malformed(reason: "datetime_utc is not a readable timestamp", line: rowid)
        }
        var tokens = TokenCounts(input: input ?? 0, output: output ?? 0)
        if let text = Self.text(row[8] as DatabaseValue), text != "null" {
            let details: JSONValue
            do { details = try JSONParser.parse(text) } catch {
                return .malformed(reason: "token_details is not valid JSON (\(error.message))", line: rowid)
            }
            var bad: String?
            let cached = LogSupport.tokens(details[path: "prompt_tokens_details", "cached_tokens"], &bad, "cached_tokens")
                ?? LogSupport.tokens(details["cachedContentTokenCount"], &bad, "cachedContentTokenCount") ?? 0
            tokens.input -= cached // OpenAI and Gemini count cached tokens inside the prompt
            tokens.cacheRead = cached
            tokens.cacheRead += LogSupport.tokens(details["cache_read_input_tokens"], &bad, "cache_read_input_tokens") ?? 0
            tokens.cacheWrite5m = LogSupport.tokens(details["cache_creation_input_tokens"], &bad, "cache_creation_input_tokens") ?? 0
            tokens.reasoning = LogSupport.tokens(details[path: "completion_tokens_details", "reasoning_tokens"], &bad, "reasoning_tokens")
                ?? LogSupport.tokens(details["thoughtsTokenCount"], &bad, "thoughtsTokenCount") ?? 0
            if let bad { return .malformed(reason: "token_details: \(bad)", line: rowid) }
        }
        if tokens.input < 0 { return .malformed(reason: "cached tokens exceed input_tokens", line: rowid) }
        if let why = tokens.inconsistency { return .malformed(reason: why, line: rowid) }
        let record = UsageRecord(
            timestamp: timestamp, provider: LogSupport.provider(forModel: model), model: model,
            tokens: tokens, source: "llm", channel: context.channel, project: context.project,
            tags: context.tags, requestID: id, sessionID: Self.text(row[4] as DatabaseValue)
        )
        return .entry(LedgerEntry(record: record, dedupKey: "llm:\(id)", location: SourceLocation(file: context.file.path, line: rowid)))
    }

    /// A non-negative whole number, nil for NULL; `bad` for anything else.
    private static func int(_ v: DatabaseValue) -> (Int?, bad: Bool) {
        switch v.storage {
        case .null: return (nil, false)
        case .int64(let i): return i >= 0 ? (Int(i), false) : (nil, true)
        case .double(let d): return d >= 0 && d == d.rounded() && d < 1e15 ? (Int(d), false) : (nil, true)
        case .string(let s): return Int(s).flatMap { $0 >= 0 ? ($0, false) : nil } ?? (nil, true)
        case .blob: return (nil, true)
        }
    }

    /// Non-empty text, nil for NULL, empty or non-text values.
    private static func text(_ v: DatabaseValue) -> String? {
        guard case .string(let s) = v.storage, !s.isEmpty else { return nil }
        return s
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "SQLite error \(e.resultCode.rawValue)" }
        return "\(error)"
    }
}
