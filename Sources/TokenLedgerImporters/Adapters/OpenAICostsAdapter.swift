import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// OpenAI organization Costs API pages (JSON or JSON Lines) and the dashboard cost CSV export
/// (`amount_value` with up to 17 decimals, read as an exact decimal and rounded only below a
/// picodollar). Each result is an aggregated record with no tokens whose `reportedCost` is the
/// amount OpenAI billed: reports show these as OpenAI's own figures, apart from per-request records.
///
/// What a report user needs from a cost line is "which model cost what, per day and project":
/// a `line_item` that names a model ("o3-mini-2025-01-31, input") gives the record that model (and
/// `isBatch` when the item says "batch"); any other item ("web search tool calls", or null when the
/// page was not grouped by line item) is provider-level, model "openai". The full line item is kept in
/// the `line_item` tag; `project_id` becomes the project unless `--project` is given. `requestCount`
/// is 0: cost lines do not say how many requests they cover.
/// Dedup key: `openai-costs:<start>:<end>:<line item>:<project>:<api key hash>`.
package struct OpenAICostsAdapter: LogAdapter {
    public init() {}
    public var name: String { "openai-costs" }
    public var summary: String { "OpenAI Costs API pages (JSON) and the dashboard cost CSV export (provider-reported cost per line item)" }
    public var layout: LogLayout { .lines }

    public func detect(fileName: String, head: [UInt8]) -> Int { detect(fileName: fileName, head: FileHead(head)) }

    func detect(fileName: String, head h: FileHead) -> Int {
        if h.isBinary { return 0 }
        if h.contains("organization.costs.") { return 95 }
        if let columns = h.csvHeader, columns.has("amount_value") && (columns.has("line_item") || columns.has("start_time_iso")) {
            return 95
        }
        if h.containsPair("object", "page") && h.contains("\"amount\"") && h.contains("\"line_item\"") { return 90 }
        return 0
    }

    public func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        OpenAICostsParser(context: context, state: state, acceptsCSV: true)
    }

    /// The model a cost line item names ("gpt-4o-2024-08-06, cached input" → "gpt-4o-2024-08-06"),
    /// or nil for provider-level items; and whether the item is billed as batch.
    public static func model(ofLineItem item: String?) -> (model: String?, isBatch: Bool) {
        guard let item, let comma = item.firstIndex(of: ",") else { return (nil, false) }
        let model = item[..<comma].trimmingCharacters(in: .whitespaces)
        let kind = item[item.index(after: comma)...].lowercased()
        guard !model.isEmpty, !model.contains(" ") else { return (nil, false) }
        return (model, kind.contains("batch"))
    }
}

final class OpenAICostsParser: StructuredLogParser {
    override func handle(object: JSONValue, line: Int, emit: (LogItem) -> Void) {
        if object["error"] != nil && object["data"] == nil {
            emit(.skipped)
            return
        }
        OpenAIAdminReport.walk(object, result: { result, bucket in
            let amount = result["amount"]
            read(bucket: bucket, value: LogSupport.text(amount?["value"]),
                 currency: amount?["currency"]?.string, lineItem: LogSupport.text(result["line_item"]),
                 projectID: LogSupport.text(result["project_id"]), apiKeyID: LogSupport.text(result["api_key_id"]),
                 line: line, emit: emit)
        }, problem: { emit(.malformed(reason: $0, line: line)) })
    }

    override func handle(row: CSVRow, line: Int, emit: (LogItem) -> Void) {
        guard let bucket = OpenAIAdminReport.bucket(of: row) else {
            emit(.malformed(reason: "the row has no start_time/end_time (or start_time_iso/end_time_iso)", line: line))
            return
        }
        read(bucket: bucket, value: row.first(["amount_value", "amount", "cost"]), currency: row.first(["amount_currency", "currency"]),
             lineItem: row["line_item"], projectID: row["project_id"], apiKeyID: row["api_key_id"], line: line, emit: emit)
    }

    private func read(bucket: OpenAIAdminReport.Bucket, value: String?, currency: String?, lineItem: String?,
                      projectID: String?, apiKeyID: String?, line: Int, emit: (LogItem) -> Void) {
        guard let value else {
            emit(.malformed(reason: "the cost line has no amount", line: line))
            return
        }
        guard let cost = LogSupport.money(value) else {
            emit(.malformed(reason: "the amount \"\(value)\" is not a decimal number", line: line))
            return
        }
        if let currency, currency.lowercased() != "usd" {
            emit(.malformed(reason: "the amount is in \(currency), not USD; TokenLedger keeps costs in USD", line: line))
            return
        }
        let (model, isBatch) = OpenAICostsAdapter.model(ofLineItem: lineItem)
        let keyHash = apiKeyID.map { SHA256.shortHash(of: $0) }
        var extra: [String: String] = [:]
        if let lineItem { extra["line_item"] = lineItem }
        if let projectID { extra["project_id"] = projectID }
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: TimeInterval(bucket.start)), provider: "openai",
            model: model ?? "openai", isBatch: isBatch, source: "openai-costs", channel: context.channel,
            project: context.project ?? projectID, tags: tags(extra), reportedCost: cost, apiKeyHash: keyHash,
            requestCount: 0, isAggregate: true)
        let p = OpenAIAdminReport.part
        emit(entry(record, key: "openai-costs:\(bucket.start):\(bucket.end):\(p(lineItem)):\(p(projectID)):\(p(keyHash))", line: line))
    }
}
