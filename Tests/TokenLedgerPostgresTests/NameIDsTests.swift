import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
@testable import TokenLedgerPostgres

/// Migration v15: the record's name columns stored as ids of `tokenledger_name`, the rows in
/// `usage_row` and `usage_record` a view giving them back with their names.
@Suite("names stored as ids (v15)", .enabled(if: TestServer.available, TestServer.skipReason))
struct NameIDsTests {
    /// Every record and both tiers, as text, in one order: what a reader of the ledger sees.
    static func snapshot(_ db: ScratchDatabase) throws -> [String?] {
        try db.texts("SELECT u::text FROM usage_record u ORDER BY dedup_key")
            + db.texts("SELECT r::text FROM report_rollup r ORDER BY r::text")
            + db.texts("SELECT d::text FROM report_rollup_day d ORDER BY d::text")
    }

    /// Varied rows written with SQL into the table as migrations up to v14 left it: NULLs in every
    /// nullable name column, names shared between columns, a name with a quote and a non-ASCII one.
    static let rowsSQL = """
        INSERT INTO usage_record (dedup_key, supersede_rank, ts, provider, model, model_id, effort, service_tier, is_batch, channel,
            input_tokens, output_tokens, reasoning_tokens, cost_pusd, unpriced_reason, price_period, price_layers, reported_cost_pusd,
            source, source_file, source_line, project, session_id, machine, imported_at, repository, branch)
        SELECT 'k:' || n, n % 3, 1793000000000 + n * 1800000, CASE WHEN n % 4 = 0 THEN 'anthropic' ELSE 'openai' END,
            CASE WHEN n % 5 = 0 THEN 'mystery-model' ELSE 'gpt-4o' END, CASE WHEN n % 5 = 0 THEN NULL ELSE 'gpt-4o-2024-08-06' END,
            CASE WHEN n % 2 = 0 THEN 'high' ELSE 'unknown' END, CASE WHEN n % 7 = 0 THEN 'flex' END, n % 6 = 0, CASE WHEN n % 9 = 0 THEN 'api' END,
            n * 10, n, n % 4, CASE WHEN n % 5 = 0 THEN NULL ELSE n * 1000 END, CASE WHEN n % 5 = 0 THEN 'no price for mystery-model' END,
            CASE WHEN n % 5 <> 0 THEN '2024-08-06' END, CASE WHEN n % 5 <> 0 THEN CASE WHEN n % 3 = 0 THEN 'user:o''brien.toml,openai' ELSE 'openai' END END,
            CASE WHEN n % 8 = 0 THEN n * 900 END, 'openai-chat', CASE WHEN n % 10 <> 0 THEN '/logs/ré' || (n % 3) || '.jsonl' END,
            CASE WHEN n % 10 <> 0 THEN n END, CASE WHEN n % 3 = 0 THEN 'shop' END, 's' || (n % 4), CASE WHEN n % 2 = 0 THEN 'openai' ELSE 'ci' END,
            1793100000000, CASE WHEN n % 4 = 1 THEN 'github.com/acme/shop' END, CASE WHEN n % 4 = 1 THEN 'main' END
        FROM generate_series(1, 300) AS n
        """

    @Test("a ledger written before v15 reads the same after it: every record, column and tier; each name stored once")
    func upgrade() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let before = TeamLedgerSchema.migrations.prefix { $0.identifier != "v15-names-as-ids" }
        #expect(before.count == TeamLedgerSchema.migrations.count - 1)
        try db.address.withRawConnection { connection in
            _ = try connection.execute(
                "CREATE TABLE tokenledger_migration (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            for migration in before {
                for statement in migration.statements { _ = try connection.execute(statement) }
                _ = try connection.execute("INSERT INTO tokenledger_migration (identifier) VALUES ($1)", [migration.identifier])
            }
            _ = try connection.execute(Self.rowsSQL)
        }
        #expect(try db.texts("SELECT data_type FROM information_schema.columns WHERE table_name = 'usage_record' AND column_name = 'source_file'") == ["text"])
        let old = try Self.snapshot(db)
        let distinctNames = try db.texts("""
            SELECT count(DISTINCT v) FROM usage_record, LATERAL (VALUES \(TeamLedgerSchema.nameColumns.map { "(\($0))" }.joined(separator: ", "))) AS x(v)
            """)
        #expect(distinctNames == ["15"])
        let columns = try db.texts("SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_record' ORDER BY ordinal_position")
        #expect(old.count > 300 + 20)

        let team = try db.connect(machine: "ci")
        #expect(try team.appliedMigrations().last == "v15-names-as-ids")
        #expect(try Self.snapshot(db) == old)
        #expect(try db.texts("SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_record' ORDER BY ordinal_position") == columns)
        #expect(try db.texts("""
            SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns
            WHERE table_name = 'usage_row' AND data_type = 'integer'
            """) == [TeamLedgerSchema.nameColumns.sorted().joined(separator: ",") + ",supersede_rank"])
        // Each distinct name once, whichever columns it is in ("openai" is a provider, a layer list and a machine).
        #expect(try db.texts("SELECT count(*) FROM tokenledger_name") == distinctNames)
        #expect(try db.texts("SELECT count(*) FROM tokenledger_name WHERE name = 'openai'") == ["1"])

        // The upgraded ledger goes on: an import adds its records and the tiers stay the records' sums.
        let dir = try TeamImportTests.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        try Data((0..<40).map { TeamImportTests.chatLine($0) }.joined().utf8).write(to: file)
        #expect(try TeamImportTests.importing([file], into: team, options: ImportOptions(batchSize: 16)).imported == 40)
        #expect(try db.texts("SELECT count(*) FROM usage_record") == ["340"])
        #expect(try db.texts("""
            SELECT count(*) FROM (
                SELECT ts / 86400000 AS day, provider, coalesce(model_id, model) AS model_key, effort, machine, count(*) AS records,
                       coalesce(sum(cost_pusd), 0) AS cost FROM usage_record GROUP BY 1, 2, 3, 4, 5
                EXCEPT
                SELECT day, provider, model_key, effort, machine, sum(records), sum(cost_pusd) FROM report_rollup_day GROUP BY 1, 2, 3, 4, 5
            ) AS differing
            """) == ["0"])
    }

    @Test("rows written through the view get their names' ids, a new name added once; updates and deletes reach the rows")
    func writesThroughTheView() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        _ = try db.connect(machine: "ci")
        _ = try db.texts("""
            INSERT INTO usage_record (dedup_key, ts, provider, model, source, machine, imported_at)
            VALUES ('v:1', 1793000000000, 'newco', 'newco-1', 'sql', 'ci', 0), ('v:2', 1793000000001, 'newco', 'newco-2', 'sql', 'ci', 0)
            """)
        // The table's defaults, through the view's.
        #expect(try db.texts("SELECT concat_ws(' ', effort, supersede_rank, request_count, is_batch, input_tokens) FROM usage_record WHERE dedup_key = 'v:1'")
            == ["unknown 0 1 f 0"])
        #expect(try db.texts("SELECT count(*) FROM tokenledger_name WHERE name = 'newco'") == ["1"])
        #expect(try db.texts("SELECT count(*) FROM usage_row r JOIN tokenledger_name n ON n.id = r.provider WHERE n.name = 'newco'") == ["2"])
        _ = try db.texts("UPDATE usage_record SET model = 'newco-3', effort = 'high' WHERE dedup_key = 'v:2'")
        #expect(try db.texts("SELECT model || '/' || effort FROM usage_record WHERE dedup_key = 'v:2'") == ["newco-3/high"])
        #expect(try db.texts("SELECT sum(records)::text FROM report_rollup WHERE model_key = 'newco-3' AND effort = 'high'") == ["1"])
        _ = try db.texts("DELETE FROM usage_record WHERE dedup_key = 'v:1'")
        #expect(try db.texts("SELECT count(*) FROM usage_row") == ["1"])
        #expect(try db.texts("SELECT coalesce(sum(records), 0)::text FROM report_rollup WHERE model_key = 'newco-1'") == ["0"])
    }

    @Test("a second ledger object learns the names the first added; names never seen are added once")
    func namesAcrossWriters() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let first = try db.connect(machine: "one")
        let second = try db.connect(machine: "two")
        let names: Set<[UInt8]> = [Array("alpha".utf8), Array("beta".utf8), Array("é/ü".utf8)]
        let ids = try first.run { try first.nameIDs(for: names, on: first.connection) }
        #expect(ids.count == 3 && Set(ids.values).count == 3)
        let again = try second.run { try second.nameIDs(for: names.union([Array("gamma".utf8)]), on: second.connection) }
        #expect(again.filter { names.contains($0.key) } == ids)
        #expect(try db.texts("SELECT count(*) FROM tokenledger_name WHERE name IN ('alpha', 'beta', 'é/ü', 'gamma')") == ["4"])
        // Known ids are answered without the server.
        #expect(try first.run { try first.nameIDs(for: names, on: first.connection) } == ids)
    }

    @Test("a name an open session added through the view: the writer stops after its wait with one sentence, and goes on once that session commits")
    func nameHeldByAnOpenSession() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "ci")
        team.namesLockTimeout = "300ms"
        let name: Set<[UInt8]> = [Array("heldco".utf8)]
        try db.address.withRawConnection { held in
            _ = try held.execute("BEGIN")
            _ = try held.execute("""
                INSERT INTO usage_record (dedup_key, ts, provider, model, source, machine, imported_at)
                VALUES ('h:1', 1793000000000, 'heldco', 'heldco-1', 'sql', 'ci', 0)
                """)
            do {
                _ = try team.run { try team.nameIDs(for: name, on: team.connection) }
                Issue.record("the name was resolved while another session held it")
            } catch let error as TeamLedgerError {
                #expect(error == .nameHeld(address: db.address.description))
                #expect(error.message.contains("has not committed") && error.message.contains("run the same command again"))
            }
            _ = try held.execute("COMMIT")
        }
        let ids = try team.run { try team.nameIDs(for: name, on: team.connection) }
        #expect(try db.texts("SELECT id::text FROM tokenledger_name WHERE name = 'heldco'") == [ids[Array("heldco".utf8)].map(String.init)])
    }

    @Test("reprice's reader turns the rows' name ids back into names, reading the names again for ids it does not hold")
    func storedRecordsReadNames() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "ci")
        _ = try db.texts("""
            INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, source, source_file, machine, imported_at)
            VALUES ('r:1', 1793000000000, 'newco', 'newco-1', NULL, 'sql', '/logs/a.jsonl', 'ci', 0),
                   ('r:2', 1793000000001, 'newco', 'newco-2', 'newco-2-2026', 'sql', NULL, 'ci', 0)
            """)
        var names: [Int64: String] = [:]  // as if read before these names were added
        let records = try team.run { try TeamLedger.storedRecords(after: nil, limit: 10, names: &names, on: team.connection) }
        #expect(records.map(\.record.provider) == ["newco", "newco"] && records.map(\.record.model) == ["newco-1", "newco-2"])
        #expect(records.map(\.modelID) == [nil, "newco-2-2026"] && records.map(\.entry.location?.file) == ["/logs/a.jsonl", nil])
        #expect(records.map(\.record.effort.rawValue) == ["unknown", "unknown"])
        #expect(Set(names.values).isSuperset(of: ["newco", "newco-1", "newco-2", "newco-2-2026", "sql", "/logs/a.jsonl", "ci", "unknown"]))
    }
}
