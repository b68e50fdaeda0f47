import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// Any CSV of usage rows, read by column name (`--format csv`), optionally with a column map:
/// `--map timestamp=ts,model=model_name,input=in,output=out` (`ImportContext.options["map"]`).
///
/// Targets (left of `=`):
/// - `timestamp` (required): ISO 8601, "YYYY-MM-DD HH:MM[:SS]", a date, or Unix seconds/ms. Without a
///   zone it is read in `--timezone` (UTC unless given).
/// - `model` (required): the model name as the price table knows it.
/// - `input`: the whole prompt, cached tokens **included** (the OpenAI convention), or
///   `input_uncached`: input **without** cached tokens (the Anthropic convention). One of these or
///   `output` is required.
/// - `output`: output tokens including reasoning. `reasoning`: reasoning tokens (⊂ output).
/// - `cached`: cache-read tokens; `cache_write`: cache-write tokens (priced as 5-minute writes). With
///   `input` they are taken out of it; with `input_uncached` they are separate.
/// - `provider` (else `options["provider"]`, else guessed from the model name), `cost` (reported cost,
///   exact), `effort`, `project` (`--project` overrides), `session`, `id` (the row's unique id).
/// Targets not in the map are found by common header names (`timestamp`/`date`/`time`,
/// `input_tokens`/`prompt_tokens`, `output_tokens`/`completion_tokens`, `cached_tokens`, `cost`/`cost_usd`,
/// …; see `GenericCSVMapping.recognised`). A required target that cannot be found is reported as a
/// malformed line 1 saying which `--map` entry to add; every row is then reported as not imported.
///
/// Dedup key: `csv:<id>` when an id column is mapped or recognised; otherwise `csv:` + a hash of the
/// file path and the row's fields, so re-reading the file adds nothing but an edited row becomes a
/// new record (and two identical rows without an id count once: map an id column if that can happen).
package struct GenericCSVAdapter: LogAdapter {
    public init() {}

    public var name: String { "csv" }
    public var summary: String { "Any usage CSV, by header name or a --map timestamp=…,model=…,input=…,output=… column map" }
    public var layout: LogLayout { .lines }

    /// Checks before an import that `map` (nil: header names only) can read the CSV whose first bytes
    /// are `head`, so the CLI can refuse a bad `--map` up front (exit 2) instead of quarantining every
    /// row and checkpointing the file as read. Cost: parses the header line only.
    public static func checkMapping(head: [UInt8], map: String?) throws(CSVMappingError) {
        guard let header = CSVHeader(firstLineOf: head) else { throw CSVMappingError(message: "the CSV has no header line; its first line must name the columns.") }
        if let error = GenericCSVMapping.resolve(header: header, map: map).error {
            throw CSVMappingError(message: error.prefix(1).uppercased() + error.dropFirst() + ".")
        }
    }

    /// Low (30) so a specific CSV format (LiteLLM, OpenAI, OpenRouter exports) wins when it matches:
    /// any .csv whose header names a timestamp, a model and a token column.
    public func detect(fileName: String, head: [UInt8]) -> Int {
        guard fileName.lowercased().hasSuffix(".csv"), let header = CSVHeader(firstLineOf: head) else { return 0 }
        let mapping = GenericCSVMapping.resolve(header: header, map: nil)
        return mapping.error == nil ? 30 : 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        GenericCSVParser(context: context, state: state)
    }
}

/// A `--map` that cannot read the CSV it is given (a bad flag value: exit status 2).
package struct CSVMappingError: UserFacingError, Equatable {
    package var message: String
    package var exitStatus: ExitStatus { .usage }
}

/// Which column feeds which canonical field.
struct GenericCSVMapping {
    static let targets = ["timestamp", "model", "input", "input_uncached", "output", "cached", "cache_write",
                          "reasoning", "provider", "cost", "effort", "project", "session", "id"]

    /// Header names recognised per target when the map does not name one (first match wins).
    static let recognised: [String: [String]] = [
        "timestamp": ["timestamp", "date", "time", "datetime", "created_at", "start_time", "starttime", "created", "date_utc"],
        "model": ["model", "model_name", "model_id", "model_permaslug"],
        "input": ["input_tokens", "prompt_tokens", "tokens_prompt", "input", "n_context_tokens_total"],
        "input_uncached": ["uncached_input_tokens", "input_uncached_tokens"],
        "output": ["output_tokens", "completion_tokens", "tokens_completion", "output", "n_generated_tokens_total"],
        "cached": ["cached_tokens", "cached_input_tokens", "input_cached_tokens", "cache_read_tokens", "tokens_cached"],
        "cache_write": ["cache_write_tokens", "cache_creation_tokens", "input_cache_write_tokens"],
        "reasoning": ["reasoning_tokens", "reasoning_output_tokens", "tokens_reasoning"],
        "provider": ["provider", "provider_name"],
        "cost": ["cost", "cost_usd", "cost_total", "total_cost", "spend", "amount_usd"],
        "effort": ["effort", "reasoning_effort"],
        "project": ["project", "project_name"],
        "session": ["session", "session_id", "conversation_id"],
        "id": ["id", "request_id", "generation_id", "response_id"],
    ]

    var columns: [String: Int] = [:]
    var error: String?

    static let example = "--map timestamp=date,model=model,input=prompt_tokens,output=completion_tokens"

    /// Resolves `map` ("target=column,…") against `header`; `error` says what to fix.
    static func resolve(header: CSVHeader, map: String?) -> GenericCSVMapping {
        var m = GenericCSVMapping()
        if let map, !map.trimmingCharacters(in: .whitespaces).isEmpty {
            for entry in map.split(separator: ",") {
                let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    m.error = "the --map entry '\(entry)' is not target=column; write it like \(example)"
                    return m
                }
                let target = parts[0].lowercased()
                guard targets.contains(target) else {
                    m.error = "'\(parts[0])' in --map is not a target; targets are \(targets.joined(separator: ", "))"
                    return m
                }
                guard let i = header.index(of: parts[1]) else {
                    m.error = "--map maps \(target) to column '\(parts[1])', but the header has no such column (it has: \(header.names.joined(separator: ", ")))"
                    return m
                }
                m.columns[target] = i
            }
        }
        for target in targets where m.columns[target] == nil {
            if let names = recognised[target], let i = header.index(ofAny: names) { m.columns[target] = i }
        }
        if m.columns["input"] != nil && m.columns["input_uncached"] != nil {
            m.columns["input_uncached"] = nil // an explicit or recognised total input wins over a guessed uncached one
        }
        for required in ["timestamp", "model"] where m.columns[required] == nil {
            m.error = "the CSV has no \(required) column I recognise; add \(required)=<column> to --map (for example \(example))"
            return m
        }
        if m.columns["input"] == nil && m.columns["input_uncached"] == nil && m.columns["output"] == nil {
            m.error = "the CSV has no token columns I recognise; add input=<column> and output=<column> to --map (for example \(example))"
        }
        return m
    }
}

final class GenericCSVParser: LogParser {
    private let context: ImportContext
    private var reader: CSVReader
    private var mapping: GenericCSVMapping?
    private var reportedMapError = false

    init(context: ImportContext, state: JSONValue?) {
        self.context = context
        self.reader = CSVReader(state: state)
        if let header = reader.header { mapping = GenericCSVMapping.resolve(header: header, map: context.options["map"]) }
    }

    var state: JSONValue? { reader.state }

    func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        switch reader.feed(line: line, number: number) {
        case .header(let header):
            let m = GenericCSVMapping.resolve(header: header, map: context.options["map"])
            mapping = m
            if let error = m.error {
                reportedMapError = true
                emit(.malformed(reason: error, line: number))
            }
        case .row(let row):
            guard let mapping else { return }
            if let error = mapping.error {
                if !reportedMapError {
                    reportedMapError = true
                    emit(.malformed(reason: error, line: 1))
                }
                emit(.malformed(reason: "not imported: the column map is incomplete (see line 1)", line: row.line))
                return
            }
            emit(item(row, mapping))
        case .malformed(let reason, let line):
            emit(.malformed(reason: reason, line: line))
        case .pending, .blank:
            break
        }
    }

    private func item(_ row: CSVRow, _ m: GenericCSVMapping) -> LogItem {
        func field(_ target: String) -> String? { m.columns[target].flatMap { row[$0] } }
        guard let timeText = field("timestamp"), let timestamp = Timestamp.parse(timeText, naiveZone: context.naiveTimeZone) else {
            return .malformed(reason: "the timestamp is missing or not a date and time", line: row.line)
        }
        guard let model = field("model") else { return .malformed(reason: "the model is empty", line: row.line) }
        var bad: String?
        func count(_ target: String) -> Int? { LogSupport.tokens(field(target).map { .string($0) }, &bad, target) }
        let whole = count("input")
        let uncached = count("input_uncached")
        let cached = count("cached") ?? 0
        let written = count("cache_write") ?? 0
        let output = count("output") ?? 0
        let reasoning = count("reasoning") ?? 0
        if let bad { return .malformed(reason: "\(bad) (column \(columnName(bad, m, row)))", line: row.line) }
        var tokens = TokenCounts(cacheRead: cached, cacheWrite5m: written, output: output, reasoning: reasoning)
        if let whole {
            tokens.input = whole - cached - written
            if tokens.input < 0 {
                return .malformed(reason: "cached and cache-write tokens (\(cached + written)) exceed the input tokens (\(whole)); if the input column excludes cached tokens, map it as input_uncached=", line: row.line)
            }
        } else {
            tokens.input = uncached ?? 0
        }
        if let why = tokens.inconsistency { return .malformed(reason: why, line: row.line) }
        var reported: Money?
        if let cost = field("cost") {
            guard let money = LogSupport.money(cost) else { return .malformed(reason: "the cost '\(cost)' is not a decimal amount", line: row.line) }
            reported = money
        }
        let provider = (field("provider") ?? context.options["provider"])?.lowercased() ?? LogSupport.provider(forModel: model)
        let id = field("id")
        let key: String
        if let id { key = "csv:\(id)" } else {
            var hasher = SHA256()
            hasher.update(context.file.path.utf8)
            for f in row.fields {
                hasher.update([0x1F])
                hasher.update(f.utf8)
            }
            key = "csv:" + String(SHA256.hex(hasher.finalize()).prefix(32))
        }
        let record = UsageRecord(
            timestamp: timestamp, provider: provider, model: model, effort: EffortTier(field("effort")),
            tokens: tokens, source: "csv", channel: context.channel,
            project: context.project ?? field("project"), tags: context.tags, reportedCost: reported,
            requestID: id, sessionID: field("session")
        )
        return .entry(LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: context.file.path, line: row.line)))
    }

    private func columnName(_ reason: String, _ m: GenericCSVMapping, _ row: CSVRow) -> String {
        let target = String(reason.prefix { $0 != " " })
        return m.columns[target].map { row.header.names[$0] } ?? target
    }
}
