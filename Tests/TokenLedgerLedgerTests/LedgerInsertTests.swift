import Foundation
import Synchronization
import GRDB
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerPricing

@Suite("Inserting into the ledger: exactly once, higher rank supersedes")
struct LedgerInsertTests {
    func entry(key: String, output: Int, rank: Int = 0, model: String = "no-such-model") -> LedgerEntry {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "anthropic", model: model,
            tokens: TokenCounts(input: 10, cacheRead: 900, output: output), source: "claude-code",
            tags: ["team": "core"], apiKeyHash: SHA256.shortHash(of: "sk-ant-secret"))
        return LedgerEntry(record: record, dedupKey: key, location: SourceLocation(file: "/logs/a.jsonl", line: 3), supersedeRank: rank)
    }

    @Test("re-inserting the same entries adds nothing and counts them as duplicates")
    func reinsertIsDuplicate() throws {
        let ledger = try Ledger.inMemory()
        let first = try ledger.insert([entry(key: "k1", output: 5), entry(key: "k2", output: 7)], pricing: PriceBook())
        #expect(first.inserted == 2)
        let again = try ledger.insert([entry(key: "k1", output: 5), entry(key: "k2", output: 7)], pricing: PriceBook())
        #expect(again.inserted == 0 && again.duplicates == 2)
        let count = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") }
        #expect(count == 2)
    }

    @Test("a higher-ranked copy replaces the row; a lower one does not")
    func supersede() throws {
        let ledger = try Ledger.inMemory()
        try ledger.insert([entry(key: "msg", output: 1, rank: 2)], pricing: PriceBook())
        let up = try ledger.insert([entry(key: "msg", output: 300, rank: 600)], pricing: PriceBook())
        #expect(up.replaced == 1)
        let down = try ledger.insert([entry(key: "msg", output: 1, rank: 2)], pricing: PriceBook())
        #expect(down.duplicates == 1)
        let output = try ledger.reader.read { db in try Int.fetchOne(db, sql: "SELECT output_tokens FROM usage_record WHERE dedup_key = 'msg'") }
        #expect(output == 300)
    }

    @Test("an unknown model is stored unpriced with a reason, never as $0")
    func unpricedIsNotZero() throws {
        let ledger = try Ledger.inMemory()
        let counts = try ledger.insert([entry(key: "k", output: 5)], pricing: PriceBook())
        #expect(counts.unpriced == 1)
        let row = try ledger.reader.read { db in try Row.fetchOne(db, sql: "SELECT cost_pusd, unpriced_reason, tags, api_key_hash FROM usage_record") }
        #expect(row?["cost_pusd"] as Int64? == nil)
        #expect((row?["unpriced_reason"] as String?)?.isEmpty == false)
        #expect(row?["tags"] as String? == #"{"team":"core"}"#)
        #expect(row?["api_key_hash"] as String? == SHA256.shortHash(of: "sk-ant-secret"))
    }

    @Test("a row's price layers are stored as written: none as NULL, one as itself, several joined by commas")
    func priceLayersColumn() throws {
        let ledger = try Ledger.inMemory()
        let layerSets: [[String]] = [[], ["bundled:openai"], ["terms:acme", "channel:302ai", "bundled:openai"]]
        let priced = layerSets.enumerated().map { index, layers in
            (entry: entry(key: "k\(index)", output: 5),
             cost: CostBreakdown(resolvedModel: "m", status: .priced(total: Money(picodollars: 7)), components: [], layers: layers))
        }
        try ledger.insert(PricedBatch(priced))
        let stored = try ledger.reader.read { db in
            try String?.fetchAll(db, sql: "SELECT price_layers FROM usage_record ORDER BY dedup_key")
        }
        #expect(stored == [nil, "bundled:openai", "terms:acme,channel:302ai,bundled:openai"])
        #expect(try ledger.storedRecords().map(\.priceLayers) == layerSets)
    }

    @Test("a ledger file reopens with its rows, and the priced_usage view reads")
    func reopen() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Ledger.open(at: url).insert([entry(key: "k", output: 5)], pricing: PriceBook())
        let again = try Ledger.open(at: url)
        let n = try again.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM priced_usage") }
        #expect(n == 1)
        let ro = try Ledger.openReadOnly(at: url)
        #expect(try ro.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") } == 1)
    }

    @Test("the immutable open for read-only file systems reads a ledger whose path has URI characters")
    func immutableURI() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)/a?b#c%20d/l.sqlite")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent().deletingLastPathComponent()) }
        try Ledger.open(at: url).insert([entry(key: "k", output: 5), entry(key: "k2", output: 6)], pricing: PriceBook())
        #expect(!Ledger.hasUnmergedWAL(url))
        _ = Ledger.withURIFilenames
        var config = Configuration()
        config.readonly = true
        let immutable = try DatabaseQueue(path: Ledger.immutableURI(url.path), configuration: config)
        #expect(try immutable.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") } == 2)
        // No -shm file was needed (the open that a read-only folder forces).
        #expect(!FileManager.default.fileExists(atPath: url.path + "-shm"))
    }

    @Test("another program's SQLite database is refused, never written to")
    func foreignDatabase() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: url) }
        try DatabaseQueue(path: url.path).write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
        #expect(throws: LedgerError.notALedger(path: url.path)) { try Ledger.open(at: url) }
        #expect(throws: LedgerError.notALedger(path: url.path)) { try Ledger.openReadOnly(at: url) }
        let tables = try DatabaseQueue(path: url.path).read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(tables == ["notes"])
    }

    @Test("two processes creating the same new ledger at once both open it, every migration applied once")
    func concurrentFirstOpen() throws {
        // Each open is a separate connection pool, as two `tokenledger import` processes would have;
        // started together on two threads, they migrate the new file at the same time.
        for round in 0..<300 {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("race-\(round)-\(UUID().uuidString).sqlite")
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) } }
            let start = DispatchSemaphore(value: 0)
            let results = Mutex<[String]>([])
            let group = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: group) {
                    start.wait()
                    let outcome: String
                    do { _ = try Ledger.open(at: url); outcome = "ok" } catch { outcome = "\(error)" }
                    results.withLock { $0.append(outcome) }
                }
            }
            start.signal(); start.signal()
            group.wait()
            #expect(results.withLock { $0 } == ["ok", "ok"], "round \(round)")
            let applied = try DatabaseQueue(path: url.path).read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
            #expect(applied.count == LedgerSchema.migrator.migrations.count)
        }
    }

    @Test("a ledger a newer TokenLedger migrated is refused for writing and reading, and left as it was")
    func newerLedger() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("newer-\(UUID().uuidString).sqlite")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) } }
        _ = try Ledger.open(at: url)
        try DatabaseQueue(path: url.path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        #expect(throws: LedgerError.newerSchema(path: url.path, migration: "v99-from-the-future")) { try Ledger.open(at: url) }
        #expect(throws: LedgerError.newerSchema(path: url.path, migration: "v99-from-the-future")) { try Ledger.openReadOnly(at: url) }
        let applied = try DatabaseQueue(path: url.path).read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.contains("v99-from-the-future") && applied.count == LedgerSchema.migrator.migrations.count + 1)
    }

    @Test("opening a file that is not a database is a clear error")
    func notADatabase() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("notdb-\(UUID().uuidString).sqlite")
        try Data("this is not sqlite, just text that is long enough to be a header".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: LedgerError.self) { try Ledger.open(at: url) }
        #expect(throws: LedgerError.missing(path: "/no/such/ledger.sqlite")) { try Ledger.openReadOnly(at: URL(fileURLWithPath: "/no/such/ledger.sqlite")) }
    }
}

@Suite("The report rollup stays equal to the records it summarises")
struct RollupConsistencyTests {
    /// Every rollup column recomputed from usage_record, row by row, in a stable order.
    static func rollupSnapshot(_ ledger: Ledger, fromRecords: Bool) throws -> [[DatabaseValue]] {
        try ledger.reader.read { db in
            let sql = fromRecords
                ? """
                  SELECT ts / 3600000, provider, coalesce(model_id, model), effort, is_aggregate,
                         COUNT(*), SUM(request_count), SUM(input_tokens), SUM(output_tokens),
                         SUM(coalesce(cost_pusd, 0)), SUM(cost_pusd IS NULL)
                  FROM usage_record GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
                  """
                : """
                  SELECT hour, provider, model_key, effort, is_aggregate,
                         records, requests, input_tokens, output_tokens,
                         cost_micro * 1000000 + cost_rest, unpriced_records
                  FROM report_rollup WHERE records != 0 ORDER BY 1, 2, 3, 4, 5
                  """
            return try Row.fetchAll(db, sql: sql).map { row in (0..<11).map { row[$0] as DatabaseValue } }
        }
    }

    @Test("bulk inserts, duplicates and higher-ranked replacements keep the rollup exact")
    func bulkInsertKeepsRollup() throws {
        let ledger = try Ledger.inMemory()
        let prices = try PriceBook.bundled()
        func entry(_ key: String, _ model: String, hour: Int, output: Int, rank: Int = 0) -> LedgerEntry {
            LedgerEntry(record: UsageRecord(
                timestamp: Date(timeIntervalSince1970: 1_764_000_000 + Double(hour) * 3600), provider: "openai", model: model,
                tokens: TokenCounts(input: 100, output: output), source: "test"), dedupKey: key, supersedeRank: rank)
        }
        try ledger.insert([entry("a", "gpt-4o", hour: 0, output: 10), entry("b", "gpt-4o", hour: 0, output: 20),
                           entry("c", "o3-mini", hour: 1, output: 30), entry("d", "no-such-model", hour: 1, output: 5)], pricing: prices)
        // Re-import (duplicates), a replacement with a higher rank, and new rows in the same batch.
        try ledger.insert([entry("a", "gpt-4o", hour: 0, output: 10), entry("c", "o3-mini", hour: 1, output: 300, rank: 5),
                           entry("e", "gpt-4o", hour: 2, output: 40)], pricing: prices)
        let expected = try Self.rollupSnapshot(ledger, fromRecords: true)
        #expect(expected.count == 4)
        #expect(try Self.rollupSnapshot(ledger, fromRecords: false) == expected)
        // The per-row trigger is back on after the batch: a plain SQL insert is counted too.
        try ledger.writer.write { db in
            try db.execute(sql: """
                INSERT INTO usage_record (dedup_key, ts, provider, model, source, imported_at, output_tokens)
                VALUES ('sql', 1764000000000, 'openai', 'gpt-4o', 'sql', 0, 7)
                """)
        }
        #expect(try Self.rollupSnapshot(ledger, fromRecords: false) == Self.rollupSnapshot(ledger, fromRecords: true))
    }

    @Test("a batch spanning more rollup keys than the accumulator scans (hours × models × efforts) keeps every rollup column exact")
    func manyRollupKeysInOneBatch() throws {
        let ledger = try Ledger.inMemory()
        let models = ["gpt-4o", "o3-mini", "no-such-model"], efforts: [EffortTier] = [.unknown, .high]
        var entries: [LedgerEntry] = []
        for i in 0..<300 {
            // 10 hours × 3 models × 2 efforts = 60 keys, each met again 60 rows later.
            let record = UsageRecord(
                timestamp: Date(timeIntervalSince1970: 1_764_000_000 + Double((i / 6) % 10) * 3600), provider: "openai",
                model: models[i % 3], effort: efforts[(i / 3) % 2], tokens: TokenCounts(input: 100 + i, output: i), source: "test")
            entries.append(LedgerEntry(record: record, dedupKey: "k\(i)"))
        }
        let counts = try ledger.insert(entries, pricing: try PriceBook.bundled())
        #expect(counts.inserted == 300)
        let expected = try Self.fullRollup(ledger, fromRecords: true)
        #expect(expected.count == 60)
        #expect(try Self.fullRollup(ledger, fromRecords: false) == expected)
    }

    @Test("tier sums made on the reading thread are used only while every row of the batch is stored new")
    func premadeTierSums() throws {
        let ledger = try Ledger.inMemory()
        let prices = try PriceBook.bundled()
        func entry(_ i: Int, rank: Int = 0) -> LedgerEntry {
            LedgerEntry(record: UsageRecord(
                timestamp: Date(timeIntervalSince1970: 1_764_000_000 + Double(i % 7) * 3600), provider: "openai",
                model: ["gpt-4o", "o3-mini", "no-such-model"][i % 3], tokens: TokenCounts(input: 100 + i, output: i + rank),
                source: "test", project: i % 2 == 0 ? "p" : nil), dedupKey: "k\(i)", supersedeRank: rank)
        }
        func batch(_ entries: [LedgerEntry]) -> PricedBatch {
            var builder = PricedBatch.Builder(capacity: entries.count)
            builder.sumsTiers = true
            var memo = PricingMemo()
            for e in entries { builder.append(e, cost: prices.cost(of: e.record, memo: &memo, itemized: false)) }
            return builder.build()
        }
        func expectTiersMatchRecords() throws {
            #expect(try Self.fullRollup(ledger, fromRecords: false) == Self.fullRollup(ledger, fromRecords: true))
            let keys = LedgerSchema.dayRollupKeys, sums = LedgerSchema.rollupSums
            let order = (1...keys.count).map(String.init).joined(separator: ", ")
            let (stored, recomputed) = try ledger.reader.read { db in
                (try Row.fetchAll(db, sql: "SELECT \(keys.map(\.column).joined(separator: ", ")), \(sums.map(\.column).joined(separator: ", ")) FROM report_rollup_day WHERE records <> 0 ORDER BY \(order)"),
                 try Row.fetchAll(db, sql: "SELECT \(keys.map { $0.value("R") }.joined(separator: ", ")), \(sums.map { "SUM(\($0.value("R")))" }.joined(separator: ", ")) FROM usage_record AS R GROUP BY \(order) ORDER BY \(order)"))
            }
            #expect(!stored.isEmpty)
            #expect(stored.map { Array($0.databaseValues) } == recomputed.map { Array($0.databaseValues) })
        }
        // A first batch, all new: the premade sums are the tiers.
        #expect(try ledger.insert(batch((0..<40).map { entry($0) })).inserted == 40)
        try expectTiersMatchRecords()
        // All new but for one stored key in the middle of a 16-row statement, and one replaced by a higher rank.
        var mixed = (40..<80).map { entry($0) }
        mixed.insert(entry(5), at: 21)
        mixed.insert(entry(9, rank: 3), at: 35)
        let counts = try ledger.insert(batch(mixed))
        #expect((counts.inserted, counts.duplicates, counts.replaced) == (40, 1, 1))
        try expectTiersMatchRecords()
        // Nothing new: no tier changes.
        #expect(try ledger.insert(batch((0..<40).map { entry($0) })).inserted == 0)
        try expectTiersMatchRecords()
    }

    /// Every `report_rollup` column next to the same sums recomputed from usage_record with the SQL
    /// definitions of `LedgerSchema.rollupSums` (the ones the triggers use), in a stable order.
    static func fullRollup(_ ledger: Ledger, fromRecords: Bool) throws -> [[DatabaseValue]] {
        let keys = ["hour", "provider", "model_key", "resolved", "effort", "is_aggregate"]
        let sums = LedgerSchema.rollupSums
        let sql = fromRecords
            ? "SELECT \(LedgerSchema.rollupKeys(row: "R").joined(separator: ", ")), \(sums.map { "SUM(\($0.value("R")))" }.joined(separator: ", ")) FROM usage_record AS R GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
            : "SELECT \(keys.joined(separator: ", ")), \(sums.map(\.column).joined(separator: ", ")) FROM report_rollup WHERE records != 0 ORDER BY 1, 2, 3, 4, 5, 6"
        return try ledger.reader.read { db in
            try Row.fetchAll(db, sql: sql).map { row in (0..<(keys.count + sums.count)).map { row[$0] as DatabaseValue } }
        }
    }

    /// One rollup row as column name → value.
    static func rollupRow(_ ledger: Ledger, hour: Int64, model: String, aggregate: Bool = false) throws -> [String: Int64] {
        try ledger.reader.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM report_rollup WHERE hour = ? AND model_key = ? AND is_aggregate = ?",
                                             arguments: [hour, model, aggregate ? 1 : 0]) else { return [:] }
            return Dictionary(uniqueKeysWithValues: LedgerSchema.rollupSums.map { ($0.column, row[$0.column] as Int64) })
        }
    }

    @Test("reported costs, unpriced rows, aggregates, micro-dollar boundaries and in-batch replacements: every rollup column matches the records")
    func everyColumnMatches() throws {
        let ledger = try Ledger.inMemory()
        let prices = try PriceBook.bundled()
        let hour0: Int64 = 1_764_000_000 / 3600 // 2025-11-24T16:00Z
        func entry(_ key: String, _ model: String, hour: Int = 0, provider: String = "openai", effort: EffortTier = .unknown,
                   tokens: TokenCounts, batch: Bool = false, reported: Int128? = nil, requests: Int = 1,
                   aggregate: Bool = false, rank: Int = 0) -> LedgerEntry {
            LedgerEntry(record: UsageRecord(
                timestamp: Date(timeIntervalSince1970: 1_764_000_000 + Double(hour) * 3600), provider: provider, model: model,
                effort: effort, isBatch: batch, tokens: tokens, source: "test", reportedCost: reported.map { Money(picodollars: $0) },
                requestCount: requests, isAggregate: aggregate), dedupKey: key, supersedeRank: rank)
        }
        // gpt-4o-2024-08-06: input $2.50, output $10 per 1M; batch ×0.5. One input token = 2_500_000 pusd.
        try ledger.insert([
            entry("p1", "gpt-4o", tokens: TokenCounts(input: 1), reported: 2_500_000),           // cost 2 µ$ + 500_000
            entry("p2", "gpt-4o", tokens: TokenCounts(output: 1), batch: true, reported: 999_999), // cost 5_000_000: rest 0
            entry("p3", "gpt-4o", tokens: TokenCounts(), reported: 1_000_001),                     // priced at exactly 0
            entry("u1", "no-such-model", tokens: TokenCounts(input: 7, output: 3), reported: 1_000_000),
            entry("u2", "no-such-model", tokens: TokenCounts(input: 5)),
            entry("agg", "gpt-4o", tokens: TokenCounts(input: 1_000_000), reported: 2_499_999_999_999, requests: 5, aggregate: true),
            entry("o3", "o3-mini", hour: 1, effort: .high, tokens: TokenCounts(input: 10, cacheRead: 20, output: 50, reasoning: 40)),
            entry("cc", "claude-sonnet-4-5-20250929", hour: 1, provider: "anthropic",
                  tokens: TokenCounts(input: 3, cacheRead: 100, cacheWrite5m: 30, cacheWrite1h: 7, output: 9)),
            // The same key twice in one batch: the higher rank replaces the first.
            entry("r", "gpt-4o", hour: 2, tokens: TokenCounts(output: 10)),
            entry("r", "gpt-4o", hour: 2, tokens: TokenCounts(output: 20), rank: 3),
        ], pricing: prices)
        // A later batch: duplicates, and a replacement that moves a row to another hour and model.
        try ledger.insert([
            entry("p1", "gpt-4o", tokens: TokenCounts(input: 1), reported: 2_500_000),
            entry("o3", "gpt-4o", hour: 3, tokens: TokenCounts(input: 4), rank: 1),
            entry("x", "gpt-4o", hour: 3, tokens: TokenCounts(input: 2)),
        ], pricing: prices)

        let fromRecords = try Self.fullRollup(ledger, fromRecords: true)
        #expect(fromRecords.count == 6)
        #expect(try Self.fullRollup(ledger, fromRecords: false) == fromRecords)
        #expect(try Self.rollupSnapshot(ledger, fromRecords: false) == Self.rollupSnapshot(ledger, fromRecords: true))

        // Hand-computed: p1 2_500_000 + p2 5_000_000 + p3 0 pusd; reported 2_500_000 + 999_999 + 1_000_001.
        let priced = try Self.rollupRow(ledger, hour: hour0, model: "gpt-4o-2024-08-06")
        #expect(priced["records"] == 3 && priced["requests"] == 3 && priced["input_tokens"] == 1 && priced["output_tokens"] == 1)
        #expect(priced["cost_micro"] == 7 && priced["cost_rest"] == 500_000)
        #expect(priced["reconciled_records"] == 3 && priced["reported_micro"] == 3 && priced["reported_rest"] == 1_500_000)
        #expect(priced["reported_computed_micro"] == 7 && priced["reported_computed_rest"] == 500_000)
        #expect(priced["unpriced_records"] == 0 && priced["reported_unpriced_records"] == 0)
        let unpriced = try Self.rollupRow(ledger, hour: hour0, model: "no-such-model")
        #expect(unpriced["records"] == 2 && unpriced["unpriced_records"] == 2 && unpriced["unpriced_requests"] == 2)
        #expect(unpriced["unpriced_tokens"] == 15 && unpriced["cost_micro"] == 0 && unpriced["cost_rest"] == 0)
        #expect(unpriced["reported_unpriced_records"] == 1 && unpriced["reported_unpriced_micro"] == 1 && unpriced["reported_unpriced_rest"] == 0)
        #expect(unpriced["reconciled_records"] == 0 && unpriced["reported_micro"] == 0)
        // 1M input tokens at $2.50 = 2_500_000_000_000 pusd, reported one picodollar less.
        let aggregate = try Self.rollupRow(ledger, hour: hour0, model: "gpt-4o-2024-08-06", aggregate: true)
        #expect(aggregate["records"] == 1 && aggregate["requests"] == 5 && aggregate["input_tokens"] == 1_000_000)
        #expect(aggregate["cost_micro"] == 2_500_000 && aggregate["cost_rest"] == 0)
        #expect(aggregate["reported_micro"] == 2_499_999 && aggregate["reported_rest"] == 999_999)
        // The in-batch replacement counts once, with the replacing row's 20 output tokens (200_000_000 pusd).
        let replaced = try Self.rollupRow(ledger, hour: hour0 + 2, model: "gpt-4o-2024-08-06")
        #expect(replaced["records"] == 1 && replaced["output_tokens"] == 20 && replaced["cost_micro"] == 200 && replaced["cost_rest"] == 0)
        let claude = try Self.rollupRow(ledger, hour: hour0 + 1, model: "claude-sonnet-4-5-20250929")
        #expect(claude["cache_write_tokens"] == 37 && claude["cache_read_tokens"] == 100 && claude["input_tokens"] == 3)
    }
}
