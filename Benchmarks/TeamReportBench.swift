// The `team-report` benchmark: the `report` suite's generated ledger (5M records over 12 months by
// default) pushed into a team ledger on PostgreSQL, then the same reports timed on both engines in
// one run, best and median of --runs, with PostgreSQL's time as a multiple of SQLite's.
// Run (release; needs a PostgreSQL server and an empty database, or one this benchmark filled before):
//   swift run -c release tokenledger-bench team-report --postgres postgres://user:pw@127.0.0.1:5432/bench
//   swift run -c release tokenledger-bench team-report --postgres URL --records 200000 --keep /tmp/l.sqlite
//   swift run -c release tokenledger-bench team-report --postgres URL --keep /tmp/l.sqlite --reuse   # no regeneration, no re-push
import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

struct TeamReportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team-report", abstract: "The report suite's ledger pushed to PostgreSQL, reports timed on both engines.")

    @Option(help: "Records in the generated ledger.") var records = 5_000_000
    @Option(help: "Keep the generated SQLite ledger at this path.") var keep: String?
    @Option(help: "Timed runs per report.") var runs = 5
    @Flag(help: "Reuse the ledger kept at --keep and the records already pushed.") var reuse = false
    @Option(name: .customLong("postgres"), help: "A PostgreSQL database (default: $TOKENLEDGER_BENCH_POSTGRES).") var postgresURL: String?
    @Flag(help: "End with the reports as one Markdown table (scripts/paste-figures team-report).") var markdown = false
    @Option(help: "The PostgreSQL server's postmaster process id, to count the server's CPU time per report.") var serverPID: Int32?

    func run() throws {
        guard let url = postgresURL ?? ProcessInfo.processInfo.environment["TOKENLEDGER_BENCH_POSTGRES"] else { throw TeamReportBenchError.noServer }
        let address = try TeamLedgerAddress(parsing: url)
        let path = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-bench-\(UUID().uuidString).sqlite").path
        defer { if keep == nil { ReportBenchLedger.remove(at: path) } }
        let clock = ContinuousClock()
        try ReportBenchLedger.prepare(at: path, records: records, reuse: reuse)
        let local = try Ledger.openReadOnly(at: URL(fileURLWithPath: path))
        let localCount = try local.recordCount()
        let team = try TeamLedger.connect(address, machine: "bench")
        let teamCount = try team.recordCount()
        if teamCount != localCount {
            var summary: PushSummary?
            let pushed = try clock.measure {
                summary = try team.push(from: local, ledgerPath: path, batchSize: 20_000)
            }
            let seconds = Double(pushed.components.seconds) + Double(pushed.components.attoseconds) / 1e18
            print(String(format: "pushed %d records (%d new) to %@ in %.1f s: %.0f records/s", summary?.sent ?? 0, summary?.counts.inserted ?? 0,
                         address.description, seconds, Double(summary?.sent ?? 0) / seconds))
        } else {
            print("the team ledger already holds the \(localCount) records")
        }

        let zone = TimeZone(identifier: "Europe/Berlin")!
        let month = try ReportPeriod.month("2026-10", in: zone)
        let year = try ReportPeriod.parse(since: "2025-12-01", until: "2026-11-30", month: nil, in: zone)
        let queries: [(String, ReportQuery)] = [
            ("month 2026-10 by model,effort,day", ReportQuery(groupBy: [.model, .effort, .day], period: month, timeZone: zone)),
            ("year by month", ReportQuery(groupBy: [.month], period: year, timeZone: zone)),
            ("month 2026-10 by project,model", ReportQuery(groupBy: [.project, .model], period: month, timeZone: zone)),
            ("year by month,project", ReportQuery(groupBy: [.month, .project], period: year, timeZone: zone)),
        ]
        let ms = { (d: Duration) in Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        var table: [String] = []
        for (label, query) in queries {
            var sqliteTimes: [Duration] = [], postgresTimes: [Duration] = []
            // CPU milliseconds per run: this process's for SQLite; this process's plus the server's for PostgreSQL
            // (on a shared machine the wall time includes waiting for a core; the CPU time does not).
            var sqliteCPU: [Double] = [], postgresCPU: [Double] = []
            var sqliteText = "", postgresText = ""
            var counted = 0
            // Interleaved, so both engines see the same machine load.
            for _ in 0..<runs {
                var cpu = ImportBenchData.cpuSeconds()
                sqliteTimes.append(try clock.measure {
                    let report = try local.spendReport(for: query)
                    counted = report.totals.records
                    sqliteText = report.renderTable()
                })
                sqliteCPU.append((ImportBenchData.cpuSeconds() - cpu) * 1000)
                cpu = ImportBenchData.cpuSeconds()
                let server = serverPID.map(TeamImportBench.serverCPUSeconds)
                postgresTimes.append(try clock.measure {
                    let report = try team.spendReport(for: query)
                    postgresText = report.renderTable()
                })
                postgresCPU.append((ImportBenchData.cpuSeconds() - cpu + (server.map { serverPID.map(TeamImportBench.serverCPUSeconds)! - $0 } ?? 0)) * 1000)
            }
            sqliteTimes.sort()
            postgresTimes.sort()
            sqliteCPU.sort()
            postgresCPU.sort()
            print(String(format: "%@: SQLite best %.0f ms, median %.0f ms; PostgreSQL best %.0f ms, median %.0f ms; PostgreSQL/SQLite (median) %.2f×%@",
                         label, ms(sqliteTimes[0]), ms(sqliteTimes[runs / 2]), ms(postgresTimes[0]), ms(postgresTimes[runs / 2]),
                         ms(postgresTimes[runs / 2]) / max(ms(sqliteTimes[runs / 2]), 0.001), sqliteText == postgresText ? "" : " — OUTPUTS DIFFER"))
            print(String(format: "  CPU (median): SQLite %.0f ms; PostgreSQL %.0f ms (tokenledger%@)", sqliteCPU[runs / 2], postgresCPU[runs / 2],
                         serverPID == nil ? " only; --server-pid adds the server's" : " + server"))
            table.append(String(format: "| %@ (%@ records) | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms |", label, thousands(counted),
                                ms(sqliteTimes[0]), ms(sqliteTimes[runs / 2]), sqliteCPU[runs / 2],
                                ms(postgresTimes[0]), ms(postgresTimes[runs / 2]), postgresCPU[runs / 2]))
        }
        if markdown {
            print("\n| report (Europe/Berlin, \(runs) runs each) | SQLite best | SQLite median | SQLite CPU (median) | PostgreSQL best | PostgreSQL median | PostgreSQL CPU, tokenledger + server (median) |")
            print("|---|---|---|---|---|---|---|")
            for row in table { print(row) }
        }
    }
}

enum TeamReportBenchError: Error, CustomStringConvertible {
    case noServer
    var description: String {
        switch self {
        case .noServer: return "team-report needs a PostgreSQL database: --postgres postgres://user:pw@127.0.0.1:5432/bench (or $TOKENLEDGER_BENCH_POSTGRES)"
        }
    }
}
