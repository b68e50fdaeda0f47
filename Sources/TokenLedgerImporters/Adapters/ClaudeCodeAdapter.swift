import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Claude Code session logs: `~/.claude/projects/<project>/<session>.jsonl` and subagent files
/// `<session>/subagents/*.jsonl` (formats.md §6).
///
/// - Only `"type":"assistant"` lines with `message.usage` are usage; API-error lines
///   (`isApiErrorMessage`, model `<synthetic>`) are skipped.
/// - One API response is written as one line per content block, all with the same `message.id` and
///   `requestId` and a placeholder `output_tokens` on the earlier lines. The dedup key
///   `anthropic:<message.id>:<requestId>` makes them one record and `supersedeRank`
///   (`output_tokens × 2 + (isSidechain ? 0 : 1)`) keeps the line with the largest output, preferring
///   the main-chain copy over a subagent's. The key is the Anthropic API's, so the same response
///   imported by another route collides.
/// - Tokens: `input_tokens` is already uncached; cache writes come from `cache_creation`'s 5m/1h split
///   (older lines: `cache_creation_input_tokens`, counted as 5m); `thinking_tokens` ⊂ output.
/// - Project and repository: the last component of `cwd` (`--project` overrides the project only);
///   branch: the line's `gitBranch`. `speed: "fast"` becomes service tier
///   "fast" (a price table can give that tier its own prices); otherwise `usage.service_tier`.
/// - Legacy `costUSD` (≤ 1.0.8) is kept as the reported cost, exact from the number's text.
package struct ClaudeCodeAdapter: LogAdapter {
    public init() {}

    public var name: String { "claude-code" }
    public var summary: String { "Claude Code session logs (~/.claude/projects/**/*.jsonl, subagents included)" }
    public var layout: LogLayout { .lines }

    /// `$CLAUDE_CONFIG_DIR/projects` for each entry of that comma-separated list, then
    /// `$XDG_CONFIG_HOME/claude/projects`, `~/.config/claude/projects` and `~/.claude/projects`.
    /// Every candidate is returned, existing or not (the pipeline reads those that exist and names
    /// the others when none does). Cost: string work only.
    public func defaultRoots(paths: Paths) -> [URL] {
        var candidates: [String] = []
        if let dirs = paths.nonEmpty("CLAUDE_CONFIG_DIR") {
            for dir in dirs.split(separator: ",") {
                let d = dir.trimmingCharacters(in: .whitespaces)
                if !d.isEmpty { candidates.append(paths.expandTilde(d) + "/projects") }
            }
        }
        if let xdg = paths.nonEmpty("XDG_CONFIG_HOME") { candidates.append(xdg + "/claude/projects") }
        if let home = paths.home?.path {
            candidates.append(home + "/.config/claude/projects")
            candidates.append(home + "/.claude/projects")
        }
        var seen = Set<String>()
        var roots: [URL] = []
        for c in candidates {
            let url = URL(fileURLWithPath: c).standardizedFileURL
            if seen.insert(url.path).inserted { roots.append(url) }
        }
        return roots
    }

    public func detect(fileName: String, head: [UInt8]) -> Int {
        detect(path: fileName, head: head)
    }

    /// Current lines carry `sessionId` and `uuid`. Older lines (and transcripts re-exported by other
    /// tools) have no `type` or `uuid`: they are recognised by `sessionId` with a `message`, and by
    /// where they are (under a `claude/projects` or `.claude/projects` folder) or Claude Code's own
    /// `costUSD` field.
    public func detect(path: String, head: [UInt8]) -> Int { detect(path: path, head: FileHead(head)) }

    func detect(path: String, head h: FileHead) -> Int {
        guard path.hasSuffix(".jsonl") else { return 0 }
        guard h.contains("\"sessionId\"") else { return 0 }
        // Qwen Code's records also carry sessionId, uuid and parentUuid, with Gemini-style usage.
        if path.contains("/.qwen/") || h.contains("\"usageMetadata\"") { return 0 }
        if h.contains("\"uuid\"") {
            if h.contains("\"parentUuid\"") || h.contains("\"isSidechain\"") { return 95 }
            return 80
        }
        guard h.contains("\"message\"") else { return 0 }
        if Self.isUnderProjectsFolder(path) { return 90 }
        if h.contains("\"costUSD\"") { return 85 }
        return 0
    }

    /// True for a path inside a Claude Code projects folder (`…/.claude/projects/…`,
    /// `…/claude/projects/…`).
    static func isUnderProjectsFolder(_ path: String) -> Bool {
        path.contains("/.claude/projects/") || path.contains("/claude/projects/")
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        ClaudeCodeParser(context: context)
    }
}

final class ClaudeCodeParser: LogParser {
    private let context: ImportContext
    /// A session keeps one id, working directory, branch and model for thousands of lines: each is made
    /// into a `String` (and the folder into a project name) when its bytes change, not on every line.
    /// Unchecked: a parser is used from one thread at a time, and what runs during an access to one
    /// (`RepeatedText.value`'s `make`: `{ $0 }`, a project name, a branch name) touches none of them,
    /// so the four dynamic exclusivity checks a line cost (about 320 instructions) guard nothing.
    @exclusivity(unchecked) private var sessions = RepeatedText()
    @exclusivity(unchecked) private var folders = RepeatedText()
    @exclusivity(unchecked) private var branches = RepeatedText()
    @exclusivity(unchecked) private var models = RepeatedText()

    init(context: ImportContext) { self.context = context }

    /// The filter's needle, searched a needle's length a step (`ByteSearch`): a search to each quote
    /// stopped some forty times on every line.
    private static let assistant = ByteSearch("\"assistant\"")

    func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        parse(handingOver: line, number: number, to: { emit($0) })
    }

    /// Each item is handed over, not lent: the import's reader keeps the entry
    /// without retaining its dozen strings once more and then releasing this parser's references.
    func parse(handingOver line: UnsafeRawBufferPointer, number: Int, to emit: (consuming LogItem) -> Void) {
        // Fast path: most lines (user turns, tool results, summaries) are not assistant messages.
        // A byte search rejects them without parsing; a cheap shape check still catches a line cut short.
        guard Self.assistant.offset(in: line) != nil else {
            if isBlank(line) { return }
            if LogSupport.looksLikeObject(line) { emit(.skipped) } else { emit(.malformed(reason: LogSupport.nonObjectReason(line), line: number)) }
            return
        }
        var scanned = ClaudeCodeLine()
        do { try ClaudeCodeLineScanner.scan(line, into: &scanned) } catch {
            emit(.malformed(reason: "invalid JSON at byte \(error.offset): \(error.reason)", line: number))
            return
        }
        let value = consume scanned
        // Older versions and tools that re-export transcripts leave out `type` (and `uuid`); the
        // message's own role says the same.
        let isAssistant = value.type.map { $0.equals("assistant", in: line) } ?? (value.role?.equals("assistant", in: line) ?? false)
        guard isAssistant, value.plainUsage != nil || value.usage?.object != nil else { emit(.skipped); return }
        let model = value.model.map { models.value(of: $0, in: line) { $0 } ?? "" } ?? ""
        if value.isAPIError || model == "<synthetic>" { emit(.skipped); return }
        guard !model.isEmpty else { emit(.malformed(reason: "an assistant message with usage has no message.model", line: number)); return }
        guard let time = value.timestamp, let timestamp = Self.timestamp(time, in: line) else {
            emit(.malformed(reason: "the line has no readable timestamp", line: number))
            return
        }

        var tokens = TokenCounts()
        var units = UnitCounts()
        let serviceTier: String?
        if let plain = value.plainUsage {
            // Counts the plain shape holds are whole and non-negative: nothing to quarantine here.
            tokens.input = plain.inputTokens ?? 0
            tokens.output = plain.outputTokens ?? 0
            tokens.cacheRead = plain.cacheReadInputTokens ?? 0
            if plain.ephemeral5mInputTokens != nil || plain.ephemeral1hInputTokens != nil {
                tokens.cacheWrite5m = plain.ephemeral5mInputTokens ?? 0
                tokens.cacheWrite1h = plain.ephemeral1hInputTokens ?? 0
            } else {
                tokens.cacheWrite5m = plain.cacheCreationInputTokens ?? 0
            }
            tokens.reasoning = plain.thinkingTokens ?? 0
            units.webSearchCalls = plain.webSearchRequests ?? 0
            serviceTier = plain.speed == "fast" ? "fast" : plain.serviceTier
        } else if let usage = value.usage {
            guard let read = Self.counts(usage, line: number, emit: { emit($0) }) else { return }
            (tokens, units, serviceTier) = read
        } else {
            emit(.skipped)
            return
        }
        if let why = tokens.inconsistency { emit(.malformed(reason: why, line: number)); return }

        var reported: Money?
        if let cost = value.costUSD, !cost.isNull {
            guard let m = cost.money else { emit(.malformed(reason: "costUSD is not a decimal amount", line: number)); return }
            reported = m
        }
        let sidechain = value.isSidechain
        let sessionID = value.sessionID.flatMap { sessions.value(of: $0, in: line) { $0 } }
        let requestID = value.requestID?.string(in: line)
        let key: String
        if let messageID = value.messageID, let request = value.requestID {
            key = Self.dedupKey(messageID: messageID, requestID: request, in: line)
        }
        else if let messageID = value.messageID { key = "anthropic:\(messageID.string(in: line))" }
        else if let uuid = value.uuid { key = "claude-code:\(uuid.string(in: line))" }
        else if let sessionID { key = "claude-code:\(sessionID):\(time.string(in: line))" }
        else { emit(.malformed(reason: "an assistant message has no message.id, uuid or sessionId to identify it", line: number)); return }

        let folder = value.cwd.map { folders.value(of: $0, in: line) { LogSupport.project(fromWorkingDirectory: $0) } }
            ?? LogSupport.project(fromWorkingDirectory: nil)
        let record = UsageRecord(
            timestamp: timestamp, provider: "anthropic", model: model, serviceTier: serviceTier,
            tokens: tokens, units: units, source: "claude-code", channel: context.channel,
            project: context.project ?? folder,
            tags: context.tags, reportedCost: reported, requestID: requestID ?? value.messageID?.string(in: line),
            sessionID: sessionID, repository: folder,
            branch: value.gitBranch.flatMap { branches.value(of: $0, in: line) { RepositoryName.branch($0) } }
        )
        emit(.entry(LedgerEntry(record: record, dedupKey: key, supersedeRank: tokens.output * 2 + (sidechain ? 0 : 1))))
    }

    /// The line's time, parsed straight from its bytes when it has no escapes.
    private static func timestamp(_ text: ClaudeCodeText, in line: UnsafeRawBufferPointer) -> Date? {
        switch text {
        case .bytes(let range):
            return Timestamp.parse(utf8: UnsafeRawBufferPointer(rebasing: line[range]).assumingMemoryBound(to: UInt8.self))
        case .decoded(let text):
            return Timestamp.parse(text)
        }
    }

    /// `anthropic:<message.id>:<requestId>`, copied from the line's bytes into one string of its size
    /// when neither id has escapes. The same text as joining the two ids' strings: the separators are
    /// ASCII, so a byte sequence that is not UTF-8 is repaired alike within one id or within the key.
    static func dedupKey(messageID: ClaudeCodeText, requestID: ClaudeCodeText, in line: UnsafeRawBufferPointer) -> String {
        guard case .bytes(let m) = messageID, case .bytes(let r) = requestID, let base = line.baseAddress else {
            let message = messageID.string(in: line), request = requestID.string(in: line)
            var joined = "anthropic:"
            joined.reserveCapacity(11 + message.utf8.count + request.utf8.count)
            joined += message
            joined += ":"
            joined += request
            return joined
        }
        let prefix: StaticString = "anthropic:"
        let p = prefix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: p + m.count + 1 + r.count) { out in
            guard let o = out.baseAddress else { return 0 }
            memcpy(o, prefix.utf8Start, p)
            memcpy(o + p, base + m.lowerBound, m.count)
            o[p + m.count] = UInt8(ascii: ":")
            memcpy(o + p + m.count + 1, base + r.lowerBound, r.count)
            return p + m.count + 1 + r.count
        }
    }

    /// The counts and service tier of a usage object parsed whole (any shape `ClaudeCodeUsage`
    /// declines); nil after emitting the line as malformed when a count is not a whole number.
    private static func counts(_ usage: JSONValue, line number: Int, emit: (LogItem) -> Void)
        -> (tokens: TokenCounts, units: UnitCounts, serviceTier: String?)?
    {
        var bad: String?
        var tokens = TokenCounts()
        tokens.input = LogSupport.tokens(usage["input_tokens"], &bad, "input_tokens") ?? 0
        tokens.output = LogSupport.tokens(usage["output_tokens"], &bad, "output_tokens") ?? 0
        tokens.cacheRead = LogSupport.tokens(usage["cache_read_input_tokens"], &bad, "cache_read_input_tokens") ?? 0
        let creation = usage["cache_creation"]
        let w5 = LogSupport.tokens(creation?["ephemeral_5m_input_tokens"], &bad, "ephemeral_5m_input_tokens")
        let w1 = LogSupport.tokens(creation?["ephemeral_1h_input_tokens"], &bad, "ephemeral_1h_input_tokens")
        if w5 != nil || w1 != nil {
            tokens.cacheWrite5m = w5 ?? 0
            tokens.cacheWrite1h = w1 ?? 0
        } else {
            tokens.cacheWrite5m = LogSupport.tokens(usage["cache_creation_input_tokens"], &bad, "cache_creation_input_tokens") ?? 0
        }
        tokens.reasoning = LogSupport.tokens(usage[path: "output_tokens_details", "thinking_tokens"], &bad, "thinking_tokens") ?? 0
        var units = UnitCounts()
        units.webSearchCalls = LogSupport.tokens(usage[path: "server_tool_use", "web_search_requests"], &bad, "web_search_requests") ?? 0
        if let bad {
            emit(.malformed(reason: bad, line: number))
            return nil
        }
        let serviceTier: String?
        if let speed = usage["speed"]?.string, speed == "fast" { serviceTier = "fast" } else { serviceTier = usage["service_tier"]?.string }
        return (tokens, units, serviceTier)
    }

    private func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}

/// The last value of a member that stays the same from line to line, and what was made of it: a byte
/// comparison when it repeats instead of a `String` (and e.g. a project name) made again. A value with
/// escapes (`ClaudeCodeText.decoded`) is made each time and not remembered.
struct RepeatedText {
    private var bytes: [UInt8] = []
    private var made: String?
    private var known = false

    /// What `make` gives for the text; `make` runs only when the text's bytes differ from the last.
    mutating func value(of text: ClaudeCodeText, in line: UnsafeRawBufferPointer, _ make: (String) -> String?) -> String? {
        guard case .bytes(let range) = text else { return make(text.string(in: line)) }
        let now = UnsafeRawBufferPointer(rebasing: line[range])
        if known, bytes.withUnsafeBytes({ $0.sameBytes(as: now) }) { return made }
        bytes = Array(now)
        made = make(String(decoding: now, as: UTF8.self))
        known = true
        return made
    }
}
