import Foundation
import TokenLedgerCore

/// The parts shared by OpenAI's organization Usage API and Costs API readers: walking a page's
/// buckets, one bucket's time range from JSON or from an export row, and the natural-key pieces.
/// Both APIs aggregate (no request ids), so a record's identity is its bucket plus its group fields;
/// the JSON page and the dashboard CSV of the same bucket produce the same key and never count twice.
enum OpenAIAdminReport {
    /// A bucket's time range in Unix seconds.
    struct Bucket { var start: Int; var end: Int }

    /// Calls `result` for every result of every bucket in a page (`"object": "page"`), a single
    /// bucket, or an array of either. Problems (a bucket without times) go to `problem`.
    static func walk(_ value: JSONValue, result: (JSONObject, Bucket) -> Void, problem: (String) -> Void) {
        switch value {
        case .array(let items):
            for item in items { walk(item, result: result, problem: problem) }
        case .object(let o):
            if let data = o["data"]?.array {
                for bucket in data { walk(bucket, result: result, problem: problem) }
            } else if let results = o["results"]?.array ?? o["result"]?.array {
                guard let start = o["start_time"].flatMap(unixSeconds), let end = o["end_time"].flatMap(unixSeconds) else {
                    problem("a bucket has no start_time or end_time")
                    return
                }
                for case .object(let r) in results { result(r, Bucket(start: start, end: end)) }
            } else if o["object"]?.string == "page" {
                // The API always sends `data` (empty when there is nothing): without it the page is damaged.
                problem("the page has no data array")
            } else {
                problem("expected a usage or costs page (\"object\": \"page\") or bucket")
            }
        default:
            problem("expected a usage or costs page, not a bare value")
        }
    }

    /// Unix seconds (rounded down) from a number, numeric text or ISO-8601 text.
    static func unixSeconds(_ value: JSONValue) -> Int? {
        LogSupport.date(value).map { Int($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// A CSV row's bucket: `start_time`/`end_time` (Unix or ISO) or the `_iso` columns.
    static func bucket(of row: CSVRow) -> Bucket? {
        func seconds(_ names: String...) -> Int? {
            for name in names { if let t = row[name], let s = unixSeconds(.string(t)) { return s } }
            return nil
        }
        guard let start = seconds("start_time", "start_time_iso", "start_date"),
              let end = seconds("end_time", "end_time_iso", "end_date") else { return nil }
        return Bucket(start: start, end: end)
    }

    /// One natural-key part: the value, or "-" for null.
    static func part(_ text: String?) -> String { text.map { $0.isEmpty ? "-" : $0 } ?? "-" }

    /// "true"/"false"/nil from a JSON bool or export text ("True", "false", "1").
    static func flag(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let b)?: return b
        case .string(let s)?: return flag(text: s)
        case .number(let n)?: return n != "0"
        default: return nil
        }
    }

    static func flag(text: String?) -> Bool? {
        switch text?.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: return nil
        }
    }
}
