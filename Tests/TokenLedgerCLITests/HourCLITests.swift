import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// `report --by hour`: local hours in --tz, on the record scan and the rollup alike.
@Suite("tokenledger report --by hour")
struct HourCLITests {
    /// The report fixture plus two Anthropic requests in the hour Berlin's clocks repeat on 2026-10-25:
    /// 00:30Z (02:30 CEST) and 01:30Z (02:30 CET).
    static func runnerWithRepeatedHour() throws -> (CLIRunner, String) {
        let (cli, path) = try ReportCLITests.runnerWithFixture()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for (id, ts) in [(101, 1_792_888_200_000), (102, 1_792_891_800_000)] {
                try db.execute(sql: """
                    INSERT INTO usage_record (id, dedup_key, ts, provider, model, model_id, effort, source, project, session_id,
                        input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
                        request_count, is_aggregate, cost_pusd, price_period, imported_at)
                    VALUES (?, ?, ?, 'anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 'unknown', 'claude-code', 'app', 's1',
                        100, 0, 0, 0, 100, 0, 1, 0, 1800000000, '2025-09-29', 0)
                    """, arguments: [id, "fx:\(id)", ts])
            }
        }
        try queue.close()
        return (cli, path)
    }

    func hours(_ result: CLIRunner.Result) throws -> [String: Int] {
        let rows = try JSONParser.parse(result.stdout)["rows"]?.array ?? []
        var byHour: [String: Int] = [:]
        for row in rows { if let hour = row["hour"]?.string { byHour[hour] = row["requests"]?.int } }
        return byHour
    }

    @Test("--by hour buckets by the local hour; the hour clocks repeat is one row; half-hour zones start hours at :00 local")
    func byHour() throws {
        let (cli, _) = try HourCLITests.runnerWithRepeatedHour()
        defer { cli.cleanUp() }
        let berlin = ["report", "--by", "hour", "--since", "2026-10-25", "--until", "2026-10-25", "--tz", "Europe/Berlin", "--provider", "anthropic", "--json"]
        // Provider filter, whole-hour zone: answered from the hourly rollup.
        let rollup = try cli.run(berlin)
        #expect(rollup.status == 0, "\(rollup.stderr)")
        #expect(try hours(rollup) == ["2026-10-25 00:00": 1, "2026-10-25 02:00": 2, "2026-10-25 23:00": 1])
        // A project filter forces the record scan: the same buckets.
        let scan = try cli.run(berlin + ["--project", "app"])
        #expect(try hours(scan) == ["2026-10-25 00:00": 1, "2026-10-25 02:00": 2, "2026-10-25 23:00": 1])
        // Kolkata is UTC+5:30: 22:30Z is 04:00 local, 00:30Z 06:00, 01:30Z 07:00.
        let kolkata = try cli.run("report", "--by", "hour", "--since", "2026-10-25", "--until", "2026-10-25", "--tz", "Asia/Kolkata", "--provider", "anthropic", "--json")
        #expect(try hours(kolkata) == ["2026-10-25 04:00": 1, "2026-10-25 06:00": 1, "2026-10-25 07:00": 1])

        let table = try cli.run("report", "--by", "hour,model", "--since", "2026-10-25", "--until", "2026-10-25", "--tz", "Europe/Berlin", "--provider", "anthropic")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first { $0.hasPrefix("Hour") } != nil, "\(table.stdout)")
        #expect(lines.filter { $0.hasPrefix("2026-10-25 ") }.map { String($0.prefix(16)) } == ["2026-10-25 00:00", "2026-10-25 02:00", "2026-10-25 23:00"],
                "rows in time order")

        let clash = try cli.run("report", "daily", "--by", "hour")
        #expect(clash.status == 2)
        #expect(clash.stderr.contains("'daily' groups by day but --by asks for hour"))
    }
}
