import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Gemini CLI chat recordings: `~/.gemini/tmp/<project hash or name>/chats/` (google-gemini/gemini-cli,
/// `packages/core/src/services/chatRecordingService.ts`). Two shapes, both read:
/// - **older**: `session-<YYYY-MM-DDTHH-MM>-<id8>.json`, one pretty-printed `ConversationRecord`
///   `{sessionId, projectHash, startTime, lastUpdated, messages: [...]}` rewritten whole on every change;
/// - **current**: `session-….jsonl`, an append-only log: a metadata line `{sessionId, projectHash,
///   startTime, …}`, then message records, each written again in full whenever its tool calls or
///   tokens change, `{"$set": {…}}` metadata patches (whose `messages` may replace the list) and
///   `{"$rewindTo": id}` markers. Subagents write `chats/<parent id>/<id>.jsonl`.
///
/// Usage: each `"type": "gemini"` message's `tokens {input, output, cached, thoughts, tool, total}`,
/// Gemini's own counts (`promptTokenCount` incl. cached, `candidatesTokenCount` without thoughts):
/// input = input − cached + tool, cache read = cached, output = output + thoughts (reasoning). A
/// message without tokens (`null`, or not yet written) adds nothing until a later copy carries them.
/// A rewind or a replaced message list changes the conversation, not the bill: every message that
/// was answered with tokens counts.
///
/// Dedup key `gemini-cli:<sessionId>:<message id>`, with the message's total as its rank, so a
/// rewritten file or a message written again adds nothing twice (a later copy with more tokens
/// replaces an earlier one). A message above every metadata line (only in a damaged file) takes the
/// session of the first metadata line below it, so its key does not depend on where that line is.
/// Project: the folder under `tmp` when it is a name (newer versions), not a 64-character hash.
/// Repository: the last component of the path in that folder's `.project_root` (newer versions).
/// Gemini CLI records no git branch.
package struct GeminiCLIAdapter: LogAdapter {
    public init() {}
    public var name: String { "gemini-cli" }
    public var summary: String { "Gemini CLI chat recordings (~/.gemini/tmp/*/chats, .json and .jsonl)" }
    public var layout: LogLayout { .lines }

    /// Every `~/.gemini/tmp/<project>/chats` folder (`$GEMINI_CLI_HOME` replaces `~`).
    public func defaultRoots(paths: Paths) -> [URL] {
        guard let base = paths.nonEmpty("GEMINI_CLI_HOME").map(paths.expandTilde) ?? paths.home?.path else { return [] }
        return AgentChatFolders.chats(under: base + "/.gemini/tmp")
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    public func detect(path: String, head: [UInt8]) -> Int { detect(path: path, head: FileHead(head)) }

    func detect(path: String, head h: FileHead) -> Int {
        guard path.hasSuffix(".json") || path.hasSuffix(".jsonl") else { return 0 }
        if h.isBinary || !h.contains("\"sessionId\"") { return 0 }
        if path.contains("/.qwen/") { return 0 } // Qwen Code's copy of this format
        if h.contains("\"projectHash\"") { return 95 }
        if path.contains("/.gemini/tmp/") && path.contains("/chats/") { return 90 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        AgentChatParser(context: context, state: state, tool: .geminiCLI)
    }
}

/// Qwen Code sessions (QwenLM/qwen-code, Gemini CLI's fork, `packages/core/src/services/chatRecordingService.ts`):
/// `~/.qwen/projects/<project>/chats/<sessionId>.jsonl`, append-only records `{uuid, parentUuid,
/// sessionId, timestamp, type: "user"|"assistant"|"tool_result", cwd, version, gitBranch, message,
/// usageMetadata, model}`; older versions kept Gemini CLI's files under `~/.qwen/tmp/<hash>/chats/`
/// (read the same way as Gemini CLI's).
///
/// Usage: each `"type": "assistant"` record's `usageMetadata {input, output, cached, thoughts, tool,
/// total}`. Qwen Code fills these from OpenAI-compatible responses, where the reasoning tokens are
/// already part of the completion count, or from Gemini, where they are not: the record's own
/// `total` tells which (thoughts are added to output only when `total` counts them separately).
/// Dedup key `qwen-code:<sessionId>:<uuid>`. Project and repository: the last component of `cwd`;
/// branch: `gitBranch`.
package struct QwenCodeAdapter: LogAdapter {
    public init() {}
    public var name: String { "qwen-code" }
    public var summary: String { "Qwen Code sessions (~/.qwen/projects/*/chats/*.jsonl, older ~/.qwen/tmp)" }
    public var layout: LogLayout { .lines }

    /// `~/.qwen/projects/*/chats` and `~/.qwen/tmp/*/chats` (`$QWEN_HOME` replaces `~/.qwen`).
    public func defaultRoots(paths: Paths) -> [URL] {
        let base: String
        if let home = paths.nonEmpty("QWEN_HOME") { base = paths.expandTilde(home) }
        else if let home = paths.home?.path { base = home + "/.qwen" }
        else { return [] }
        return AgentChatFolders.chats(under: base + "/projects") + AgentChatFolders.chats(under: base + "/tmp")
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    public func detect(path: String, head: [UInt8]) -> Int { detect(path: path, head: FileHead(head)) }

    func detect(path: String, head h: FileHead) -> Int {
        guard path.hasSuffix(".json") || path.hasSuffix(".jsonl") else { return 0 }
        if h.isBinary || !h.contains("\"sessionId\"") { return 0 }
        let underQwen = path.contains("/.qwen/")
        if h.contains("\"usageMetadata\"") && h.contains("\"parentUuid\"") { return 97 }
        if underQwen && (h.contains("\"parentUuid\"") || h.contains("\"projectHash\"")) { return 96 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        AgentChatParser(context: context, state: state, tool: .qwenCode)
    }
}

/// Finds the `chats` folders of a Gemini CLI–style `tmp` or `projects` folder.
enum AgentChatFolders {
    /// `<base>/*/chats` that exist, sorted. When there are none, the pattern `<base>/*/chats` itself:
    /// a path that never exists, named in "not found" messages (the `tmp` folder itself also holds
    /// logs, checkpoints and shell history that are not chat recordings, so it is never read whole).
    /// Cost: one directory listing.
    static func chats(under base: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        let found = names.sorted().map { base + "/" + $0 + "/chats" }.filter { FileStatus.of($0)?.isDirectory == true }
        return (found.isEmpty ? [base + "/*/chats"] : found).map { URL(fileURLWithPath: $0).standardizedFileURL }
    }
}

/// Reads Gemini CLI's and Qwen Code's recordings, in every shape either tool wrote.
final class AgentChatParser: StructuredLogParser {
    enum Tool {
        case geminiCLI, qwenCode
        var source: String { self == .geminiCLI ? "gemini-cli" : "qwen-code" }
    }

    private let tool: Tool
    /// The session of a `.jsonl` file, from its metadata line (carried across runs).
    private var sessionID: String?
    /// True once the file has been searched for a metadata line below its first messages.
    private var searchedFile = false

    init(context: ImportContext, state: JSONValue?, tool: Tool) {
        self.tool = tool
        super.init(context: context, state: state)
    }

    override var carried: JSONValue? { sessionID.map { ["session": .string($0)] } }
    override func restore(_ carried: JSONValue) { sessionID = carried["session"]?.string }

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "a chat record object"), line: line))
            return
        }
        if o["$rewindTo"] != nil { emit(.skipped); return }
        if case .object(let set)? = o["$set"] {
            if let id = set["sessionId"]?.string, sessionID == nil { sessionID = id }
            if let messages = set["messages"]?.array { for m in messages { message(m, line: line, emit: emit) } }
            emit(.skipped)
            return
        }
        // A metadata line, or a whole older-shape recording (it has the messages).
        if let id = Self.metadataSession(o) {
            sessionID = id
            if let messages = o["messages"]?.array {
                for m in messages { message(m, line: line, emit: emit) }
            } else {
                emit(.skipped)
            }
            return
        }
        message(object, line: line, emit: emit)
    }

    /// One message record of either tool.
    private func message(_ m: JSONValue, line: Int, emit: (LogItem) -> Void) {
        let type = m["type"]?.string ?? ""
        let usage: JSONValue?
        let key: String
        switch type {
        case "gemini":
            guard let id = m["id"]?.string, !id.isEmpty else {
                emit(.malformed(reason: "a gemini message has no id", line: line))
                return
            }
            usage = m["tokens"]
            key = "\(tool.source):\(session(m)):\(id)"
        case "assistant" where m["uuid"] != nil:
            guard let id = m["uuid"]?.string, !id.isEmpty else {
                emit(.malformed(reason: "an assistant record has no uuid", line: line))
                return
            }
            usage = m["usageMetadata"]
            key = "\(tool.source):\(session(m)):\(id)"
        default:
            emit(.skipped) // user, info, error, tool results: no usage
            return
        }
        guard let usage, usage.object != nil else { emit(.skipped); return } // tokens not written (yet)
        do throws(UsageProblem) {
            let (tokens, total) = try self.tokens(usage)
            guard let text = m["timestamp"]?.string, let time = Timestamp.parse(text) else {
                throw UsageProblem("the message has no readable timestamp")
            }
            let model = m["model"]?.string ?? ""
            var provider = LogSupport.provider(forModel: model)
            if provider == "unknown" && tool == .geminiCLI { provider = "google" }
            let record = UsageRecord(
                timestamp: time, provider: provider, model: model.isEmpty ? "unknown" : model, tokens: tokens,
                source: tool.source, channel: context.channel, project: context.project ?? project(m),
                tags: context.tags, requestID: m["id"]?.string ?? m["uuid"]?.string, sessionID: session(m),
                repository: RepositoryName.folder(m["cwd"]?.string ?? projectRoot), branch: RepositoryName.branch(m["gitBranch"]?.string))
            emit(entry(record, key: key, line: line, rank: total))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }

    /// The canonical buckets of a `tokens` / `usageMetadata` object, and its total (the rank).
    private func tokens(_ usage: JSONValue) throws(UsageProblem) -> (TokenCounts, Int) {
        let count = OpenAIUsageTokens.count
        let input = try count(usage["input"], "tokens.input")
        let output = try count(usage["output"], "tokens.output")
        let cached = try count(usage["cached"], "tokens.cached")
        let thoughts = try count(usage["thoughts"], "tokens.thoughts")
        let toolUse = try count(usage["tool"], "tokens.tool")
        let total = try count(usage["total"], "tokens.total")
        guard cached <= input else { throw UsageProblem("cached tokens (\(cached)) exceed the \(input) input tokens") }
        // Gemini keeps thoughts out of the candidates count; an OpenAI-compatible answer (Qwen Code's
        // usual) has them inside the completion, and then its total does not count them again.
        let thoughtsApart = tool == .geminiCLI || thoughts > output || (thoughts > 0 && total >= input + output + thoughts)
        let t = TokenCounts(input: input - cached + toolUse, cacheRead: cached,
                            output: thoughtsApart ? output + thoughts : output, reasoning: thoughts)
        if let why = t.quickInconsistency { throw UsageProblem(why) }
        return (t, max(total, t.total))
    }

    /// The session a message belongs to: its own `sessionId` (Qwen Code), else the file's metadata
    /// line's. A message above every metadata line (Gemini CLI writes the metadata line first, so
    /// only a damaged or edited file has one) takes the session of the first metadata line below it,
    /// so its key does not depend on where that line stands; a file with no metadata line at all is
    /// keyed by its name.
    private func session(_ m: JSONValue) -> String {
        if let id = m["sessionId"]?.string { return id }
        if sessionID == nil && !searchedFile {
            searchedFile = true
            sessionID = Self.firstMetadataSession(in: context.file)
        }
        return sessionID ?? context.file.deletingPathExtension().lastPathComponent
    }

    /// The session id of a metadata line (`{sessionId, projectHash, …}` without a message's `id`
    /// or `uuid`), or nil when `o` is not one.
    private static func metadataSession(_ o: JSONObject) -> String? {
        o["id"] == nil && o["uuid"] == nil ? o["sessionId"]?.string : nil
    }

    /// The members read when searching a file for its metadata line.
    private static let metadataKeys: JSONParser.KeySet = ["sessionId", "id", "uuid", "$set"]

    /// The session id of the first metadata line (or `$set` naming a session) in `file`, read from
    /// disk; nil when there is none. Cost: one pass over the file up to that line, mapped, each line
    /// parsed for four top-level members; at most once per file and run.
    private static func firstMetadataSession(in file: URL) -> String? {
        guard let data = try? Data(contentsOf: file, options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { (all: UnsafeRawBufferPointer) -> String? in
            var start = 0
            while start < all.count {
                let end = all[start...].firstIndex(of: 0x0A) ?? all.count
                let line = UnsafeRawBufferPointer(rebasing: all[start..<end])
                start = end + 1
                guard let first = StructuredLogParser.firstNonBlank(line), line[first] == UInt8(ascii: "{"),
                      case .object(let o)? = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: line[first...]),
                                                                    keepingTopLevelKeys: metadataKeys) else { continue }
                if let id = metadataSession(o) ?? o["$set"]?["sessionId"]?.string { return id }
            }
            return nil
        }
    }

    /// Qwen Code: the record's `cwd`. Gemini CLI: the folder under `tmp` when it is a project name.
    private func project(_ m: JSONValue) -> String? {
        if let cwd = m["cwd"]?.string { return LogSupport.project(fromWorkingDirectory: cwd) }
        guard let folder = projectFolder?.lastPathComponent else { return nil }
        let isHash = folder.count == 64 && folder.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        return isHash || folder == "tmp" ? nil : folder
    }

    /// The project's folder under `tmp` (above `chats`, whose subfolders hold subagents' files).
    private var projectFolder: URL? {
        let parts = context.file.pathComponents
        guard let chats = parts.lastIndex(of: "chats"), chats >= 1 else { return nil }
        return URL(fileURLWithPath: NSString.path(withComponents: Array(parts[..<chats])))
    }

    /// The project's absolute path: newer Gemini CLI versions name each project folder after the
    /// project and write that path into the folder's `.project_root` file
    /// (`packages/core/src/config/projectRegistry.ts`); older hash-named folders have none. Read once
    /// per file.
    private lazy var projectRoot: String? = {
        guard self.tool == .geminiCLI, let folder = self.projectFolder,
              let data = FileManager.default.contents(atPath: folder.appendingPathComponent(".project_root").path),
              data.count < 4096, let text = String(data: data, encoding: .utf8) else { return nil }
        let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty || path.contains("\n") ? nil : path
    }()
}
