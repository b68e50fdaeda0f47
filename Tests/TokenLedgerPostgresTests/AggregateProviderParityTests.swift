import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerPostgres

/// The team ledger reads "which providers have export rows in the period, and per-request rows
/// beside them?" from its tiers (day tier, hourly rollup, sub-hour ends from the records), as the
/// SQLite ledger does: both must give the answer of a scan of the same records, for periods cut
/// anywhere, also after rows are deleted (a tier row emptied by a delete stays, with records 0).
@Suite("aggregate providers: team ledger tiers equal the SQLite record scan", .enabled(if: TestServer.available, TestServer.skipReason))
struct AggregateProviderParityTests {
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000
    static let d0: Int64 = 1_790_812_800_000 // 2026-10-01T00:00:00Z

    /// (provider, aggregate, Unix ms): rows in whole days, in whole hours of a cut day, in sub-hour ends.
    static let placements: [(String, Bool, Int64)] = [
        ("azure", true, d0 + 2 * day + 30 * minute),
        ("openai", true, d0 + 5 * day + 10 * hour),
        ("openai", false, d0 + 5 * day + 10 * hour + 20 * minute),
        ("openai", false, d0 + day + 3 * hour + 45 * minute),
        ("xai", true, d0 + 3 * day + 5 * hour + 10 * minute),
        ("xai", false, d0 + 6 * day),
        ("mistral", true, d0 + 4 * day + 7 * hour),
        ("mistral", false, d0 + 4 * day + 23 * hour + 59 * minute),
    ]

    static let instants: [Int64?] = {
        let offsets: [Int64] = [0, 20 * minute, hour, 5 * hour + 10 * minute, 10 * hour + 20 * minute + 1]
        var out: [Int64?] = [nil]
        for d in Int64(0)...6 {
            for offset in offsets { out.append(d0 + d * day + offset) }
        }
        return out
    }()

    /// The answer from every record of the SQLite ledger, no tier and no index.
    static func scanned(_ local: Ledger, _ start: Int64?, _ end: Int64?) throws -> [AggregateProvider] {
        try local.reader.read { db in
            var range = ""
            var arguments: [Int64] = []
            if let start { range += " AND ts >= ?"; arguments.append(start) }
            if let end { range += " AND ts < ?"; arguments.append(end) }
            let providers = try String.fetchAll(db, sql: "SELECT DISTINCT provider FROM usage_record NOT INDEXED WHERE is_aggregate = 1\(range) ORDER BY provider", arguments: StatementArguments(arguments))
            return try providers.map { provider in
                let has = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM usage_record NOT INDEXED WHERE is_aggregate = 0 AND provider = ?\(range))", arguments: StatementArguments([provider] + arguments)) ?? false
                return AggregateProvider(provider: provider, hasRequests: has)
            }
        }
    }

    func expectSame(_ team: TeamLedger, _ local: Ledger, phase: String) throws -> Int {
        var nonEmpty = 0
        for start in Self.instants {
            for end in Self.instants {
                if let start, let end, start >= end { continue }
                let scan = try Self.scanned(local, start, end)
                let sqlite = try local.reader.read { db in try Ledger.aggregateProviders(db, startMillis: start, endMillis: end) }
                let postgres = try team.run { try team.aggregateProviders(since: start, until: end) }
                let what = "\(phase) [\(start.map(String.init) ?? "-"), \(end.map(String.init) ?? "-"))"
                #expect(sqlite == scan, "SQLite: \(what)")
                #expect(postgres == scan, "PostgreSQL: \(what)")
                if scan.contains(where: \.hasRequests) { nonEmpty += 1 }
            }
        }
        return nonEmpty
    }

    @Test("every period, before and after deletes, on both engines")
    func parity() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let local = try Ledger.inMemory()
        let entries = Self.placements.enumerated().map { n, placement in
            let (provider, aggregate, millis) = placement
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: Double(millis) / 1_000), provider: provider, model: "gpt-4o",
                tokens: TokenCounts(input: 100, output: 10), source: aggregate ? "usage-export" : "test",
                requestID: "r-\(n)", isAggregate: aggregate)
            return LedgerEntry(record: record, dedupKey: "agg:\(n)", location: TokenLedgerCore.SourceLocation(file: "/logs/agg.jsonl", line: n + 1))
        }
        try local.insert(PricedBatch(entries.map { ($0, PriceBook().cost(of: $0.record)) }, now: Date()))
        let team = try db.connect(machine: "laptop")
        _ = try team.push(from: local, ledgerPath: "/agg")
        // Not vacuous: many periods find an exporting provider that also has per-request rows.
        #expect(try expectSame(team, local, phase: "pushed") > 50)

        let delete = "DELETE FROM usage_record WHERE provider = 'mistral' OR (provider = 'openai' AND NOT is_aggregate)"
        try local.write { db in try db.execute(sql: delete.replacingOccurrences(of: "NOT is_aggregate", with: "is_aggregate = 0")) }
        _ = try db.texts(delete)
        _ = try expectSame(team, local, phase: "after deletes")
    }
}
