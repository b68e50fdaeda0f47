import Foundation
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

/// "Which providers have export (aggregate) rows in the period, and do they also have per-request
/// rows there?" is read from the tiers (whole days, the cut days' hours, the sub-hour ends from the
/// records): it must equal the same question asked of every record, for periods cut anywhere.
@Suite("aggregate providers from the tiers equal a scan of the records")
struct AggregateProvidersTests {
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000
    /// 2026-10-01T00:00:00Z.
    static let d0: Int64 = 1_790_812_800_000

    /// Rows placed so each falls in a different kind of piece for some periods: whole days, whole
    /// hours of a cut day, a sub-hour end. (provider, aggregate, Unix ms)
    static let placements: [(String, Bool, Int64)] = [
        ("azure", true, d0 + 2 * day + 30 * minute),
        ("openai", true, d0 + 5 * day + 10 * hour),
        ("openai", false, d0 + 5 * day + 10 * hour + 20 * minute),
        ("openai", false, d0 + 1 * day + 3 * hour + 45 * minute),
        ("xai", true, d0 + 3 * day + 5 * hour + 10 * minute),
        ("xai", false, d0 + 8 * day),
        ("mistral", true, d0 + 4 * day + 7 * hour),
        ("mistral", false, d0 + 6 * day + 23 * hour + 59 * minute),
    ]

    static func entries() -> [LedgerEntry] {
        placements.enumerated().map { n, placement in
            let (provider, aggregate, millis) = placement
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: Double(millis) / 1_000), provider: provider, model: "gpt-4o",
                tokens: TokenCounts(input: 100, output: 10), source: aggregate ? "usage-export" : "test",
                requestID: "r-\(n)", isAggregate: aggregate)
            return LedgerEntry(record: record, dedupKey: "agg:\(n)", location: SourceLocation(file: "/logs/agg.jsonl", line: n + 1))
        }
    }

    /// Period bounds at whole days, whole hours and in between, plus open ends.
    static let instants: [Int64?] = {
        let offsets: [Int64] = [0, 20 * minute, hour, 5 * hour + 10 * minute, 10 * hour + 20 * minute + 1]
        var out: [Int64?] = [nil]
        for d in Int64(0)...9 {
            for offset in offsets { out.append(d0 + d * day + offset) }
        }
        return out
    }()

    /// The same answer from every record (no tier, no index).
    static func scanned(_ db: Database, _ start: Int64?, _ end: Int64?) throws -> [AggregateProvider] {
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

    static func periods() -> [(Int64?, Int64?)] {
        instants.flatMap { start in instants.compactMap { end in
            if let start, let end, start >= end { return nil }
            return (start, end)
        } }
    }

    @Test("every period, before and after rows are deleted (emptied tier rows do not count)")
    func equalsScan() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insert(Self.entries(), pricing: PriceBook())
        var nonEmpty = 0
        var withRequests = 0
        for (start, end) in Self.periods() {
            let (tiers, scan) = try ledger.reader.read { db in
                (try Ledger.aggregateProviders(db, startMillis: start, endMillis: end), try Self.scanned(db, start, end))
            }
            #expect(tiers == scan, "[\(start.map(String.init) ?? "-"), \(end.map(String.init) ?? "-"))")
            if !scan.isEmpty { nonEmpty += 1 }
            if scan.contains(where: \.hasRequests) { withRequests += 1 }
        }
        // The periods are not vacuous: many find exports, some with per-request rows beside them.
        #expect(nonEmpty > 100 && withRequests > 50)

        try ledger.write { db in try db.execute(sql: "DELETE FROM usage_record WHERE provider = 'mistral' OR (provider = 'openai' AND is_aggregate = 0)") }
        for (start, end) in Self.periods() {
            let (tiers, scan) = try ledger.reader.read { db in
                (try Ledger.aggregateProviders(db, startMillis: start, endMillis: end), try Self.scanned(db, start, end))
            }
            #expect(tiers == scan, "after deletes: [\(start.map(String.init) ?? "-"), \(end.map(String.init) ?? "-"))")
        }
    }

    @Test("a period is cut into whole days, the cut days' whole hours and sub-hour ends")
    func cover() {
        let d0 = Self.d0, day = Self.day, hour = Self.hour, minute = Self.minute
        // Berlin's October 2026: 22:00 on the 30th to 23:00 on the 31st, UTC.
        let month = TierCover(startMillis: d0 - 2 * hour, endMillis: d0 + 30 * day + 23 * hour)
        #expect(month.hasDays && month.lowDay == d0 / day && month.highDay == d0 / day + 30)
        #expect(month.hours == [(d0 / hour - 2)..<(d0 / hour), (d0 / hour + 30 * 24)..<(d0 / hour + 30 * 24 + 23)])
        #expect(month.records.isEmpty)
        // Inside one day, off the hour at both ends.
        let piece = TierCover(startMillis: d0 + 20 * minute, endMillis: d0 + 5 * hour + 10 * minute)
        #expect(!piece.hasDays)
        #expect(piece.hours == [(d0 / hour + 1)..<(d0 / hour + 5)])
        #expect(piece.records == [(d0 + 20 * minute)..<(d0 + hour), (d0 + 5 * hour)..<(d0 + 5 * hour + 10 * minute)])
        // Inside one hour.
        let short = TierCover(startMillis: d0 + minute, endMillis: d0 + 2 * minute)
        #expect(!short.hasDays && short.hours.isEmpty && short.records == [(d0 + minute)..<(d0 + 2 * minute)])
        // Open ends: every day before (or after), nothing cut on that side.
        let open = TierCover(startMillis: nil, endMillis: d0 + 90 * minute)
        #expect(open.hasDays && open.lowDay == nil && open.highDay == d0 / day)
        #expect(open.hours == [(d0 / hour)..<(d0 / hour + 1)] && open.records == [(d0 + hour)..<(d0 + 90 * minute)])
        let all = TierCover(startMillis: nil, endMillis: nil)
        #expect(all.hasDays && all.lowDay == nil && all.highDay == nil && all.hours.isEmpty && all.records.isEmpty)
    }

    @Test("v8 moves the kind index from the records to the day tier, and a v7 ledger's exports are still found")
    func migrationFromV7() throws {
        let queue = try DatabaseQueue()
        try LedgerSchema.migrator.migrate(queue, upTo: "v7-report-rollup-day")
        try queue.write { db in
            // Stored by v7 (its triggers keep the tiers): an export row and a per-request row of another provider.
            for (n, (provider, aggregate)) in [("azure", 1), ("openai", 0)].enumerated() {
                try db.execute(sql: """
                    INSERT INTO usage_record (dedup_key, ts, provider, model, source, imported_at, output_tokens, is_aggregate)
                    VALUES (?, ?, ?, 'gpt-4o', 'sql', 0, 4, ?)
                    """, arguments: ["old:\(n)", Self.d0 + Int64(n) * Self.day + 90 * Self.minute, provider, aggregate])
            }
        }
        let ledger = try Ledger(queue)
        let indexes = try ledger.reader.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('usage_record', 'report_rollup_day') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        #expect(indexes == ["report_rollup_day_by_kind_provider", "usage_record_by_dedup_hash", "usage_record_by_time"])
        let found = try ledger.reader.read { db in try Ledger.aggregateProviders(db, startMillis: Self.d0, endMillis: Self.d0 + 3 * Self.day) }
        #expect(found == [AggregateProvider(provider: "azure", hasRequests: false)])
    }
}
