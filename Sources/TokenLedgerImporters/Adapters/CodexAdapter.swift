import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenAI Codex CLI rollouts: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl` and
/// `archived_sessions/` (formats.md §7).
///
/// - `session_meta` gives the session id, provider and working directory (project = its last path
///   component; `--project` overrides) and `git {repository_url, branch, commit_hash}` (repository =
///   the remote without credentials, else the folder; branch as written); `turn_context` sets the model and effort for what follows.
/// - Usage is the `event_msg` `token_count` event's cumulative `info.total_token_usage`. A record is
///   the *increase* of that total since the last count of the session: a re-emitted, unchanged total
///   adds nothing. `cached_input_tokens` ⊂ input (input = Δinput − Δcached), reasoning ⊂ output.
/// - Forked sessions start with their own `session_meta` and then replay the parent's history with
///   the parent's (older) timestamps. Events stamped before the file's own `session_meta` are replay:
///   they move the running total (the fork's totals continue from the parent's) but add nothing —
///   the parent's file holds them. If the first live total is below the replayed one, the fork
///   counts from zero and so does this parser.
/// - No request ids: the key is `codex:<session id>:<cumulative total_tokens after the event>`,
///   stable across re-reads. A file without `session_meta` keys each event by its time and whole
///   cumulative usage instead, so history replayed into a continuing or branched file without its
///   own `session_meta` is the same record as in the file it came from.
/// - The model is the last `turn_context`'s, or the `token_count` event's own when it names one. The running totals, model, effort and session travel in `state`, so an
///   appended file continues exactly where the last run stopped.
/// - Files with no `turn_context` (older CLIs) give model "unknown": stored, shown unpriced.
package struct CodexAdapter: LogAdapter {
    public init() {}

    public var name: String { "codex" }
    public var summary: String { "OpenAI Codex CLI rollouts (~/.codex/sessions, archived_sessions)" }
    public var layout: LogLayout { .lines }

    /// `$CODEX_HOME` (else `~/.codex`) `/sessions` and `/archived_sessions`, existing or not (the
    /// pipeline reads those that exist).
    public func defaultRoots(paths: Paths) -> [URL] {
        let base: String
        if let home = paths.nonEmpty("CODEX_HOME") { base = paths.expandTilde(home) }
        else if let home = paths.home?.path { base = home + "/.codex" }
        else { return [] }
        return ["sessions", "archived_sessions"].map {
            URL(fileURLWithPath: base).appendingPathComponent($0).standardizedFileURL
        }
    }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        guard fileName.hasSuffix(".jsonl") else { return 0 }
        let envelope = h.contains("\"payload\"")
        if envelope && h.contains("\"session_meta\"") { return 95 }
        if envelope && (h.contains("\"turn_context\"") || h.contains("\"token_count\"")) { return 85 }
        if fileName.hasPrefix("rollout-") && h.contains("\"instructions\"") { return 60 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        CodexParser(context: context, state: state)
    }
}

/// Cumulative token usage as Codex reports it.
struct CodexUsage: Equatable {
    var input = 0, cached = 0, output = 0, reasoning = 0, total = 0

    init() {}

    init?(_ v: JSONValue?, bad: inout String?) {
        guard let v, v.object != nil else { return nil }
        input = LogSupport.tokens(v["input_tokens"], &bad, "input_tokens") ?? 0
        cached = LogSupport.tokens(v["cached_input_tokens"], &bad, "cached_input_tokens") ?? 0
        output = LogSupport.tokens(v["output_tokens"], &bad, "output_tokens") ?? 0
        reasoning = LogSupport.tokens(v["reasoning_output_tokens"], &bad, "reasoning_output_tokens") ?? 0
        total = LogSupport.tokens(v["total_tokens"], &bad, "total_tokens") ?? (input + output)
    }

    var json: JSONValue {
        ["input": .int(input), "cached": .int(cached), "output": .int(output), "reasoning": .int(reasoning), "total": .int(total)]
    }

    init(json: JSONValue?) {
        input = json?["input"]?.int ?? 0
        cached = json?["cached"]?.int ?? 0
        output = json?["output"]?.int ?? 0
        reasoning = json?["reasoning"]?.int ?? 0
        total = json?["total"]?.int ?? 0
    }
}

final class CodexParser: LogParser {
    private let context: ImportContext
    private var sessionID: String?
    private var sessionStart: Date?
    private var provider = "openai"
    private var model: String?
    private var effort: EffortTier = .unknown
    private var cwd: String?
    /// `session_meta.git`: the remote (stored form) and branch.
    private var repository: String?
    private var branch: String?
    private var last = CodexUsage()
    /// True once a live (non-replayed) count was seen in this session.
    private var live = false

    init(context: ImportContext, state: JSONValue?) {
        self.context = context
        guard let state else { return }
        sessionID = state["session"]?.string
        sessionStart = state["sessionStart"]?.string.flatMap { Timestamp.parse($0) }
        provider = state["provider"]?.string ?? "openai"
        model = state["model"]?.string
        effort = EffortTier(state["effort"]?.string)
        cwd = state["cwd"]?.string
        repository = state["repository"]?.string
        branch = state["branch"]?.string
        last = CodexUsage(json: state["last"])
        live = state["live"]?.bool ?? false
    }

    var state: JSONValue? {
        .object(JSONObject([
            ("session", .optional(sessionID)),
            ("sessionStart", .optional(sessionStart.map(Timestamp.iso8601))),
            ("provider", .string(provider)),
            ("model", .optional(model)),
            ("effort", .string(effort.rawValue)),
            ("cwd", .optional(cwd)),
            ("repository", .optional(repository)),
            ("branch", .optional(branch)),
            ("last", last.json),
            ("live", .bool(live)),
        ]))
    }

    func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        // Fast path: response items (messages, tool calls and their output) are most of a rollout's
        // bytes and carry no usage; a byte search passes them over without parsing.
        if sessionID != nil, !LogSupport.contains(line, "\"token_count\""), !LogSupport.contains(line, "\"turn_context\""),
           !LogSupport.contains(line, "\"session_meta\"") {
            if LogSupport.looksLikeObject(line) { emit(.skipped) } else {
                emit(.malformed(reason: LogSupport.nonObjectReason(line), line: number))
            }
            return
        }
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch {
            emit(.malformed(reason: error.message, line: number))
            return
        }
        let timestamp = value["timestamp"]?.string.flatMap { Timestamp.parse($0) }
        let payload = value["payload"]
        switch value["type"]?.string {
        case "session_meta":
            startSession(payload, lineTime: timestamp)
            emit(.skipped)
        case "turn_context":
            if let m = payload?["model"]?.string, !m.isEmpty { model = m }
            effort = EffortTier(payload?["effort"]?.string)
            if let c = payload?["cwd"]?.string, !isReplay(timestamp) { cwd = c }
            emit(.skipped)
        case "event_msg" where payload?["type"]?.string == "token_count":
            // Newer CLIs may name the model on the event itself; it prices this event only.
            let eventModel = [payload?["model"], payload?["info"]?["model"], payload?["info"]?["model_name"]]
                .lazy.compactMap { $0?.string }.first { !$0.isEmpty }
            count(payload?["info"], timestamp: timestamp, model: eventModel, number: number, emit: emit)
        case nil where value["id"]?.string != nil && value["payload"] == nil && sessionID == nil:
            // The oldest rollouts (spring 2025) start with a bare header {id, timestamp, instructions}.
            startSession(value, lineTime: timestamp)
            emit(.skipped)
        default:
            emit(.skipped)
        }
    }

    private func startSession(_ meta: JSONValue?, lineTime: Date?) {
        let start = meta?["timestamp"]?.string.flatMap { Timestamp.parse($0) } ?? lineTime
        // A second session_meta is the parent's, replayed in a fork; the file's own session stays.
        if sessionID != nil { return }
        sessionID = meta?["id"]?.string
        sessionStart = start
        if let p = meta?["model_provider"]?.string, !p.isEmpty { provider = p.lowercased() }
        if let c = meta?["cwd"]?.string { cwd = c }
        if let m = meta?["model"]?.string, !m.isEmpty { model = m }
        if let git = meta?["git"] {
            repository = RepositoryName.remote(git["repository_url"]?.string)
            branch = RepositoryName.branch(git["branch"]?.string)
        }
    }

    private func isReplay(_ t: Date?) -> Bool {
        guard let t, let sessionStart else { return false }
        return t < sessionStart
    }

    private func count(_ info: JSONValue?, timestamp: Date?, model eventModel: String?, number: Int, emit: (LogItem) -> Void) {
        guard let info, !info.isNull else { emit(.skipped); return } // rate-limit-only events
        var bad: String?
        guard let total = CodexUsage(info["total_token_usage"], bad: &bad) else {
            emit(.malformed(reason: "token_count info has no total_token_usage", line: number))
            return
        }
        if let bad { emit(.malformed(reason: bad, line: number)); return }
        if isReplay(timestamp) {
            // Parent history replayed into a fork: it sets where the fork's totals continue from.
            if total.total > last.total { last = total }
            emit(.skipped)
            return
        }
        if !live {
            live = true
            if total.total < last.total { last = CodexUsage() } // the fork counts from zero
        }
        guard total.total > last.total else { emit(.skipped); return } // re-emitted or older total
        guard let timestamp else {
            emit(.malformed(reason: "the token_count event has no readable timestamp", line: number))
            return
        }
        let dInput = max(0, total.input - last.input)
        let dCached = max(0, total.cached - last.cached)
        let dOutput = max(0, total.output - last.output)
        let dReasoning = max(0, total.reasoning - last.reasoning)
        last = total
        let tokens = TokenCounts(input: dInput - dCached, cacheRead: dCached, output: dOutput, reasoning: dReasoning)
        if let why = tokens.inconsistency {
            emit(.malformed(reason: "the increase in cumulative usage is inconsistent: \(why)", line: number))
            return
        }
        let session = sessionID ?? fileSessionID
        let record = UsageRecord(
            timestamp: timestamp, provider: provider, model: eventModel ?? model ?? "unknown", effort: effort,
            tokens: tokens, source: "codex", channel: context.channel,
            project: context.project ?? LogSupport.project(fromWorkingDirectory: cwd),
            tags: context.tags, sessionID: session,
            repository: repository ?? RepositoryName.folder(cwd), branch: branch
        )
        emit(.entry(LedgerEntry(record: record, dedupKey: key(session: session, timestamp: timestamp, total: total))))
    }

    /// A file with its own `session_meta` keys its events by that session and cumulative total.
    /// A file without one cannot tell its own turns from turns it replays from the rollout it
    /// continues or branches (`codex resume`, a fork written by an older CLI): those replayed events
    /// repeat the earlier file's time and cumulative usage exactly, so such events are keyed by
    /// exactly that — time and the whole cumulative usage — and the same event read from both files
    /// of one session tree is one record.
    private func key(session: String, timestamp: Date, total: CodexUsage) -> String {
        guard sessionID == nil else { return "codex:\(session):\(total.total)" }
        let ms = Int64((timestamp.timeIntervalSince1970 * 1000).rounded())
        return "codex-event:\(ms):\(total.input):\(total.cached):\(total.output):\(total.reasoning):\(total.total)"
    }

    /// The uuid at the end of `rollout-<local time>-<uuid>.jsonl`, for files without a session_meta.
    private var fileSessionID: String {
        let stem = context.file.deletingPathExtension().lastPathComponent
        return stem.count > 36 ? String(stem.suffix(36)) : stem
    }
}
