import Foundation
import GRDB
import TokenLedgerCore
@testable import TokenLedgerLedger

/// Builds test ledgers by inserting `usage_record` rows with chosen costs directly (the price book is
/// not what is under test here).
struct TestLedger {
    let queue: DatabaseQueue
    let ledger: Ledger
    private var counter = 0

    init() throws {
        queue = try DatabaseQueue()
        ledger = try Ledger(queue)
    }

    /// One usage row at `time` (ISO 8601) costing `usd` (nil = unpriced).
    mutating func add(
        _ time: String, usd: String?, model: String = "gpt-4o-mini", modelID: String? = nil,
        provider: String = "openai", project: String? = nil, effort: String = "unknown", tags: [String: String] = [:],
        aggregate: Bool = false
    ) throws {
        counter += 1
        guard let date = Timestamp.parse(time) else { throw TestLedgerError.badTime(time) }
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var cost: Int64?
        if let usd {
            guard let money = Money(decimalText: usd), let picos = Int64(exactly: money.picodollars) else { throw TestLedgerError.badMoney(usd) }
            cost = picos
        }
        let tagsJSON: String? = tags.isEmpty ? nil
            : JSONValue.object(JSONObject(tags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })).serialized()
        let key = "test:\(counter)"
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, source, project, tags, cost_pusd, unpriced_reason, is_aggregate, imported_at)
                VALUES (?, ?, ?, ?, ?, ?, 'test', ?, ?, ?, ?, ?, 0)
                """, arguments: [key, ms, provider, model, modelID, effort, project, tagsJSON, cost, cost == nil ? "no price table lists the model '\(model)' (by id or alias); see 'tokenledger prices list'." : nil, aggregate ? 1 : 0])
        }
    }
}

enum TestLedgerError: Error { case badTime(String), badMoney(String) }

/// A date from ISO text in tests.
func at(_ text: String) -> Date {
    Timestamp.parse(text) ?? Date(timeIntervalSince1970: 0)
}

let utc = TimeZone(identifier: "UTC") ?? .current

/// Opens a database file for `DatabaseQueue.backup(to:)`.
enum GRDBFile {
    static func open(_ url: URL) throws -> DatabaseQueue { try DatabaseQueue(path: url.path) }
}
