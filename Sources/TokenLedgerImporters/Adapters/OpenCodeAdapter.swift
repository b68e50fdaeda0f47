import Foundation
import TokenLedgerCore
import GRDB
import TokenLedgerLedger

/// OpenCode messages (sst/opencode, `packages/opencode/src/session/`): one JSON file per message,
/// rewritten whole while the answer streams in.
/// - **current**: `~/.local/share/opencode/storage/message/<sessionID>/<messageID>.json`,
///   `{id, sessionID, role: "assistant", time {created, completed} (Unix ms), modelID, providerID,
///   path {cwd, root}, cost (USD), tokens {input, output, reasoning, cache {read, write}, total?}}`;
/// - **older** (2025): `~/.local/share/opencode/project/<project>/storage/session/message/<sessionID>/<messageID>.json`,
///   `{id, role, metadata {sessionID, time {created, completed}, assistant {modelID, providerID, path,
///   cost, tokens}}}`.
///
/// Tokens: OpenCode stores the uncached input (`input`) apart from `cache.read` and `cache.write`
/// (cache writes count as 5-minute writes). Whether `output` includes `reasoning` changed between
/// versions: newer ones keep them apart and write `total`, so when `total` equals input + output +
/// reasoning + cache the reasoning is added to output; otherwise it is part of output (older
/// versions, whose output count came from the provider), unless it is larger than output.
/// `cost` is OpenCode's own estimate, kept as the reported cost. A message still streaming (no
/// `time.completed`, no tokens yet) adds nothing; its final version does.
///
/// Provider: OpenCode's `providerID` when it names a provider that bills the tokens itself
/// (anthropic, openai, google, openrouter, …); for subscriptions and gateways (github-copilot,
/// opencode, amazon-bedrock, …) the model's own family, with the gateway in the `via` tag.
/// Dedup key `opencode:<message id>`, ranked by total tokens so a rewritten file's final counts
/// replace an earlier partial copy. Project: the last component of `path.cwd` (or `path.root`).
/// Repository: the last component of `path.root`, the top folder of the git checkout the session ran
/// in (`/` outside a repository: none). OpenCode stores no branch with its messages or projects.
package struct OpenCodeAdapter: LogAdapter {
    public init() {}
    public var name: String { "opencode" }
    public var summary: String { "OpenCode messages (~/.local/share/opencode/storage/message/**/*.json)" }
    public var layout: LogLayout { .document }

    /// `$XDG_DATA_HOME/opencode` (else `~/.local/share/opencode`) `/storage/message` and the older
    /// `/project/*/storage/session/message` folders.
    public func defaultRoots(paths: Paths) -> [URL] {
        let data: String
        if let xdg = paths.nonEmpty("XDG_DATA_HOME") { data = xdg }
        else if let home = paths.home?.path { data = home + "/.local/share" }
        else { return [] }
        let base = data + "/opencode"
        var roots = [base + "/storage/message"]
        let projects = (try? FileManager.default.contentsOfDirectory(atPath: base + "/project")) ?? []
        for p in projects.sorted() {
            let old = base + "/project/" + p + "/storage/session/message"
            if FileStatus.of(old)?.isDirectory == true { roots.append(old) }
        }
        return roots.map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    public func detect(path: String, head: [UInt8]) -> Int { detect(path: path, head: FileHead(head)) }

    func detect(path: String, head h: FileHead) -> Int {
        guard path.hasSuffix(".json") else { return 0 }
        guard !h.isBinary, h.contains("\"sessionID\"") else { return 0 }
        if h.contains("\"providerID\"") && h.contains("\"modelID\"") { return 95 }
        if path.contains("/opencode/") && path.contains("/message/") && h.contains("\"role\"") { return 90 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenCodeParser(context: context)
    }
}

final class OpenCodeParser: LogParser {
    private let context: ImportContext

    init(context: ImportContext) { self.context = context }

    /// Providers that bill the tokens themselves; any other `providerID` is a gateway or plan.
    static let billingProviders: Set<String> = [
        "openai", "anthropic", "google", "xai", "deepseek", "mistral", "moonshot", "alibaba", "openrouter", "groq",
        "together", "fireworks",
    ]

    func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void) {
        let value: JSONValue
        do { value = try JSONParser.parse(document) } catch {
            emit(.malformed(reason: "the JSON document cannot be read: \(error.message)", line: 1))
            return
        }
        emit(Self.item(value, id: nil, session: nil, context: context, line: 1))
    }

    /// The record one OpenCode message stands for (a file's document, or a database row's `data`
    /// with the row's `id` and `session_id`), or why it is none.
    static func item(_ value: JSONValue, id rowID: String?, session rowSession: String?, context: ImportContext, line: Int) -> LogItem {
        guard case .object = value else {
            return .malformed(reason: LogSupport.notAnObject(value, expected: "an OpenCode message object"), line: line)
        }
        // The older shape keeps the assistant's details under metadata.assistant.
        let meta = value["metadata"]
        let assistant = meta?["assistant"] ?? value
        guard value["role"]?.string == "assistant" || meta?["assistant"]?.object != nil else { return .skipped }
        guard let tokens = assistant["tokens"], tokens.object != nil else { return .skipped }
        let time = value["time"] ?? meta?["time"]
        do throws(UsageProblem) {
            let count = OpenAIUsageTokens.count
            let input = try count(tokens["input"], "tokens.input")
            let output = try count(tokens["output"], "tokens.output")
            let reasoning = try count(tokens["reasoning"], "tokens.reasoning")
            let read = try count(tokens["cache"]?["read"], "tokens.cache.read")
            let write = try count(tokens["cache"]?["write"], "tokens.cache.write")
            let total = try count(tokens["total"], "tokens.total")
            let cached = input + read + write
            let apart = reasoning > output || (reasoning > 0 && total == cached + output + reasoning)
            let t = TokenCounts(input: input, cacheRead: read, cacheWrite5m: write,
                                output: apart ? output + reasoning : output, reasoning: reasoning)
            if let why = t.quickInconsistency { throw UsageProblem(why) }
            // A message still being written: nothing billed yet; its final version is read later.
            if t.total == 0 && time?["completed"] == nil { return .skipped }
            guard let id = rowID ?? value["id"]?.string, !id.isEmpty else { throw UsageProblem("the message has no id") }
            guard let created = time?["created"], let timestamp = LogSupport.milliseconds(created) else {
                throw UsageProblem("the message has no readable time.created")
            }
            let model = assistant["modelID"]?.string ?? ""
            if model.isEmpty { throw UsageProblem("the message has no modelID") }
            var reported: Money?
            if let cost = assistant["cost"], !cost.isNull {
                guard let text = LogSupport.text(cost), let m = LogSupport.money(text) else {
                    throw UsageProblem("cost is not a decimal amount")
                }
                reported = m
            }
            let providerID = assistant["providerID"]?.string ?? ""
            let named = LogSupport.normalizedProvider(providerID)
            var extra: [String: String] = [:]
            let provider: String
            if billingProviders.contains(named) {
                provider = named
            } else {
                provider = LogSupport.provider(forModel: model)
                if !providerID.isEmpty { extra["via"] = providerID }
            }
            let cwd = assistant["path"]?["cwd"]?.string ?? assistant["path"]?["root"]?.string
            // `path.root` is the git checkout's top folder (OpenCode's `Instance.worktree`); "/" when
            // the session ran outside any repository.
            let root = assistant["path"]?["root"]?.string
            let session = rowSession ?? value["sessionID"]?.string ?? meta?["sessionID"]?.string
            let record = UsageRecord(
                timestamp: timestamp, provider: provider, model: model, tokens: t, source: "opencode",
                channel: context.channel, project: context.project ?? LogSupport.project(fromWorkingDirectory: cwd),
                tags: extra.isEmpty ? context.tags : context.tags.merging(extra) { user, _ in user },
                reportedCost: reported, requestID: id, sessionID: session, repository: RepositoryName.folder(root))
            return .entry(LedgerEntry(record: record, dedupKey: "opencode:" + id,
                                      location: SourceLocation(file: context.file.path, line: line), supersedeRank: max(total, t.total)))
        } catch {
            return .malformed(reason: error.reason, line: line)
        }
    }
}

/// The newest OpenCode versions keep the same messages in SQLite: `~/.local/share/opencode/opencode.db`,
/// table `message(id, session_id, time_created, time_updated, data)` whose `data` is the message
/// above without its id and session. Read **read-only**, the `data` column only (answers and tool
/// output live in the `part` table, which is never read). Incremental: `state` holds the highest
/// `time_updated` read, so a message updated after the last run (a streamed answer's final tokens)
/// is read again and replaces its partial copy. Same keys as the JSON files (`opencode:<id>`), so a
/// message found in both is one record.
package struct OpenCodeDatabaseAdapter: LogAdapter {
    public init() {}
    public var name: String { "opencode-db" }
    public var summary: String { "OpenCode's SQLite store (~/.local/share/opencode/opencode.db, opened read-only)" }
    public var layout: LogLayout { .database }

    /// `$XDG_DATA_HOME/opencode/opencode.db` (else `~/.local/share/…`), existing or not.
    public func defaultRoots(paths: Paths) -> [URL] {
        let data: String
        if let xdg = paths.nonEmpty("XDG_DATA_HOME") { data = xdg }
        else if let home = paths.home?.path { data = home + "/.local/share" }
        else { return [] }
        return [URL(fileURLWithPath: data + "/opencode/opencode.db").standardizedFileURL]
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        let magic = Array("SQLite format 3".utf8) + [0]
        guard head.count >= magic.count, Array(head[0..<magic.count]) == magic else { return 0 }
        return fileName == "opencode.db" ? 95 : 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenCodeDatabaseParser(context: context, lastUpdated: state?["lastUpdated"]?.int ?? 0)
    }
}

final class OpenCodeDatabaseParser: LogParser {
    private let context: ImportContext
    private var lastUpdated: Int

    init(context: ImportContext, lastUpdated: Int) {
        self.context = context
        self.lastUpdated = lastUpdated
    }

    var state: JSONValue? { ["lastUpdated": .int(lastUpdated)] }

    func parseDatabase(emit: (LogItem) -> Void) throws {
        let path = context.file.path
        var config = Configuration()
        config.readonly = true
        config.label = "opencode.db (read-only)"
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw LLMDatabaseError.cannotOpen(path: path, reason: "\(error)".singleLine)
        }
        defer { try? queue.close() }
        var newest = lastUpdated
        do {
            try queue.read { db in
                guard try db.tableExists("message") else {
                    emit(.malformed(reason: "this opencode.db has no message table; nothing was read", line: 0))
                    return
                }
                let columns = Set(try db.columns(in: "message").map { $0.name.lowercased() })
                let updated = columns.contains("time_updated") ? "time_updated" : (columns.contains("time_created") ? "time_created" : "0")
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT rowid, id, session_id, \(updated), data FROM message WHERE \(updated) > ? ORDER BY \(updated), rowid
                    """, arguments: [lastUpdated])
                while let row = try cursor.next() {
                    var rowid: Int64 = 0
                    if case .int64(let r) = (row[0] as DatabaseValue).storage { rowid = r }
                    if case .int64(let t) = (row[3] as DatabaseValue).storage { newest = max(newest, Int(t)) }
                    guard case .string(let text) = (row[4] as DatabaseValue).storage else {
                        emit(.malformed(reason: "the message's data is not JSON text", line: Int(rowid)))
                        continue
                    }
                    let id: String? = { if case .string(let s) = (row[1] as DatabaseValue).storage { return s } else { return nil } }()
                    let session: String? = { if case .string(let s) = (row[2] as DatabaseValue).storage { return s } else { return nil } }()
                    do throws(JSONParser.Error) {
                        let value = try JSONParser.parse(text)
                        emit(OpenCodeParser.item(value, id: id, session: session, context: self.context, line: Int(rowid)))
                    } catch {
                        emit(.malformed(reason: "the message's data is not JSON: \(error.message)", line: Int(rowid)))
                    }
                }
            }
        } catch let error as LLMDatabaseError {
            throw error
        } catch {
            throw LLMDatabaseError.cannotOpen(path: path, reason: "\(error)".singleLine)
        }
        lastUpdated = newest
    }
}
