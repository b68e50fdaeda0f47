// The `team-import` benchmark: the same generated OpenAI chat log imported into a SQLite ledger and
// into a team ledger on PostgreSQL in one run, then an unchanged re-import, then a push of N new
// records from a local ledger and an unchanged re-push. Prints wall and CPU time and records/s of each.
// With `--server-pid` (the postmaster's, the first line of DATA/postmaster.pid) it also prints the CPU time
// the server's processes used in each phase; `--markdown` ends with the phases as one table
// (scripts/paste-figures team-import).
// Run (release; needs a PostgreSQL server and an EMPTY database, e.g. createdb bench):
//   swift run -c release tokenledger-bench team-import --postgres postgres://user:pw@127.0.0.1:5432/bench
//   swift run -c release tokenledger-bench team-import --postgres URL --lines 100000 --server-pid 1234 --markdown
import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

struct TeamImportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team-import", abstract: "Chat JSONL imported into SQLite and into PostgreSQL; push and re-push.")

    @Option(help: "Chat lines per log.") var lines = 300_000
    @Option(name: .customLong("postgres"), help: "An empty PostgreSQL database (default: $TOKENLEDGER_BENCH_POSTGRES).") var postgresURL: String?
    @Option(help: "The server's postmaster process, to print the CPU time of the server's processes per phase.")
    var serverPID: Int32?
    @Flag(help: "End with the phases as one Markdown table (scripts/paste-figures team-import).") var markdown = false

    func run() throws {
        guard let url = postgresURL ?? ProcessInfo.processInfo.environment["TOKENLEDGER_BENCH_POSTGRES"] else { throw TeamImportBenchError.noServer }
        let address = try TeamLedgerAddress(parsing: url)
        let database = address.database ?? ""
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-import-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        // Two logs of the same shape with different ids: one imported into PostgreSQL, the other into the
        // local ledger that is then pushed (so the push sends N new records).
        let teamLog = root.appendingPathComponent("team/responses.jsonl")
        let localLog = root.appendingPathComponent("local/responses.jsonl")
        for (file, range) in [(teamLog, 0..<lines), (localLog, lines..<(2 * lines))] {
            let w = try ImportBenchData.Writer(file)
            for n in range { try w.line(ImportBenchData.chatLine(n)) }
            print("openai-chat: \(lines) lines, \(try w.close() / 1_048_576) MB (\(file.deletingLastPathComponent().lastPathComponent))")
        }
        sync()
        let pricing = try PriceBook.bundled()
        let team = try TeamLedger.connect(address, machine: "bench-import")
        guard try team.recordCount() == 0 else { throw TeamImportBenchError.notEmpty(address.description) }

        var table: [[String]] = []
        var rates: [String: Double] = [:]
        func timed(_ label: String, records: (ImportSummary?, PushSummary?) -> Int, _ body: () throws -> (ImportSummary?, PushSummary?)) rethrows {
            let cpu = ImportBenchData.cpuSeconds()
            let serverBefore = serverPID.map { Self.serverCPUSeconds($0, database: database) }
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let used = ImportBenchData.cpuSeconds() - cpu
            let server = serverBefore.map { Self.serverCPUSeconds(serverPID!, database: database) - $0 }
            let n = records(result.0, result.1)
            let what = result.0.map { "\($0.imported) new, \($0.filesUnchanged) files unchanged" }
                ?? result.1.map { "\($0.sent) sent, \($0.counts.inserted) new" } ?? ""
            let rate = Double(n) / max(seconds, 1e-9)
            rates[label] = rate
            print(String(format: "  %@: %.3f s wall, %.3f s CPU (this process)%@; %@; %.0f records/s wall", label, seconds, used,
                         server.map { String(format: ", %.3f s CPU (server)", $0) } ?? "", what, rate))
            table.append([label, String(format: "%.3f s", seconds), String(format: "%.2f s", used),
                          server.map { String(format: "%.2f s", $0) } ?? "–", n > 0 ? thousands(Int(rate)) : "–"])
        }
        let local = try Ledger.open(at: root.appendingPathComponent("local.sqlite"))
        try timed("SQLite import", records: { s, _ in s?.imported ?? 0 }) {
            (try ImportPipeline(ledger: local, pricing: pricing).run(paths: [localLog]), nil)
        }
        for phase in ["PostgreSQL import", "PostgreSQL unchanged re-import"] {
            try timed(phase, records: { s, _ in s?.imported ?? 0 }) {
                (try team.importing { sink in try ImportPipeline(sink: sink, pricing: pricing).run(paths: [teamLog]) }, nil)
            }
        }
        let path = root.appendingPathComponent("local.sqlite").path
        for phase in ["push of the SQLite ledger", "unchanged re-push"] {
            try timed(phase, records: { _, p in p?.sent ?? 0 }) {
                (nil, try team.push(from: local, ledgerPath: path, batchSize: 5_000))
            }
        }
        if let sqlite = rates["SQLite import"], let postgres = rates["PostgreSQL import"], let push = rates["push of the SQLite ledger"] {
            print(String(format: "PostgreSQL import / SQLite import: %.2f×; push / SQLite import: %.2f×", postgres / sqlite, push / sqlite))
        }
        if markdown {
            print("\n| phase (\(thousands(lines)) lines, one run) | wall | CPU of tokenledger | CPU of the server | records/s wall |")
            print("|---|---|---|---|---|")
            for row in table { print("| " + row.joined(separator: " | ") + " |") }
        }
    }

    /// User and system CPU seconds of every process the postmaster `pid` started (team-report).
    static func serverCPUSeconds(_ pid: Int32) -> Double { serverCPUSeconds(pid, database: nil) }

    /// User and system CPU seconds of the server's processes that work for `database` (its backends,
    /// its autovacuum workers) and of its WAL writer, checkpointer and background writer: children of
    /// the postmaster `pid`, told apart by their process titles ("postgres: user database host(port)
    /// …"), so other databases' sessions on a shared server are left out. From /proc; 0 where it
    /// cannot be read. A backend counts only while it lives: the team ledger keeps both its
    /// connections open until it goes.
    static func serverCPUSeconds(_ pid: Int32, database: String?) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        func stat(_ p: String) -> (parent: Int32, seconds: Double)? {
            guard let text = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return nil }
            // After "pid (comm) ": state, ppid, …; utime and stime are fields 14 and 15 of the whole line.
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
            return (parent, (user + system) / ticks)
        }
        var total = 0.0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            guard let s = stat(entry), Int32(entry) == pid || s.parent == pid else { continue }
            guard let database else { total += s.seconds; continue }
            guard s.parent == pid, let title = try? String(contentsOfFile: "/proc/\(entry)/cmdline", encoding: .utf8) else { continue }
            let words = title.split(whereSeparator: { $0 == " " || $0 == "\0" }).map(String.init)
            let background = ["checkpointer", "walwriter", "background writer"].contains { title.hasPrefix("postgres: \($0)") }
            if background || words.contains(database) { total += s.seconds }
        }
        return total
    }
}

enum TeamImportBenchError: Error, CustomStringConvertible {
    case noServer
    case notEmpty(String)
    var description: String {
        switch self {
        case .noServer: return "team-import needs an empty PostgreSQL database: --postgres postgres://user:pw@127.0.0.1:5432/bench (or $TOKENLEDGER_BENCH_POSTGRES)"
        case .notEmpty(let address): return "the team ledger at \(address) already holds records; give team-import an empty database (createdb a new one)"
        }
    }
}
