import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Kimi CLI (MoonshotAI/kimi-cli): each session's append-only `wire.jsonl` under
/// `~/.kimi/sessions/<md5 of the work folder>/<session id>/` (`$KIMI_SHARE_DIR` replaces `~/.kimi`;
/// subagents write their own under `subagents/`). A first `{"type": "metadata", "protocol_version"}`
/// line, then `{"timestamp": <Unix seconds>, "message": {"type", "payload"}}` records
/// (`src/kimi_cli/wire/file.py`). Each model step ends with a `StatusUpdate` whose
/// `payload.token_usage` is kosong's `TokenUsage {input_other, output, input_cache_read,
/// input_cache_creation}` — `input_other` already without the cache parts — and `message_id`.
///
/// No line names the model (Kimi CLI keeps it only in its configuration, as configured now, not as
/// used then), so records are stored with model `unknown`: counted, shown unpriced, never $0.
/// Dedup key `kimi-cli:<session>:<message_id>` (else the record's time).
package struct KimiCLIAdapter: LogAdapter {
    public init() {}
    public var name: String { "kimi-cli" }
    public var summary: String { "Kimi CLI sessions (~/.kimi/sessions/*/*/wire.jsonl; no model on disk, stored unpriced)" }
    public var layout: LogLayout { .lines }

    /// `$KIMI_SHARE_DIR/sessions` (else `~/.kimi/sessions`).
    public func defaultRoots(paths: Paths) -> [URL] {
        let base: String
        if let share = paths.nonEmpty("KIMI_SHARE_DIR") { base = paths.expandTilde(share) }
        else if let home = paths.home?.path { base = home + "/.kimi" }
        else { return [] }
        return [URL(fileURLWithPath: base + "/sessions").standardizedFileURL]
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    public func detect(path: String, head: [UInt8]) -> Int { detect(path: path, head: FileHead(head)) }

    func detect(path: String, head h: FileHead) -> Int {
        guard LogSupport.fileName(of: path) == "wire.jsonl" else { return 0 }
        guard !h.isBinary else { return 0 }
        if h.contains("\"protocol_version\"") || h.contains("\"StatusUpdate\"") { return 92 }
        return path.contains("/.kimi/") ? 90 : 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        KimiCLIParser(context: context, state: state)
    }
}

final class KimiCLIParser: StructuredLogParser {
    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "a wire record object"), line: line))
            return
        }
        guard let message = o["message"], message["type"]?.string == "StatusUpdate",
              let usage = message["payload"]?["token_usage"], !usage.isNull else {
            emit(.skipped) // the metadata line, turns, tool calls, status without usage
            return
        }
        do throws(UsageProblem) {
            guard usage.object != nil else { throw UsageProblem("token_usage is not an object") }
            let count = OpenAIUsageTokens.count
            let t = TokenCounts(input: try count(usage["input_other"], "token_usage.input_other"),
                                cacheRead: try count(usage["input_cache_read"], "token_usage.input_cache_read"),
                                cacheWrite5m: try count(usage["input_cache_creation"], "token_usage.input_cache_creation"),
                                output: try count(usage["output"], "token_usage.output"))
            if let why = t.quickInconsistency { throw UsageProblem(why) }
            guard let stamp = o["timestamp"], let time = LogSupport.date(stamp) else {
                throw UsageProblem("the record has no readable timestamp")
            }
            // wire.jsonl sits in <session>/ (or <session>/subagents/<agent>/).
            let folder = context.file.deletingLastPathComponent()
            let parent = folder.deletingLastPathComponent()
            let session = parent.lastPathComponent == "subagents" ? parent.deletingLastPathComponent().lastPathComponent : folder.lastPathComponent
            let messageID = message["payload"]?["message_id"]?.string
            let record = UsageRecord(
                timestamp: time, provider: "unknown", model: "unknown", tokens: t, source: "kimi-cli", channel: context.channel,
                project: context.project, tags: context.tags, requestID: messageID, sessionID: session)
            let id = messageID ?? LogSupport.text(stamp) ?? String(line)
            emit(entry(record, key: "kimi-cli:\(folder.lastPathComponent):\(id)", line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }
}
