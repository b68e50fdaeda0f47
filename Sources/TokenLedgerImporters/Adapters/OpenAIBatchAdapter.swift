import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenAI Batch API output JSONL, joined with its input JSONL on `custom_id` to learn each
/// request's effort tier (`reasoning_effort` or `reasoning.effort`) and model, and billed as batch
/// (`isBatch`, half price). Bodies may be Chat Completions, Responses or embeddings objects.
/// Lines with an `error`, a null `response` or a 4xx/5xx `status_code` cost nothing and are skipped.
///
/// Which input file: the `batch-input` option (`--batch-input PATH`) if given; otherwise the file
/// next to the output whose name has its last "output" replaced by "input"
/// (`batch_abc_output.jsonl` → `batch_abc_input.jsonl`); otherwise none, and the effort is known only
/// where the body echoes it (Responses objects). The input is read lazily, once, when the first
/// successful line needs it, keeping only custom_id → (model, effort).
/// Dedup key: `openai:<body id>` (the chatcmpl/resp id, so the same response logged elsewhere is not
/// counted twice), or `openai-batch:<batch_req id>` for bodies without an id (embeddings).
package struct OpenAIBatchAdapter: LogAdapter {
    public init() {}
    public var name: String { "openai-batch" }
    public var summary: String { "OpenAI Batch API output JSONL, joined with its input JSONL for effort tiers; billed at batch rates" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        guard h.contains("\"custom_id\"") else { return 0 }
        if h.contains("\"response\"") && (h.containsPair("id", "batch_req_*") || h.contains("\"status_code\"")) { return 95 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenAIBatchParser(context: context, state: state)
    }

    /// Whether a file's first bytes look like a Batch API *input* file (requests: `custom_id`,
    /// `method`, `url`, `body`; no `response`). Such a file holds no usage: it is read only when
    /// joined with its output file, and a folder import passes over it without a warning.
    public static func isBatchInput(head: [UInt8]) -> Bool {
        let h = FileHead(head)
        return !h.isBinary && h.contains("\"custom_id\"") && h.contains("\"method\"") && h.contains("\"body\"")
            && h.contains("\"url\"") && !h.contains("\"response\"")
    }

    /// The input JSONL this output file is joined with, by the rule above; nil when there is none.
    public static func inputFile(for output: URL, options: [String: String]) -> URL? {
        if let given = options["batch-input"], !given.isEmpty {
            return URL(fileURLWithPath: (given as NSString).expandingTildeInPath)
        }
        let name = output.lastPathComponent
        guard let range = name.range(of: "output", options: .backwards) else { return nil }
        let sibling = output.deletingLastPathComponent().appendingPathComponent(name.replacingCharacters(in: range, with: "input"))
        return FileManager.default.isReadableFile(atPath: sibling.path) ? sibling : nil
    }
}

final class OpenAIBatchParser: StructuredLogParser {
    struct Request { var model: String?; var effort: EffortTier }

    private var requests: [String: Request]?
    private var inputProblem: String?
    private var reportedInputProblem = false

    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        guard case .object(let o) = object, let customID = o["custom_id"]?.string else {
            emit(.malformed(reason: object.object == nil ? LogSupport.notAnObject(object, expected: "a Batch API output line")
                                : "expected a Batch API output line with a custom_id", line: line))
            return
        }
        if o["method"] != nil && o["response"] == nil {
            emit(.skipped) // a request line (an input file read as output): no usage
            return
        }
        if let error = o["error"], !error.isNull {
            emit(.skipped)
            return
        }
        guard case .object(let response)? = o["response"] else {
            emit(.skipped)
            return
        }
        if let status = response["status_code"]?.int, !(200..<300).contains(status) {
            emit(.skipped) // 4xx/5xx: the error is in the body and costs nothing
            return
        }
        guard case .object(var body)? = response["body"] else {
            emit(.malformed(reason: "the batch response has no body", line: line))
            return
        }
        let request = lookUp(customID)
        if !reportedInputProblem, let inputProblem {
            reportedInputProblem = true
            emit(.malformed(reason: inputProblem, line: line))
        }
        let batchRequestID = o["id"]?.string
        let key: String
        if let id = body["id"]?.string, !id.isEmpty {
            key = "openai:" + id
        } else if let batchRequestID {
            key = "openai-batch:" + batchRequestID
            body["id"] = .string(batchRequestID)
        } else {
            emit(.malformed(reason: "neither the line nor its body has an id", line: line))
            return
        }
        if body["model"] == nil, let model = request?.model { body["model"] = .string(model) }
        if body["created"] == nil && body["created_at"] == nil {
            body["created"] = .number(String(Int64(fileDate.timeIntervalSince1970))) // embeddings carry no time
        }
        do {
            guard let r = try OpenAIResponseSummary.read(body) else {
                emit(.skipped)
                return
            }
            let record = UsageRecord(
                timestamp: r.timestamp, provider: r.provider, model: r.model,
                effort: r.effort.isKnown ? r.effort : (request?.effort ?? .unknown),
                serviceTier: r.serviceTier, isBatch: true, tokens: r.tokens, source: "openai-batch",
                channel: context.channel, project: context.project, tags: context.tags,
                requestID: response["request_id"]?.string ?? r.id)
            emit(entry(record, key: key, line: line))
        } catch {
            emit(.malformed(reason: error.reason, line: line))
        }
    }

    /// The input request for `customID`, reading the input file on first use.
    private func lookUp(_ customID: String) -> Request? {
        if requests == nil { requests = loadInput() }
        return requests?[customID]
    }

    private func loadInput() -> [String: Request] {
        guard let url = OpenAIBatchAdapter.inputFile(for: context.file, options: context.options) else { return [:] }
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else {
            inputProblem = "the batch input file \(url.path) cannot be read, so effort tiers are unknown; check the --batch-input path"
            return [:]
        }
        var map: [String: Request] = [:]
        data.withUnsafeBytes { (all: UnsafeRawBufferPointer) in
            DocumentLines.forEach(in: all) { line, _ in
                guard let value = try? JSONParser.parse(line), let id = value["custom_id"]?.string else { return }
                let body = value["body"]
                let effort = body?["reasoning_effort"]?.string ?? body?["reasoning"]?["effort"]?.string
                map[id] = Request(model: body?["model"]?.string, effort: EffortTier(effort))
            }
        }
        return map
    }
}
