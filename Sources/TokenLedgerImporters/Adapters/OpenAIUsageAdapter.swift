import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenAI organization Usage API pages (`"object": "page"`, buckets of results; JSON or JSON Lines)
/// and the dashboard's usage CSV export (same names as columns, read by header name). Every result
/// is an aggregated record (`isAggregate`, `requestCount = num_model_requests`) kept apart from
/// per-request records in reports, so nothing is counted twice.
///
/// Tokens: the Usage API's `input_tokens` INCLUDES cached and cache-write tokens, so
/// `input = input_uncached_tokens` when present, else `input_tokens − input_cached_tokens −
/// input_cache_write_tokens`; audio/image input count only their uncached part
/// (`input_audio_tokens − input_cached_audio_tokens`). Group fields: `model` (absent when the page
/// was not grouped by model: the record's model is "unknown" and stays unpriced), `project_id`
/// (→ project unless `--project`), `api_key_id` (→ short hash), `user_id` (→ tag), `batch` (→ isBatch),
/// `service_tier`. Completions, embeddings and moderations results are read (images: images
/// generated; audio speeches: `characters`; audio transcriptions: `seconds` of audio, the quantities
/// those models bill by); vector-store and code-interpreter results are not model usage and are skipped.
/// Dedup key: `openai-usage:<kind>:<start>:<end>:<project>:<user>:<key hash>:<model>:<batch>:<tier>`.
package struct OpenAIUsageAdapter: LogAdapter {
    public init() {}
    public var name: String { "openai-usage" }
    public var summary: String { "OpenAI Usage API pages (JSON) and the dashboard usage CSV export (aggregated buckets)" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        if h.contains("organization.usage.") { return 95 }
        if let columns = h.csvHeader, columns.has("num_model_requests") && columns.has("input_tokens") { return 95 }
        if h.containsPair("object", "page") && h.contains("\"num_model_requests\"") { return 90 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenAIUsageParser(context: context, state: state, acceptsCSV: true)
    }
}

final class OpenAIUsageParser: StructuredLogParser {
    /// The usage figures of one result, from JSON or from a CSV row.
    struct Fields {
        var kind: String
        var bucket: OpenAIAdminReport.Bucket
        var value: (String) -> JSONValue?
    }

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        if object["error"] != nil && object["data"] == nil {
            emit(.skipped) // a saved API error response: no usage
            return
        }
        OpenAIAdminReport.walk(object, result: { result, bucket in
            var kind = "completions"
            if let object = result["object"]?.string {
                // "organization.usage.completions.result" → "completions"
                let parts = object.split(separator: ".")
                if parts.count >= 3 { kind = String(parts[parts.count - 2]) }
            }
            read(Fields(kind: kind, bucket: bucket, value: { result[$0] }), line: line, emit: emit)
        }, problem: { emit(.malformed(reason: $0, line: line)) })
    }

    override func handle(row: CSVRow, line: Int, emit: (LogItem) -> Void) {
        guard let bucket = OpenAIAdminReport.bucket(of: row) else {
            emit(.malformed(reason: "the row has no start_time/end_time (or start_time_iso/end_time_iso)", line: line))
            return
        }
        var kind = "completions"
        if let object = row["object"] {
            let parts = object.split(separator: ".")
            if parts.count >= 3 { kind = String(parts[parts.count - 2]) }
        }
        read(Fields(kind: kind, bucket: bucket, value: { row[$0].map { .string($0) } }), line: line, emit: emit)
    }

    private func read(_ f: Fields, line: Int, emit: (LogItem) -> Void) {
        guard ["completions", "embeddings", "moderations", "images", "audio_speeches", "audio_transcriptions"].contains(f.kind) else {
            emit(.skipped) // vector-store bytes, code-interpreter sessions: not model usage
            return
        }
        do throws(UsageProblem) {
            func count(_ name: String) throws(UsageProblem) -> Int { try OpenAIUsageTokens.count(f.value(name), name) }
            var t = TokenCounts()
            var units = UnitCounts()
            let inputAll = try count("input_tokens")
            t.cacheRead = try count("input_cached_tokens")
            t.cacheWrite5m = try count("input_cache_write_tokens")
            if let uncached = f.value("input_uncached_tokens"), !uncached.isNull {
                t.input = try count("input_uncached_tokens")
            } else {
                t.input = inputAll - t.cacheRead - t.cacheWrite5m
            }
            if t.input < 0 {
                throw UsageProblem("cached (\(t.cacheRead)) and cache-write (\(t.cacheWrite5m)) tokens exceed the \(inputAll) input tokens")
            }
            t.imageInput = min(max(0, try count("input_image_tokens") - count("input_cached_image_tokens")), t.input)
            t.audioInput = min(max(0, try count("input_audio_tokens") - count("input_cached_audio_tokens")), t.input - t.imageInput)
            t.output = try count("output_tokens")
            t.audioOutput = try count("output_audio_tokens")
            t.imageOutput = try count("output_image_tokens")
            if let problem = t.quickInconsistency { throw UsageProblem(problem) }
            if f.kind == "images" { units.imagesGenerated = try count("images") }
            if f.kind == "audio_speeches" { units.characters = try count("characters") }
            if f.kind == "audio_transcriptions" { units.audioSeconds = try count("seconds") }
            let requests = try count("num_model_requests")
            if t.total == 0 && units.isEmpty && requests == 0 {
                emit(.skipped)
                return
            }
            let model = LogSupport.text(f.value("model"))
            let projectID = LogSupport.text(f.value("project_id"))
            let userID = LogSupport.text(f.value("user_id"))
            let keyHash = LogSupport.text(f.value("api_key_id")).map { SHA256.shortHash(of: $0) }
            let batch = OpenAIAdminReport.flag(f.value("batch"))
            let tier = LogSupport.text(f.value("service_tier"))
            var extra: [String: String] = [:]
            if let userID { extra["user_id"] = userID }
            if let projectID { extra["project_id"] = projectID }
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: TimeInterval(f.bucket.start)), provider: "openai",
                model: model ?? "unknown", serviceTier: tier, isBatch: batch ?? false, tokens: t, units: units,
                source: "openai-usage", channel: context.channel, project: context.project ?? projectID,
                tags: tags(extra), apiKeyHash: keyHash, requestCount: requests, isAggregate: true)
            let p = OpenAIAdminReport.part
            let key = "openai-usage:\(f.kind):\(f.bucket.start):\(f.bucket.end):\(p(projectID)):\(p(userID)):\(p(keyHash)):\(p(model)):\(p(batch.map { $0 ? "true" : "false" })):\(p(tier))"
            emit(entry(record, key: key, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }
}
