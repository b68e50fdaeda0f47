import Foundation
import Testing
import TokenLedgerImporters
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// A straight COPY's tier rows sent by the writer from the reading thread's sums
/// (`TeamLedgerSchema+SentTiers`): the tiers hold exactly what the rollup trigger would have summed.
@Suite("tier rows sent with a straight COPY", .enabled(if: TestServer.available, TestServer.skipReason))
struct SentTiersTests {
    /// Rows of both tiers that differ from the tiers summed again from `usage_record` with the
    /// triggers' own keys and aggregates (every key and summed column), either way; empty when exact.
    static func tiersAgainstRecords(_ db: ScratchDatabase) throws -> [String?] {
        let sums = TeamLedgerSchema.rollupSums
        func compare(_ table: String, keys: [String], values: [String]) throws -> [String?] {
            let stored = "SELECT \((keys + sums.map(\.column)).joined(separator: ", ")) FROM \(table) WHERE records <> 0"
            let summed = """
                SELECT \((values + sums.map(\.aggregate)).joined(separator: ", ")) FROM usage_record
                GROUP BY \((1...keys.count).map(String.init).joined(separator: ", "))
                """
            return try db.texts("""
                SELECT '\(table) stored: ' || x::text FROM (\(stored) EXCEPT ALL \(summed)) x
                UNION ALL SELECT '\(table) summed: ' || y::text FROM (\(summed) EXCEPT ALL \(stored)) y
                """)
        }
        return try compare("report_rollup", keys: TeamLedgerSchema.rollupKeyColumns, values: TeamLedgerSchema.rollupKeyValues)
            + compare("report_rollup_day", keys: TeamLedgerSchema.dayRollupKeys.map(\.column), values: TeamLedgerSchema.dayRollupKeys.map(\.value))
    }

    @Test("every tier column has its source among the SQLite ledger's sums; money is micro × 10⁶ + rest")
    func sumSources() throws {
        let sources = try #require(TeamLedgerSchema.sentSumSources)
        #expect(sources.count == TeamLedgerSchema.rollupSums.count)
        let local = RollupAccumulator.sumColumns
        let cost = try #require(TeamLedgerSchema.rollupSums.firstIndex { $0.column == "cost_pusd" })
        #expect(sources[cost] == .money(micro: try #require(local.firstIndex(of: "cost_micro")), rest: try #require(local.firstIndex(of: "cost_rest"))))
        var totals = [Int64](repeating: 0, count: local.count)
        totals[local.firstIndex(of: "cost_micro")!] = 9_223_372_036_854  // past Int64 once multiplied
        totals[local.firstIndex(of: "cost_rest")!] = 999_999
        #expect(String(sources[cost].value(totals)) == "9223372036854999999")
    }

    @Test("a first import's batches send their tier rows and the trigger sums none of them; the tiers are exact")
    func straightCopiesSendTiers() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "laptop")
        // The rollup insert trigger now fails any statement it would sum, so only sent tiers can fill them.
        try db.address.withRawConnection { connection in
            try connection.execute("""
                CREATE OR REPLACE FUNCTION tokenledger_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF current_setting('\(TeamLedgerSchema.tiersSentSetting)', true) = 'on' THEN RETURN NULL; END IF;
                    RAISE EXCEPTION 'the trigger summed a batch';
                END $$
                """)
        }
        let dir = try TeamImportTests.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        try Data(TeamImportTests.lines(0..<500).utf8).write(to: file)
        let summary = try TeamImportTests.importing([file], into: team, options: ImportOptions(batchSize: 37))
        #expect(summary.imported == 500)
        #expect(try db.texts("SELECT count(*)::text FROM report_rollup_day") != ["0"])
        #expect(try Self.tiersAgainstRecords(db) == [])
    }

    @Test("every fixture log, straight and staged batches mixed: both tiers exactly the records' sums")
    func fixturesTiersExact() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "laptop")
        let first = try TeamImportTests.importing([TeamImportTests.fixtures], into: team)
        #expect(first.imported > 100 && first.unpriced > 0)
        #expect(try Self.tiersAgainstRecords(db) == [])
        // Again into a ledger holding them: every batch is staged, the trigger sums what changes.
        _ = try TeamImportTests.importing([TeamImportTests.fixtures], into: try db.connect(machine: "desktop"))
        #expect(try Self.tiersAgainstRecords(db) == [])
    }
}
