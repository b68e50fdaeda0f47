import Foundation
import TokenLedgerCore

/// Counts tokens of texts, files and JSON Lines for one model or encoding: exact for every bundled
/// encoding, the labelled approximation (`ApproximateTokenCounter`) for model families without one.
public struct TextTokenCounter: Sendable {
    /// The exact encoding, or nil when counts are approximate.
    public let encoding: TokenEncoding?
    /// What the counts are for: "o200k_base", or "approximate (claude)".
    public let label: String

    /// True when counts are the documented approximation, not exact.
    public var isApproximate: Bool { encoding == nil }

    /// One counted text.
    public struct Count: Sendable, Equatable {
        /// How many tokens the text is (exact, or the labelled approximation).
        public var tokens: Int
        /// Token ids (only when asked for and exact).
        public var ids: [Int]?
    }

    /// Picks the counter: `encoding` by name, else `model` (its bundled encoding, else an approximated
    /// family), else o200k_base. Throws `.unknownModel` / `.unknownEncoding` (exit status 2).
    public init(encoding: String? = nil, model: String? = nil) throws(TokenizerError) {
        if let encoding {
            self.encoding = try TokenEncoding.named(encoding)
            label = encoding
        } else if let model {
            if let name = ModelEncodings.encoding(forModel: model) {
                self.encoding = try TokenEncoding.named(name)
                label = name.rawValue
            } else if let family = ApproximateTokenCounter.family(ofModel: model) {
                self.encoding = nil
                label = "approximate (\(family))"
            } else {
                throw .unknownModel(model)
            }
        } else {
            self.encoding = try TokenEncoding.named(.o200kBase)
            label = EncodingName.o200kBase.rawValue
        }
    }

    /// Counts one text. Cost: O(n); ids only when `ids` is true. Texts over 1 MiB use all cores
    /// (`TokenEncoding.encode(_:allowSpecial:threads:)`).
    public func count(_ text: String, ids: Bool = false, allowSpecial: Bool = false) -> Count {
        guard let encoding else { return Count(tokens: ApproximateTokenCounter.estimate(text), ids: nil) }
        if ids {
            let list = encoding.encode(text, allowSpecial: allowSpecial)
            return Count(tokens: list.count, ids: list)
        }
        return Count(tokens: encoding.count(text, allowSpecial: allowSpecial), ids: nil)
    }

    /// One text on the calling thread, with the batch's piece cache.
    func count(_ text: String, ids: Bool, allowSpecial: Bool, cache: PieceCache?) -> Count {
        guard let encoding else { return Count(tokens: ApproximateTokenCounter.estimate(text), ids: nil) }
        if ids {
            var sink = TokenList()
            encoding.run(text, allowSpecial: allowSpecial, cache: cache, into: &sink)
            encoding.shift(&sink.ids)
            return Count(tokens: sink.ids.count, ids: sink.ids)
        }
        var sink = TokenCounter()
        encoding.run(text, allowSpecial: allowSpecial, cache: cache, into: &sink)
        return Count(tokens: sink.count, ids: nil)
    }

    /// Counts the string field `field` of every non-blank JSON line; a bad line gives its error
    /// (with file:line) in its place so the output stays aligned with the input. Inputs over 1 MiB
    /// are counted on all cores in batches of consecutive lines (each line is its own text, so the
    /// results cannot depend on the batching); each batch keeps one piece cache for its lines.
    package func countJSONLines(_ text: String, source: String, field: String, ids: Bool = false,
                                allowSpecial: Bool = false) -> [Result<Count, InputError>] {
        var numbered: [(number: Int, text: Substring)] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0.isWhitespace }) { continue }
            numbered.append((lineNumber, line))
        }
        let lines = numbered
        let threads = text.utf8.count >= IndependentChunks.parallelThreshold ? ProcessInfo.processInfo.activeProcessorCount : 1
        let batches = max(1, min(lines.count, 8 * threads))
        let bounds = (0...batches).map { $0 * lines.count / batches }
        let bytesPerBatch = text.utf8.count / batches
        return IndependentChunks.map(bounds, threads: threads) { start, end -> [Result<Count, InputError>] in
            let cache = bytesPerBatch >= PieceCache.worthFrom ? PieceCache(forBytes: bytesPerBatch) : nil
            defer { cache?.deallocate() }
            let batch: ArraySlice<(number: Int, text: Substring)> = lines[start..<end]
            return batch.map { line -> Result<Count, InputError> in
                let location = SourceLocation(file: source, line: line.number)
                switch Result(catching: { () throws(JSONParser.Error) in try JSONParser.parse(String(line.text)) }) {
                case .failure(let error):
                    return .failure(.badJSON(location, error.reason))
                case .success(let value):
                    guard let string = value[field]?.string else { return .failure(.missingField(location, field)) }
                    return .success(count(string, ids: ids, allowSpecial: allowSpecial, cache: cache))
                }
            }
        }.flatMap { $0 }
    }

    /// Problems with what the user asked to count.
    package enum InputError: UserFacingError, Equatable {
        case badJSON(SourceLocation, String)
        case missingField(SourceLocation, String)

        package var message: String {
            switch self {
            case .badJSON(let at, let why): return "\(at): not valid JSON (\(why)); --jsonl expects one JSON object per line."
            case .missingField(let at, let field): return "\(at): no string field '\(field)'; pick the field with --field NAME."
            }
        }

        package var exitStatus: ExitStatus { .failure }
    }
}
