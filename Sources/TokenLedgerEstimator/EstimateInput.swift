import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// What `tokenledger estimate` was given: a plain prompt, one API request body, or a Batch API input file.
public enum EstimateInputKind: String, Sendable, CaseIterable {
    /// Plain text: the whole input is one user prompt.
    case text
    /// A Chat Completions request body (`messages`, `tools`, `max_completion_tokens`, `reasoning_effort`).
    case chat
    /// A Responses API request body (`input`, `instructions`, `reasoning.effort`, `max_output_tokens`).
    case responses
    /// A Batch API input JSONL file: one `{"custom_id", "method", "url", "body"}` request per line.
    case batch

    /// Recognises the kind from the content alone. Cost: parses at most the first line (or the whole
    /// text when it is one JSON object).
    package static func detect(_ text: String) -> EstimateInputKind {
        let trimmed = text.drop(while: { $0.isWhitespace })
        guard trimmed.first == "{" else { return .text }
        let firstLine = trimmed.prefix(while: { $0 != "\n" })
        if let first = try? JSONParser.parse(String(firstLine)), first["custom_id"] != nil, first["body"] != nil {
            return .batch
        }
        guard let object = try? JSONParser.parse(String(trimmed)) else { return .text }
        if object["messages"] != nil { return .chat }
        if object["input"] != nil { return .responses }
        return .text
    }
}

/// One request to estimate, read from the input: its model, effort, output cap and body.
package struct PlannedRequest: Sendable {
    /// The model named by the request body or the batch line (the CLI's `--model` overrides it).
    package var model: String?
    /// The effort tier the request asks for (`reasoning_effort` / `reasoning.effort`), when it says.
    package var effort: EffortTier
    /// The request's own output cap (`max_completion_tokens`, `max_tokens`, `max_output_tokens`).
    package var maxOutputTokens: Int?
    /// How the body is counted.
    package var kind: EstimateInputKind
    /// The prompt text (for `.text`).
    package var text: String
    /// The request body (for `.chat` and `.responses`).
    package var body: JSONValue?
    /// Batch requests bill at the batch price.
    package var isBatch: Bool
    /// The batch line's `custom_id`, or nil.
    package var customID: String?
    /// 1-based line in a batch file.
    package var line: Int?
}

/// A problem with the input, in words the user can act on.
public enum EstimateInputError: UserFacingError, Equatable {
    /// The input was given (or detected) as a JSON request but does not parse.
    case notJSON(kind: EstimateInputKind, reason: String)
    /// A line of a Batch API input file is not a request.
    case badBatchLine(line: Int, reason: String)
    /// The Batch API input file holds no request.
    case emptyBatch
    /// A batch line calls an endpoint other than /v1/chat/completions or /v1/responses.
    case unsupportedBatchURL(line: Int, url: String)

    public var message: String {
        switch self {
        case .notJSON(let kind, let reason):
            return "the input is not a valid \(kind.rawValue) request body (\(reason)); pass --input text to estimate it as a plain prompt."
        case .badBatchLine(let line, let reason):
            return "batch input line \(line) is not a Batch API request (\(reason)); each line needs custom_id, url and body."
        case .emptyBatch:
            return "the batch input file has no requests; check that it is a Batch API input JSONL file."
        case .unsupportedBatchURL(let line, let url):
            return "batch input line \(line) calls \(url), which is not priced by token here; estimate only /v1/chat/completions and /v1/responses requests."
        }
    }

    public var exitStatus: ExitStatus { .usage }
}

extension PlannedRequest {
    /// Reads the requests in `text` as `kind` (detected when nil).
    package static func parse(_ text: String, kind: EstimateInputKind? = nil) throws(EstimateInputError) -> [PlannedRequest] {
        let kind = kind ?? EstimateInputKind.detect(text)
        switch kind {
        case .text:
            return [PlannedRequest(model: nil, effort: .unknown, maxOutputTokens: nil, kind: .text, text: text,
                                   body: nil, isBatch: false, customID: nil, line: nil)]
        case .chat, .responses:
            let body: JSONValue
            do { body = try JSONParser.parse(text) } catch { throw .notJSON(kind: kind, reason: error.message) }
            guard body.object != nil else { throw .notJSON(kind: kind, reason: "it is not a JSON object") }
            return [request(body: body, kind: kind, isBatch: false, customID: nil, line: nil)]
        case .batch:
            var requests: [PlannedRequest] = []
            var number = 0
            for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                number += 1
                let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
                if line.isEmpty { continue }
                let object: JSONValue
                do { object = try JSONParser.parse(line) } catch { throw .badBatchLine(line: number, reason: error.message) }
                guard let body = object["body"], body.object != nil else {
                    throw .badBatchLine(line: number, reason: "it has no body object")
                }
                let url = object["url"]?.string ?? ""
                let kind: EstimateInputKind
                if url.hasSuffix("/chat/completions") || (url.isEmpty && body["messages"] != nil) { kind = .chat }
                else if url.hasSuffix("/responses") || (url.isEmpty && body["input"] != nil) { kind = .responses }
                else { throw .unsupportedBatchURL(line: number, url: url) }
                requests.append(request(body: body, kind: kind, isBatch: true, customID: object["custom_id"]?.string, line: number))
            }
            if requests.isEmpty { throw .emptyBatch }
            return requests
        }
    }

    static func request(body: JSONValue, kind: EstimateInputKind, isBatch: Bool, customID: String?, line: Int?) -> PlannedRequest {
        let effortText = body["reasoning_effort"]?.string ?? body[path: "reasoning", "effort"]?.string
        let cap = body["max_completion_tokens"]?.int ?? body["max_output_tokens"]?.int ?? body["max_tokens"]?.int
        return PlannedRequest(model: body["model"]?.string, effort: EffortTier(effortText), maxOutputTokens: cap,
                              kind: kind, text: "", body: body, isBatch: isBatch, customID: customID, line: line)
    }
}
