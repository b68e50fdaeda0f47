import Foundation
import TokenLedgerCore
import GRDB
import TokenLedgerLedger

/// Goose (block/goose, `crates/goose/src/session/session_manager.rs`): the SQLite store
/// `~/.local/share/goose/sessions/sessions.db`, whose `sessions` table keeps, per session, the
/// running totals `accumulated_input_tokens` / `accumulated_output_tokens` (else the last
/// `input_tokens` / `output_tokens`), `provider_name`, `model_config_json` (`{"model_name": …}`),
/// `working_dir` and `updated_at`. Goose writes no per-request counts and no cache split (its input
/// count is the whole prompt, cached or not), so:
/// - one record per session, dated at its last update, standing for the session's assistant
///   messages (`requestCount` = its `messages` rows with role `assistant`, at least 1);
/// - the whole input is priced as uncached input: an upper bound when the provider cached part of it;
/// - key `goose:<session id>` ranked by the session's total tokens, so a session that grew replaces its
///   earlier record and an unchanged one adds nothing.
/// Opened **read-only**; only those columns are read (never `messages.content_json`).
package struct GooseAdapter: LogAdapter {
    public init() {}
    public var name: String { "goose" }
    public var summary: String { "Goose sessions (~/.local/share/goose/sessions/sessions.db, per-session totals, opened read-only)" }
    public var layout: LogLayout { .database }

    /// `$XDG_DATA_HOME/goose` (else `~/.local/share/goose`) and macOS's
    /// `~/Library/Application Support/Block.goose`, `sessions/sessions.db`: those that exist, else the first.
    public func defaultRoots(paths: Paths) -> [URL] {
        guard let home = paths.home?.path else { return [] }
        let data = paths.nonEmpty("XDG_DATA_HOME") ?? home + "/.local/share"
        let candidates = [data + "/goose/sessions/sessions.db", home + "/Library/Application Support/Block.goose/sessions/sessions.db"]
        let existing = candidates.filter { FileStatus.of($0)?.isRegularFile == true }
        return (existing.isEmpty ? [candidates[0]] : existing).map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    public func detect(path: String, head: [UInt8]) -> Int {
        let magic = Array("SQLite format 3".utf8) + [0]
        guard head.count >= magic.count, Array(head[0..<magic.count]) == magic,
              LogSupport.fileName(of: path) == "sessions.db" else { return 0 }
        return path.contains("goose") ? 95 : 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        GooseParser(context: context)
    }
}

final class GooseParser: LogParser {
    private let context: ImportContext

    init(context: ImportContext) { self.context = context }

    func parseDatabase(emit: (LogItem) -> Void) throws {
        let path = context.file.path
        var config = Configuration()
        config.readonly = true
        config.label = "goose sessions.db (read-only)"
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw LLMDatabaseError.cannotOpen(path: path, reason: "\(error)".singleLine)
        }
        defer { try? queue.close() }
        do {
            try queue.read { db in
                guard try db.tableExists("sessions") else {
                    emit(.malformed(reason: "this sessions.db has no sessions table; nothing was read", line: 0))
                    return
                }
                let columns = Set(try db.columns(in: "sessions").map { $0.name.lowercased() })
                func column(_ name: String) -> String { columns.contains(name) ? name : "NULL" }
                let assistants = try db.tableExists("messages")
                    ? "(SELECT COUNT(*) FROM messages AS m WHERE m.session_id = s.id AND m.role = 'assistant')" : "1"
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT s.rowid, s.id, \(column("working_dir")), \(column("updated_at")),
                           \(column("accumulated_input_tokens")), \(column("accumulated_output_tokens")),
                           \(column("input_tokens")), \(column("output_tokens")), \(column("provider_name")),
                           \(column("model_config_json")), \(assistants)
                    FROM sessions AS s ORDER BY s.rowid
                    """)
                while let row = try cursor.next() {
                    emit(self.item(row))
                }
            }
        } catch let error as LLMDatabaseError {
            throw error
        } catch {
            throw LLMDatabaseError.cannotOpen(path: path, reason: "\(error)".singleLine)
        }
    }

    /// The record one `sessions` row stands for, or why it is none.
    private func item(_ row: Row) -> LogItem {
        let rowid: Int64 = (row[0] as Int64?) ?? 0
        let line = Int(rowid)
        func integer(_ index: Int) -> Int? {
            switch (row[index] as DatabaseValue).storage {
            case .int64(let v): return Int(v)
            case .double(let v) where v >= 0 && v == v.rounded(): return Int(v)
            default: return nil
            }
        }
        func text(_ index: Int) -> String? {
            if case .string(let s) = (row[index] as DatabaseValue).storage, !s.isEmpty { return s }
            return nil
        }
        guard let id = text(1) else { return .malformed(reason: "a session has no id", line: line) }
        let input = integer(4) ?? integer(6) ?? 0
        let output = integer(5) ?? integer(7) ?? 0
        guard input >= 0, output >= 0 else { return .malformed(reason: "the session's token totals are negative", line: line) }
        if input + output == 0 { return .skipped }
        guard let updated = text(3), let time = Self.time(updated) else {
            return .malformed(reason: "the session has no readable updated_at", line: line)
        }
        var model = "unknown"
        if let json = text(9) {
            guard let config = try? JSONParser.parse(json), let name = config["model_name"]?.string else {
                return .malformed(reason: "model_config_json names no model_name", line: line)
            }
            model = name
        }
        let tokens = TokenCounts(input: input, output: output)
        if let why = tokens.quickInconsistency { return .malformed(reason: why, line: line) }
        let named = LogSupport.normalizedProvider(text(8) ?? "")
        var extra: [String: String] = [:]
        let provider: String
        if OpenCodeParser.billingProviders.contains(named) {
            provider = named
        } else {
            provider = LogSupport.provider(forModel: model)
            if let via = text(8) { extra["via"] = via }
        }
        let folder = LogSupport.project(fromWorkingDirectory: text(2))
        let record = UsageRecord(
            timestamp: time, provider: provider, model: model, tokens: tokens, source: "goose", channel: context.channel,
            project: context.project ?? folder, tags: extra.isEmpty ? context.tags : context.tags.merging(extra) { user, _ in user },
            sessionID: id, requestCount: max(1, integer(10) ?? 1), repository: folder)
        return .entry(LedgerEntry(record: record, dedupKey: "goose:" + id,
                                  location: SourceLocation(file: context.file.path, line: line), supersedeRank: tokens.total))
    }

    /// `updated_at` as Goose writes it: RFC 3339 (`2025-10-21T12:00:00.123Z`, `…+00:00`) or SQLite's
    /// `CURRENT_TIMESTAMP` text (`2025-10-21 12:00:00`, UTC).
    static func time(_ text: String) -> Date? {
        if let d = Timestamp.parse(text) { return d }
        let t = text.replacingOccurrences(of: " ", with: "T")
        return Timestamp.parse(t) ?? Timestamp.parse(t + "Z")
    }
}
