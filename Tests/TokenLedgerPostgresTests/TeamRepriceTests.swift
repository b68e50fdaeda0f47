import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerReports
@testable import TokenLedgerPostgres

/// `reprice --db postgres://`: the same report as the SQLite ledger's reprice of the same records,
/// the same books afterwards, nothing counted twice when two machines reprice at once.
@Suite("repricing the team ledger", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamRepriceTests {
    /// The bundled prices without Anthropic's table: Anthropic records lose their price, others keep it.
    static func withoutAnthropic() throws -> PriceBook {
        PriceBook(tables: try PriceBook.bundledFiles.filter { !$0.file.hasSuffix("/anthropic.toml") }.map { try PriceTable.parse($0.text, file: $0.file) })
    }

    /// Every fixture log in a SQLite ledger and in a fresh team ledger, imported with the bundled prices.
    static func bothLedgers() throws -> (local: Ledger, db: ScratchDatabase, team: TeamLedger) {
        let local = try Ledger.inMemory()
        _ = try ImportPipeline(ledger: local, pricing: LocalLedger.prices).run(paths: [TeamImportTests.fixtures])
        let db = try TestServer.freshDatabase()
        let team = try db.connect(machine: "laptop")
        _ = try TeamImportTests.importing([TeamImportTests.fixtures], into: team)
        return (local, db, team)
    }

    static func reports(_ query: ReportQuery, local: Ledger, team: TeamLedger) throws -> (String, String) {
        (try local.spendReport(for: query).renderCSV(), try team.spendReport(for: query).renderCSV())
    }

    @Test("dry run, apply in pages, apply again: the same RepriceReport as SQLite's, and the same reports afterwards")
    func parityWithSQLite() async throws {
        let (local, db, team) = try Self.bothLedgers()
        defer { db.drop() }
        let partial = try Self.withoutAnthropic()
        let byModel = ReportQuery(groupBy: [.month, .provider, .model], period: ReportPeriod(), timeZone: TimeZone(identifier: "UTC")!)
        let before = try Self.reports(byModel, local: local, team: team)

        let dryLocal = try local.reprice(with: partial, apply: false)
        let dryTeam = try team.reprice(with: partial, apply: false, pageSize: 7)
        #expect(dryTeam == dryLocal)
        #expect(dryTeam.changed > 0 && dryTeam.changed < dryTeam.records)
        #expect(try Self.reports(byModel, local: local, team: team).1 == before.1, "a dry run wrote to the team ledger")

        let applied = try local.reprice(with: partial, apply: true, pageSize: 5)
        let teamApplied = try team.reprice(with: partial, apply: true, pageSize: 7)
        #expect(teamApplied == applied && teamApplied.applied)
        #expect(teamApplied.text() == applied.text() && teamApplied.json().serialized() == applied.json().serialized())
        let after = try Self.reports(byModel, local: local, team: team)
        #expect(after.1 == after.0 && after.1 != before.1)
        // The rollup (moved by the update trigger) and a record scan (a project filter) agree.
        var scanned = byModel
        scanned.projects = ["search"]
        let scan = try Self.reports(scanned, local: local, team: team)
        #expect(scan.1 == scan.0)
        #expect(try db.texts("SELECT ((SELECT coalesce(sum(cost_pusd), 0) FROM report_rollup) = (SELECT coalesce(sum(cost_pusd), 0) FROM usage_record) AND (SELECT sum(unpriced_records) FROM report_rollup) = (SELECT count(*) FROM usage_record WHERE cost_pusd IS NULL))::text") == ["true"])

        let again = try team.reprice(with: partial, apply: true)
        #expect(again.changed == 0 && again.records == teamApplied.records)
    }

    @Test("two machines repricing at once take turns: each record is repriced once, the books match SQLite's")
    func concurrentReprices() async throws {
        let (local, db, team) = try Self.bothLedgers()
        defer { db.drop() }
        let partial = try Self.withoutAnthropic()
        _ = try local.reprice(with: partial, apply: true)
        _ = try team.reprice(with: partial, apply: true)
        let expected = try local.reprice(with: LocalLedger.prices, apply: true)
        #expect(expected.changed > 0)

        let other = try db.connect(machine: "ci-runner")
        async let first = team.reprice(with: LocalLedger.prices, apply: true, pageSize: 3)
        async let second = other.reprice(with: LocalLedger.prices, apply: true, pageSize: 3)
        let (a, b) = try await (first, second)
        #expect(a.changed + b.changed == expected.changed)
        #expect(min(a.changed, b.changed) == 0)
        let query = ReportQuery(groupBy: [.model, .effort], period: ReportPeriod(), timeZone: TimeZone(identifier: "UTC")!)
        let now = try Self.reports(query, local: local, team: team)
        #expect(now.1 == now.0)
    }
}
