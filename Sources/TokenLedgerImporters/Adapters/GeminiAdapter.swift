import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Google Gemini / Vertex AI `GenerateContentResponse`s with `usageMetadata`: JSON, JSON Lines, raw
/// SSE (`alt=sse`) and `streamGenerateContent` chunk arrays. Chunks of one streamed response share
/// a `responseId` and repeat a growing usage; only the last consecutive chunk of an id is emitted,
/// ranked by its `totalTokenCount` so a stream continued in a later run replaces its earlier copy;
/// a chunk not yet emitted travels in the checkpoint state. A line that cannot be read ends the run
/// of chunks (the chunk before it is emitted on its own).
///
/// Tokens: `promptTokenCount` INCLUDES `cachedContentTokenCount`, and `toolUsePromptTokenCount` is
/// billed as input too, so `input = prompt − cached + toolUse`, `cacheRead = cached`;
/// `thoughtsTokenCount` is NOT part of `candidatesTokenCount`, so `output = candidates + thoughts`,
/// `reasoning = thoughts`. Audio/image input is the AUDIO/IMAGE modality of `promptTokensDetails`
/// less that of `cacheTokensDetails`; audio/image output from `candidatesTokensDetails`.
/// Model: `modelVersion`, else a wrapper's `model`; "unknown" (left unpriced) when neither is there.
/// Time: `createTime` (Vertex), else a wrapper's `timestamp`/`created_at`, else the file's mtime.
/// Wrappers: `{"key"|"request", "response": {…}}`; `key` (Gemini Batch API) or `status` (Vertex
/// batch prediction) mark the record as batch. Errors (`{"error": …}`) are skipped.
/// Dedup key: `google:<responseId>`, or for old responses without one `google:sha-<hash of the response>`.
package struct GeminiAdapter: LogAdapter {
    public init() {}
    public var name: String { "gemini" }
    public var summary: String { "Google Gemini / Vertex AI responses with usageMetadata (JSON, JSONL, streams); thoughts billed as output" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        return !h.isBinary && h.contains("\"usageMetadata\"") ? 95 : 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        GeminiParser(context: context, state: state)
    }
}

final class GeminiParser: StructuredLogParser {
    /// The last chunk read, kept as read: emitted when a different response begins or the data ends,
    /// and saved with a mid-file checkpoint so a run killed before emitting it still records it.
    private struct Pending {
        var response: JSONObject
        var model: String?
        var time: Date?
        var isBatch: Bool
        var line: Int
        var responseID: String? { response["responseId"]?.string }
    }

    private var pending: Pending?

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object else {
            flushPending(emit: emit)
            emit(.malformed(reason: LogSupport.notAnObject(object, expected: "a Gemini response object"), line: line))
            return
        }
        var chunk = Pending(response: o, model: nil, time: nil, isBatch: false, line: line)
        if o["usageMetadata"] == nil, case .object(let inner)? = o["response"] {
            chunk.response = inner
            chunk.model = o["model"]?.string ?? o["request"]?["model"]?.string
            chunk.time = (o["timestamp"] ?? o["created_at"]).flatMap(LogSupport.date)
            chunk.isBatch = o["key"] != nil || o["status"] != nil
        }
        guard chunk.response["usageMetadata"] != nil else {
            flushPending(emit: emit)
            if chunk.response["candidates"] == nil || o["error"] != nil { emit(.skipped); return }
            // A finished response with no usage cost something unknown: said, not dropped.
            if Self.finished(.object(chunk.response)) {
                emit(.malformed(reason: "a finished response without usageMetadata, so its tokens are unknown", line: line))
            }
            return // a chunk without usage: part of a stream
        }
        if let p = pending, p.responseID == nil || p.responseID != chunk.responseID { flushPending(emit: emit) }
        pending = chunk
    }

    override var carried: JSONValue? {
        guard let p = pending else { return nil }
        return ["response": .object(p.response), "model": .optional(p.model),
                "time": .optional(p.time.map(Timestamp.iso8601)), "batch": .bool(p.isBatch), "line": .int(p.line)]
    }

    override func restore(_ carried: JSONValue) {
        guard case .object(let response)? = carried["response"] else { return }
        pending = Pending(response: response, model: carried["model"]?.string,
                          time: carried["time"]?.string.flatMap { Timestamp.parse($0) },
                          isBatch: carried["batch"]?.bool ?? false, line: carried["line"]?.int ?? 0)
    }

    /// An array document is either several responses or one stream's chunks. Chunks of old streams
    /// carry no `responseId`; they are recognised by only the last one having a `finishReason`, and
    /// only that last chunk (with the final usage) is read.
    override func handle(document: JSONValue, line: Int, emit: (LogItem) -> Void) {
        if case .array(let items) = document, items.count > 1,
           items.allSatisfy({ $0["responseId"] == nil && $0["response"] == nil }),
           let last = items.last, Self.finished(last), !items.dropLast().contains(where: Self.finished) {
            handle(object: last, line: line, emit: emit)
            return
        }
        super.handle(document: document, line: line, emit: emit)
    }

    private static func finished(_ chunk: JSONValue) -> Bool {
        chunk["candidates"]?.array?.contains { $0["finishReason"] != nil } ?? false
    }

    override func flush(emit: (LogItem) -> Void) { flushPending(emit: emit) }

    /// A damaged line between two chunks of one id: they may not be one stream, so the held chunk is
    /// emitted on its own (a later chunk of the same response, with the same key, still replaces it
    /// by its larger total, or adds nothing: never counted twice).
    override func lineUnreadable(emit: (LogItem) -> Void) { flushPending(emit: emit) }

    private func flushPending(emit: (LogItem) -> Void) {
        guard let p = pending else { return }
        pending = nil
        do {
            emit(try record(p))
        } catch {
            emit(.malformed(reason: error.reason, line: p.line))
        }
    }

    private func record(_ p: Pending) throws(UsageProblem) -> LogItem {
        let response = p.response
        guard case .object(let usage)? = response["usageMetadata"] else { throw UsageProblem("usageMetadata is not an object") }
        let responseID = p.responseID
        let count = OpenAIUsageTokens.count
        let prompt = try count(usage["promptTokenCount"], "promptTokenCount")
        let cached = try count(usage["cachedContentTokenCount"], "cachedContentTokenCount")
        let toolUse = try count(usage["toolUsePromptTokenCount"], "toolUsePromptTokenCount")
        let candidates = try count(usage["candidatesTokenCount"], "candidatesTokenCount")
        let thoughts = try count(usage["thoughtsTokenCount"], "thoughtsTokenCount")
        guard cached <= prompt else {
            throw UsageProblem("cachedContentTokenCount (\(cached)) exceeds promptTokenCount (\(prompt))")
        }
        var t = TokenCounts(input: prompt - cached + toolUse, cacheRead: cached, output: candidates + thoughts, reasoning: thoughts)
        func modality(_ list: JSONValue?, _ name: String) -> Int {
            guard let list = list?.array else { return 0 }
            return list.reduce(0) { $0 + ($1["modality"]?.string == name ? ($1["tokenCount"]?.int ?? 0) : 0) }
        }
        t.imageInput = min(max(0, modality(usage["promptTokensDetails"], "IMAGE") - modality(usage["cacheTokensDetails"], "IMAGE")), t.input)
        t.audioInput = min(max(0, modality(usage["promptTokensDetails"], "AUDIO") - modality(usage["cacheTokensDetails"], "AUDIO")), t.input - t.imageInput)
        t.imageOutput = min(modality(usage["candidatesTokensDetails"], "IMAGE"), candidates)
        t.audioOutput = min(modality(usage["candidatesTokensDetails"], "AUDIO"), candidates - t.imageOutput)
        if let problem = t.quickInconsistency { throw UsageProblem(problem) }
        let timestamp = response["createTime"]?.string.flatMap { Timestamp.parse($0) } ?? p.time ?? fileDate
        let key = responseID.map { "google:" + $0 }
            ?? "google:sha-" + SHA256.shortHash(of: JSONValue.object(response).serialized(), length: 16)
        let record = UsageRecord(
            timestamp: timestamp, provider: "google",
            model: response["modelVersion"]?.string ?? p.model ?? "unknown", isBatch: p.isBatch, tokens: t,
            source: "gemini", channel: context.channel, project: context.project, tags: context.tags,
            requestID: responseID)
        // A later chunk of the same response (a stream continued in the next run) carries more tokens.
        let total = usage["totalTokenCount"]?.int ?? (prompt + toolUse + candidates + thoughts)
        return entry(record, key: key, line: p.line, rank: total)
    }
}
