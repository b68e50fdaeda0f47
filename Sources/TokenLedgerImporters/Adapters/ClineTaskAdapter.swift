import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// The VS Code agents Cline (cline/cline), Roo Code (RooCodeInc/Roo-Code) and Kilo Code
/// (Kilo-Org/kilocode, a fork of Roo Code). Each keeps one folder per task in the extension's
/// global storage, `<editor>/User/globalStorage/<extension id>/tasks/<task id>/`:
/// - `ui_messages.json`: the chat as one JSON array (`JSON.stringify`, one line), rewritten whole
///   on every change. Each API request is a `{"ts", "type": "say", "say": "api_req_started",
///   "text": "<JSON>"}` message whose text, once the answer is complete, carries `tokensIn`,
///   `tokensOut`, `cacheWrites`, `cacheReads` and `cost` (the tool's own estimate, USD). Newer Cline
///   versions add `modelInfo {modelId, providerId}` to the message; Roo Code and Kilo Code add
///   `apiProtocol` ("anthropic" | "openai") to the text.
/// - the model, when the message does not carry it: Cline's `task_metadata.json` `model_usage`
///   `[{ts, model_id, model_provider_id}]` (the entry in force at the request), else the
///   `<model>…</model>` line Roo Code and Kilo Code write into each request's environment details in
///   `api_conversation_history.json` (read for that tag only; no text is kept). Unknown otherwise:
///   the record is stored, unpriced, with the tool's cost as its reported cost.
/// - Roo Code's `history_item.json` `workspace` → project.
///
/// What `tokensIn` means changed with the tool and the provider (read in each tool's source):
/// - Cline: the uncached input for Anthropic, Bedrock, Vertex, OpenRouter, DeepSeek, OpenAI (native)
///   and Cline's own provider; the whole prompt (cache reads included) for the OpenAI-compatible and
///   xAI providers.
/// - Roo Code / Kilo Code: the whole prompt for the OpenAI protocol; for the Anthropic protocol the
///   uncached input until Roo Code's token-accounting change of 31 October 2025 and the whole prompt
///   after it (dated by the request's `ts`).
/// A whole prompt is split as input = `tokensIn` − `cacheReads` − `cacheWrites` (never below zero:
/// a count smaller than its cache parts is read as uncached). Cache writes are 5-minute writes.
///
/// Dedup key `<format>:<task id>:<ts>` ranked by total tokens, so a rewritten file adds only new
/// requests, and a request whose counts arrive later replaces its earlier copy. Files of the task
/// folder other than `ui_messages.json` are skipped unread.
package struct ClineTaskAdapter: LogAdapter {
    /// Which of the three tools.
    public enum Tool: String, Sendable, CaseIterable {
        case cline, rooCode = "roo-code", kiloCode = "kilo-code"

        /// The VS Code extension id whose global storage holds the tasks.
        public var extensionID: String {
            switch self {
            case .cline: return "saoudrizwan.claude-dev"
            case .rooCode: return "rooveterinaryinc.roo-cline"
            case .kiloCode: return "kilocode.kilo-code"
            }
        }
    }

    public let tool: Tool
    public init(_ tool: Tool) { self.tool = tool }

    public var name: String { tool.rawValue }
    public var summary: String {
        switch tool {
        case .cline: return "Cline tasks (VS Code globalStorage/saoudrizwan.claude-dev/tasks/*/ui_messages.json)"
        case .rooCode: return "Roo Code tasks (VS Code globalStorage/rooveterinaryinc.roo-cline/tasks/*/ui_messages.json)"
        case .kiloCode: return "Kilo Code tasks (VS Code globalStorage/kilocode.kilo-code/tasks/*/ui_messages.json)"
        }
    }
    public var layout: LogLayout { .document }

    /// The editors whose user folders are looked in (VS Code, its Insiders build, VSCodium, Cursor, Windsurf).
    static let editors = ["Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf"]

    /// `<editor>/User/globalStorage/<extension id>/tasks` under `$XDG_CONFIG_HOME` (else `~/.config`),
    /// `~/Library/Application Support` and VS Code Server's `~/.vscode-server/data`; the ones that
    /// exist, or VS Code's own on Linux when none does (named in "not found" messages).
    public func defaultRoots(paths: Paths) -> [URL] {
        guard let home = paths.home?.path else { return [] }
        let config = paths.nonEmpty("XDG_CONFIG_HOME") ?? home + "/.config"
        let tail = "/User/globalStorage/" + tool.extensionID + "/tasks"
        var candidates: [String] = []
        for base in [config, home + "/Library/Application Support"] {
            candidates += Self.editors.map { base + "/" + $0 + tail }
        }
        candidates.append(home + "/.vscode-server/data" + tail)
        let existing = candidates.filter { FileStatus.of($0)?.isDirectory == true }
        return (existing.isEmpty ? [candidates[0]] : existing).map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    /// The task folder's other files: claimed (and skipped unread) inside the extension's folder, so
    /// importing a tasks folder does not report them as unknown logs.
    static let taskFiles: Set<String> = [
        "api_conversation_history.json", "task_metadata.json", "history_item.json", "context_history.json", "settings.json",
    ]

    public func detect(path: String, head: [UInt8]) -> Int { detect(path: path, head: FileHead(head)) }

    func detect(path: String, head h: FileHead) -> Int {
        let file = LogSupport.fileName(of: path)
        if Self.taskFiles.contains(file) { return path.contains("/" + tool.extensionID + "/tasks/") ? 90 : 0 }
        guard file == "ui_messages.json" else { return 0 }
        guard !h.isBinary, h.contains("\"say\""), h.contains("\"ts\"") else { return 0 }
        if path.contains("/" + tool.extensionID + "/") { return 96 }
        if Tool.allCases.contains(where: { path.contains("/" + $0.extensionID + "/") }) { return 0 }
        // Outside an extension folder: Roo Code and Kilo Code write `apiProtocol`; Cline does not.
        switch tool {
        case .cline: return 80
        case .rooCode: return h.contains("apiProtocol") ? 85 : 0
        case .kiloCode: return 0
        }
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        ClineTaskParser(context: context, tool: tool)
    }
}

final class ClineTaskParser: LogParser {
    private let context: ImportContext
    private let tool: ClineTaskAdapter.Tool

    init(context: ImportContext, tool: ClineTaskAdapter.Tool) {
        self.context = context
        self.tool = tool
    }

    /// Roo Code's "Fix cost and token tracking between provider styles" (31 October 2025): from then
    /// on `tokensIn` is the whole prompt for the Anthropic protocol too.
    static let rooWholePromptSince = Date(timeIntervalSince1970: 1_761_868_800) // 2025-10-31T00:00:00Z

    /// Cline providers whose `tokensIn` is the whole prompt (cache reads included).
    static let clineWholePromptProviders: Set<String> = ["openai", "xai"]

    func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void) {
        // The task folder's other files (the API history, metadata, settings) hold no usage.
        guard context.file.lastPathComponent == "ui_messages.json" else { emit(.skipped); return }
        let value: JSONValue
        do { value = try JSONParser.parse(document) } catch {
            emit(.malformed(reason: "the JSON document cannot be read: \(error.message)", line: 1))
            return
        }
        guard let messages = value.array else {
            emit(.malformed(reason: "ui_messages.json is \(LogSupport.kind(of: value)), not an array of messages", line: 1))
            return
        }
        let models = SiblingModels(folder: context.file.deletingLastPathComponent())
        let task = context.file.deletingLastPathComponent().lastPathComponent
        var emitted = false
        for message in messages {
            guard message["say"]?.string == "api_req_started" else { continue }
            emitted = true
            emit(item(message, task: task, models: models))
        }
        if !emitted { emit(.skipped) }
    }

    /// The record one `api_req_started` message stands for, or why it is none.
    private func item(_ message: JSONValue, task: String, models: SiblingModels) -> LogItem {
        do throws(UsageProblem) {
            guard let tsValue = message["ts"], let time = LogSupport.milliseconds(tsValue), let ts = tsValue.int else {
                throw UsageProblem("an api_req_started message has no readable ts")
            }
            guard let text = message["text"]?.string, !text.isEmpty else { return .skipped }
            let info: JSONValue
            do { info = try JSONParser.parse(text) } catch {
                throw UsageProblem("the api_req_started text is not JSON: \(error.message)")
            }
            // A request still running, or one that failed before any answer: nothing billed yet.
            guard info["tokensIn"] != nil || info["tokensOut"] != nil || info["cost"] != nil else { return .skipped }
            let count = OpenAIUsageTokens.count
            let tokensIn = try count(info["tokensIn"], "tokensIn")
            let tokensOut = try count(info["tokensOut"], "tokensOut")
            let writes = try count(info["cacheWrites"], "cacheWrites")
            let reads = try count(info["cacheReads"], "cacheReads")
            var reported: Money?
            if let cost = info["cost"], !cost.isNull {
                guard let t = LogSupport.text(cost), let m = LogSupport.money(t) else { throw UsageProblem("cost is not a decimal amount") }
                reported = m
            }

            let own = message["modelInfo"]
            let found = own?["modelId"]?.string.map { (model: $0, provider: own?["providerId"]?.string) } ?? models.model(at: ts)
            let model = found?.model ?? "unknown"
            let providerID = found?.provider.map(LogSupport.normalizedProvider)

            let wholePrompt: Bool
            if let proto = info["apiProtocol"]?.string {
                wholePrompt = proto == "openai" || time >= Self.rooWholePromptSince
            } else {
                wholePrompt = providerID.map(Self.clineWholePromptProviders.contains) ?? false
            }
            let input = wholePrompt && tokensIn >= reads + writes ? tokensIn - reads - writes : tokensIn
            let t = TokenCounts(input: input, cacheRead: reads, cacheWrite5m: writes, output: tokensOut)
            if let why = t.quickInconsistency { throw UsageProblem(why) }
            if t.total == 0 && reported == nil { return .skipped }

            var extra: [String: String] = [:]
            let provider: String
            if let providerID, OpenCodeParser.billingProviders.contains(providerID) {
                provider = providerID
            } else {
                provider = LogSupport.provider(forModel: model)
                if let via = found?.provider, !via.isEmpty { extra["via"] = via }
            }
            let record = UsageRecord(
                timestamp: time, provider: provider, model: model, tokens: t, source: tool.rawValue,
                channel: context.channel, project: context.project ?? models.project,
                tags: extra.isEmpty ? context.tags : context.tags.merging(extra) { user, _ in user },
                reportedCost: reported, requestID: String(ts), sessionID: task)
            return .entry(LedgerEntry(record: record, dedupKey: "\(tool.rawValue):\(task):\(ts)",
                                      location: SourceLocation(file: context.file.path, line: 1), supersedeRank: t.total))
        } catch {
            return .malformed(reason: error.reason, line: 1)
        }
    }
}

/// The model (and provider) of a task's requests from the task folder's other files, read once per
/// task and only when a request does not name its model itself.
final class SiblingModels {
    private let folder: URL
    private var loaded = false
    /// (time in ms, model, provider), oldest first.
    private var entries: [(ts: Int, model: String, provider: String?)] = []
    private var projectName: String??
    /// The entries come from Roo Code's API history (each follows its request), not Cline's metadata.
    private var fromHistory = false

    init(folder: URL) { self.folder = folder }

    /// The model in force at `ts`. Cline's `model_usage`: the last entry at or before it (else the
    /// first). Roo Code's history: the first user message at or after it, which is the request's own
    /// (written just after its `api_req_started` message), else the last one before it.
    func model(at ts: Int) -> (model: String, provider: String?)? {
        load()
        guard !entries.isEmpty else { return nil }
        let pick = fromHistory
            ? entries.first(where: { $0.ts >= ts }) ?? entries.last
            : entries.last(where: { $0.ts <= ts }) ?? entries.first
        return pick.map { ($0.model, $0.provider) }
    }

    /// Roo Code's `history_item.json` workspace folder name.
    var project: String? {
        if let p = projectName { return p }
        let value = Self.json(folder.appendingPathComponent("history_item.json"))
        let p = LogSupport.project(fromWorkingDirectory: value?["workspace"]?.string)
        projectName = .some(p)
        return p
    }

    private func load() {
        guard !loaded else { return }
        loaded = true
        if let usage = Self.json(folder.appendingPathComponent("task_metadata.json"))?["model_usage"]?.array {
            for u in usage {
                guard let ts = u["ts"]?.int, let model = u["model_id"]?.string, !model.isEmpty else { continue }
                entries.append((ts, model, u["model_provider_id"]?.string))
            }
        }
        if entries.isEmpty, let history = Self.json(folder.appendingPathComponent("api_conversation_history.json"))?.array {
            fromHistory = true
            var last = 0
            for m in history where m["role"]?.string == "user" {
                guard let model = Self.environmentModel(m["content"]) else { continue }
                let ts = m["ts"]?.int ?? last
                last = ts
                entries.append((ts, model, nil))
            }
        }
        entries.sort { $0.ts < $1.ts }
    }

    /// The text between `<model>` and `</model>` in a message's text blocks (Roo Code's and Kilo
    /// Code's environment details), the last one when there are several.
    static func environmentModel(_ content: JSONValue?) -> String? {
        var texts: [String] = []
        if let s = content?.string { texts = [s] }
        else if let blocks = content?.array { texts = blocks.compactMap { $0["type"]?.string == "text" ? $0["text"]?.string : nil } }
        var found: String?
        for text in texts {
            var rest = Substring(text)
            while let open = rest.range(of: "<model>"), let close = rest.range(of: "</model>", range: open.upperBound..<rest.endIndex) {
                let model = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
                if !model.isEmpty && model.count <= 200 && !model.contains("\n") { found = model }
                rest = rest[close.upperBound...]
            }
        }
        return found
    }

    private static func json(_ url: URL) -> JSONValue? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONParser.parse([UInt8](data))
    }
}
