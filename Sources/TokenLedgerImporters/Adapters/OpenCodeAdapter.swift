import Foundation
import TokenLedgerCore
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
public struct OpenCodeAdapter: LogAdapter {
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

    public func detect(path: String, head: [UInt8]) -> Int {
        guard path.hasSuffix(".json") else { return 0 }
        let h = FileHead(head)
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
        guard case .object = value else {
            emit(.malformed(reason: LogSupport.notAnObject(value, expected: "an OpenCode message object"), line: 1))
            return
        }
        // The older shape keeps the assistant's details under metadata.assistant.
        let meta = value["metadata"]
        let assistant = meta?["assistant"] ?? value
        guard value["role"]?.string == "assistant" || meta?["assistant"]?.object != nil else { emit(.skipped); return }
        guard let tokens = assistant["tokens"], tokens.object != nil else { emit(.skipped); return }
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
            if t.total == 0 && time?["completed"] == nil { emit(.skipped); return }
            guard let id = value["id"]?.string, !id.isEmpty else { throw UsageProblem("the message has no id") }
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
            if Self.billingProviders.contains(named) {
                provider = named
            } else {
                provider = LogSupport.provider(forModel: model)
                if !providerID.isEmpty { extra["via"] = providerID }
            }
            let cwd = assistant["path"]?["cwd"]?.string ?? assistant["path"]?["root"]?.string
            let session = value["sessionID"]?.string ?? meta?["sessionID"]?.string
            let record = UsageRecord(
                timestamp: timestamp, provider: provider, model: model, tokens: t, source: "opencode",
                channel: context.channel, project: context.project ?? LogSupport.project(fromWorkingDirectory: cwd),
                tags: extra.isEmpty ? context.tags : context.tags.merging(extra) { user, _ in user },
                reportedCost: reported, requestID: id, sessionID: session)
            emit(.entry(LedgerEntry(record: record, dedupKey: "opencode:" + id,
                                    location: SourceLocation(file: context.file.path, line: 1), supersedeRank: max(total, t.total))))
        } catch {
            emit(.malformed(reason: error.reason, line: 1))
        }
    }
}
