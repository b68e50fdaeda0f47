// The `team-import` benchmark: the same generated OpenAI chat log imported into a SQLite ledger and
// into a team ledger on PostgreSQL in one run, then an unchanged re-import, then a push of N new
// records from a local ledger and an unchanged re-push. Prints wall and CPU time and records/s of each.
// Run (release; needs a PostgreSQL server and an EMPTY database, e.g. createdb bench):
//   swift run -c release tokenledger-bench team-import --postgres postgres://user:pw@127.0.0.1:5432/bench
//   swift run -c release tokenledger-bench team-import --postgres URL --lines 100000
import Foundation
import TokenLedger
import TokenLedgerPostgres

var teamImportSuite: BenchSuite { BenchSuite(name: "team-import", summary: "chat JSONL imported into SQLite and into PostgreSQL; push and re-push") { args in
    var lines = 300_000
    var url = ProcessInfo.processInfo.environment["TOKENLEDGER_BENCH_POSTGRES"]
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--lines": i += 1; lines = Int(args[i]) ?? lines
        case "--postgres": i += 1; url = args[i]
        default: throw TeamImportBenchError.usage(args[i])
        }
        i += 1
    }
    guard let url else { throw TeamImportBenchError.noServer }
    let address = try TeamLedgerAddress(parsing: url)
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

    func timed(_ label: String, records: (ImportSummary?, PushSummary?) -> Int, _ body: () throws -> (ImportSummary?, PushSummary?)) rethrows {
        let cpu = ImportBenchData.cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let used = ImportBenchData.cpuSeconds() - cpu
        let n = records(result.0, result.1)
        let what = result.0.map { "\($0.imported) new, \($0.filesUnchanged) files unchanged" }
            ?? result.1.map { "\($0.sent) sent, \($0.counts.inserted) new" } ?? ""
        print(String(format: "  %@: %.3f s wall, %.3f s CPU (this process); %@; %.0f records/s wall", label, seconds, used, what,
                     Double(n) / max(seconds, 1e-9)))
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
} }

enum TeamImportBenchError: Error, CustomStringConvertible {
    case usage(String)
    case noServer
    case notEmpty(String)
    var description: String {
        switch self {
        case .usage(let s): return "unknown option '\(s)'; use --postgres URL, --lines N"
        case .noServer: return "team-import needs an empty PostgreSQL database: --postgres postgres://user:pw@127.0.0.1:5432/bench (or $TOKENLEDGER_BENCH_POSTGRES)"
        case .notEmpty(let address): return "the team ledger at \(address) already holds records; give team-import an empty database (createdb a new one)"
        }
    }
}
