import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// The freshness line: when each source last gave the ledger new records, in every report format.
@Suite("tokenledger report says how fresh its data is")
struct FreshnessCLITests {
    /// A ledger with two sources' checkpoints: claude-code written 2 h 1 min (and 5 days) ago, codex 3 d 1 min ago.
    static func runnerWithCheckpoints() throws -> (CLIRunner, String, Date) {
        let (cli, path) = try ReportCLITests.runnerWithFixture()
        let now = Date()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let checkpoints: [(file: String, format: String, age: Double)] = [
                ("/logs/a.jsonl", "claude-code", 7_260), ("/logs/b.jsonl", "claude-code", 432_000), ("/logs/rollout.jsonl", "codex", 259_260),
            ]
            for c in checkpoints {
                let updated: Int64 = Int64((now.timeIntervalSince1970 - c.age) * 1000)
                try db.execute(sql: "INSERT INTO import_file (path, format, size, mtime_ns, updated_at) VALUES (?, ?, 0, 0, ?)",
                               arguments: [c.file, c.format, updated])
            }
        }
        try queue.close()
        return (cli, path, now)
    }

    @Test("a report ends with when each source was last imported: table, Markdown, HTML and JSON")
    func freshness() throws {
        let (cli, _, now) = try FreshnessCLITests.runnerWithCheckpoints()
        defer { cli.cleanUp() }
        let table = try cli.run("report", "--month", "2026-10", "--tz", "UTC")
        #expect(table.status == 0, "\(table.stderr)")
        let last = table.stdout.split(separator: "\n").last.map(String.init) ?? ""
        // "as of" the newest checkpoint (claude-code's, 2 h 1 min ago), in --tz.
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let newestText = formatter.string(from: Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000 - 7_260_000).rounded(.towardZero) / 1000))
        #expect(last.hasPrefix("Data as of \(newestText) UTC "), "\(table.stdout)")
        #expect(last.hasSuffix(" UTC (last import: claude-code 2 h ago, codex 3 d ago)."), "\(last)")

        let markdown = try cli.run("report", "--month", "2026-10", "--tz", "UTC", "--format", "markdown")
        #expect(markdown.stdout.hasSuffix("(last import: claude-code 2 h ago, codex 3 d ago)._\n"), "\(markdown.stdout)")

        let html = try cli.run("report", "--month", "2026-10", "--tz", "UTC", "--format", "html")
        #expect(html.stdout.contains("(last import: claude-code 2 h ago, codex 3 d ago). Costs are exact"), "the page footer says it")

        let prometheus = try cli.run("report", "--month", "2026-10", "--format", "prometheus").stdout
        let codexSeconds = Int64(now.timeIntervalSince1970 - 3 * 86_400 - 60)
        #expect(prometheus.contains("# TYPE tokenledger_last_import_timestamp_seconds gauge\n"))
        let line = prometheus.split(separator: "\n").first { $0.hasPrefix("tokenledger_last_import_timestamp_seconds{source=\"codex\"} ") }
        let value = line.flatMap { Int64($0.split(separator: " ").last ?? "") }
        #expect(value.map { abs($0 - codexSeconds) <= 1 } == true, "\(prometheus)")

        let json = try JSONParser.parse(try cli.run("report", "--month", "2026-10", "--json").stdout)
        let sources = json["freshness"]?["sources"]?.array ?? []
        #expect(sources.map { $0["source"]?.string } == ["claude-code", "codex"])
        let newest = try #require(sources.first?["last_import"]?.string.flatMap { Timestamp.parse($0) })
        #expect(abs(newest.timeIntervalSince(now) + 2 * 3_600 + 60) < 2)
        #expect(json["freshness"]?["as_of"] == sources.first?["last_import"])

        // --quiet: the spend alone, without freshness in any format.
        let quiet = try cli.run("report", "--month", "2026-10", "--tz", "UTC", "--quiet")
        #expect(!quiet.stdout.contains("Data as of"))
        #expect(quiet.stdout + "\n" + last + "\n" == table.stdout, "the same report without its last line")
        #expect(try JSONParser.parse(cli.run("report", "--month", "2026-10", "--json", "--quiet").stdout)["freshness"] == nil)
        #expect(try !cli.run("report", "--month", "2026-10", "--format", "prometheus", "--quiet").stdout.contains("last_import"))
    }

    @Test("a ledger without import checkpoints has no freshness line and no freshness key")
    func noCheckpoints() throws {
        let (cli, _) = try ReportCLITests.runnerWithFixture()
        defer { cli.cleanUp() }
        #expect(try !cli.run("report", "--month", "2026-10").stdout.contains("Data as of"))
        #expect(try JSONParser.parse(cli.run("report", "--month", "2026-10", "--json").stdout)["freshness"] == nil)
    }
}
