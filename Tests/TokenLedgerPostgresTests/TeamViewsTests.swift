import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerReports
@testable import TokenLedgerPostgres

/// The session and block views, the imported-file listing and a source's metadata through the one
/// storage interface: the team ledger answers as the SQLite ledger does for the same records.
@Suite("session, blocks, sources and sync metadata on the team ledger", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamViewsTests {
    static let utc = TimeZone(identifier: "UTC")!

    /// The views of one engine, asked through `LedgerStore` only, rendered as the CLI prints them.
    static func views(_ store: any LedgerStore) throws -> [(String, String)] {
        let october = try ReportPeriod.month("2026-10", in: ReportParityTests.berlin)
        func q(_ period: ReportPeriod, zone: TimeZone = ReportParityTests.berlin, providers: [String] = [], projects: [String] = [],
               tags: [TagFilter] = [], models: [String] = []) -> ReportQuery {
            ReportQuery(groupBy: [], period: period, timeZone: zone, models: models, providers: providers, projects: projects, tags: tags)
        }
        let now = Date(timeIntervalSince1970: 1_793_000_000)  // 2026-10-25T08:53:20Z: inside the fixture's period
        let queries: [(String, ReportQuery)] = [
            ("October Berlin", q(october)),
            ("all time UTC", q(ReportPeriod(), zone: utc)),
            ("anthropic", q(ReportPeriod(), providers: ["anthropic"])),
            ("project search", q(ReportPeriod(), projects: ["search"])),
            ("tag team=search", q(ReportPeriod(), tags: [try TagFilter(parsing: "team=search")])),
            ("model gpt-5", q(ReportPeriod(), models: ["gpt-5"])),
        ]
        var out: [(String, String)] = []
        for (name, query) in queries {
            let sessions = try store.sessionReport(for: query)
            out.append(("session \(name) table", sessions.renderTable()))
            out.append(("session \(name) json", sessions.jsonValue().serialized(pretty: true)))
            let blocks = try store.usageBlocks(for: query, now: now)
            out.append(("blocks \(name) table", UsageBlocksText.table(blocks, zone: query.timeZone, now: now)))
            out.append(("blocks \(name) json", UsageBlocksText.json(blocks, now: now).serialized(pretty: true)))
        }
        return out
    }

    @Test("session and blocks: the same text from both engines for every period and filter")
    func viewsParity() async throws {
        let local = try ReportParityTests.localLedger()
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let team = try db.connect(machine: "laptop")
        _ = try team.push(from: local, ledgerPath: "/views", batchSize: 97)
        let expected = try Self.views(local)
        let actual = try Self.views(team)
        for ((name, want), (_, got)) in zip(expected, actual) {
            #expect(got == want, "\(name): PostgreSQL and SQLite differ")
        }
        // Not vacuous: the fixture has sessions, records without one, and blocks with a gap.
        let october = try #require(expected.first { $0.0 == "session October Berlin json" }?.1)
        #expect(october.contains("\"sess-a\"") && october.contains("\"records_without_session\": 3"))
        let blocks = try #require(expected.first { $0.0 == "blocks anthropic json" }?.1)
        #expect(blocks.contains("\"gap\": true"))
    }

    @Test("importedFiles lists this machine's checkpoints; applySourceMetadata changes this machine's records of a folder only")
    func sourcesAndMetadata() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-views-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("a"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Two machines read a file at the same path (paths mean something per machine), each its own lines.
        let file = folder.appendingPathComponent("a/chat.jsonl")
        let laptop = try db.connect(machine: "laptop")
        let ci = try db.connect(machine: "ci")
        for (team, lines) in [(laptop, 0..<6), (ci, 6..<10)] {
            try Data(TeamImportTests.lines(lines).utf8).write(to: file)
            _ = try TeamImportTests.importing([folder], into: team, options: ImportOptions(tags: ["kind": "chat"]))
        }
        let files = try laptop.importedFiles()
        #expect(files.map(\.path) == [file.path])
        #expect(abs(files[0].lastRead.timeIntervalSinceNow) < 600)
        // A folder prefix that is not a parent ("…/a" vs "…/ab") must not match.
        #expect(try laptop.applySourceMetadata(path: folder.appendingPathComponent("a/ch").path, project: "x", tags: [:]) == 0)
        let changed = try laptop.applySourceMetadata(path: folder.path + "/", project: "search", tags: ["team": "core"])
        let perMachine = try db.texts("SELECT machine || ':' || coalesce(project, '-') || ':' || coalesce(tags, '-') FROM usage_record GROUP BY 1 ORDER BY 1")
        #expect(changed > 0)
        #expect(perMachine == ["ci:-:{\"kind\":\"chat\"}", "laptop:search:{\"kind\":\"chat\",\"team\":\"core\"}"])
        // Applying it again changes nothing.
        #expect(try laptop.applySourceMetadata(path: folder.path, project: "search", tags: ["team": "core"]) == 0)
    }

    @Test("tokenledger session, blocks, sources and sync with --db postgres://: the local ledger's answers, no longer refused")
    func commandLine() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-views-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("config/tokenledger"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let projects = home.appendingPathComponent(".claude/projects")
        try FileManager.default.copyItem(at: TeamLedgerCLITests.packageRoot.appendingPathComponent("fixtures/logs/claude-code/projects"), to: projects)
        let url = db.address.url
        let alice = ["TOKENLEDGER_MACHINE": "alice-laptop"]
        func run(_ args: String..., team: Bool = false, machine: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
            try TeamLedgerCLITests.run(args + (team ? ["--db", url] : []), home: home, environment: machine)
        }

        // Before any import: the team ledger has no checkpoint of this machine's folders.
        let never = try run("sources", team: true, machine: alice)
        #expect(never.status == 0 && never.out.contains("Claude Code") && never.out.contains("never"), "\(never.out)\(never.err)")

        #expect(try run("import", projects.path).status == 0)
        let imported = try run("import", projects.path, team: true, machine: alice)
        #expect(imported.status == 0, "\(imported.err)")
        for args in [["session", "--json"], ["session"], ["session", "--project", "shop"],
                     ["blocks", "--since", "2000-01-01", "--json"], ["blocks", "--since", "2000-01-01", "--tz", "Europe/Berlin"]] {
            let local = try TeamLedgerCLITests.run(args, home: home)
            let team = try TeamLedgerCLITests.run(args + ["--db", url], home: home)
            #expect(local.status == 0 && team.status == 0, "\(args.joined(separator: " ")): \(team.err)")
            #expect(team.out == local.out, "\(args.joined(separator: " ")) differs between the local and the team ledger")
        }
        let sessions = try JSONParser.parse(try run("session", "--json", team: true).out)["sessions"]?.array ?? []
        #expect(sessions.count == 2)

        // sources: this machine's last import from the team ledger; another machine's name has none.
        let after = try run("sources", "--json", team: true, machine: alice)
        let listed = try #require(try JSONParser.parse(after.out).array)
        #expect(listed.count == 1 && listed[0]["last_import"] != .null && (listed[0]["files_imported"]?.int ?? 0) > 0, "\(after.out)\(after.err)")
        let other = try run("sources", "--json", "--machine", "bob-desktop", team: true)
        #expect(try JSONParser.parse(other.out).array?.first?["last_import"] == .null, "\(other.out)\(other.err)")

        // sync: a [[source]]'s project and tags reach the records this machine imported earlier.
        try Data("[[source]]\npath = \"\(projects.path)\"\nproject = \"acme\"\ntags = { team = \"core\" }\n".utf8)
            .write(to: home.appendingPathComponent("config/tokenledger/config.toml"))
        let sync = try run("sync", team: true, machine: alice)
        #expect(sync.status == 0, "\(sync.err)")
        #expect(sync.err.contains("project/tags set on"), "\(sync.err)")
        // blocks --live on the team ledger: syncs the source into it (nothing new), then draws a frame.
        let live = try run("blocks", "--live", "--frames", "1", team: true, machine: alice)
        #expect(live.status == 0 && live.out.contains("No active block"), "\(live.out)\(live.err)")
        let byProject = try run("report", "--by", "project,tag:team", "--format", "csv", team: true)
        let rows = byProject.out.split(whereSeparator: \.isNewline).dropFirst()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasPrefix("acme,core,") }, "\(byProject.out)")
    }
}
