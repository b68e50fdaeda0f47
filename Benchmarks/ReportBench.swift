// The `report` benchmark: a generated ledger of 5M records over 12 months, then four reports a finance
// user asks for, each timed (target ≤ 300 ms each): a month by model, effort, day; the year by month; a
// month by project, model; the year by month, project (all in Europe/Berlin, so every month and day
// edge cuts a UTC day and the planner's moved pieces are measured too).
//
//   swift run -c release tokenledger-bench report                 # 5M records in a temp file
//   swift run -c release tokenledger-bench report --records 200000 --keep /tmp/ledger.sqlite
//   swift run -c release tokenledger-bench report --generate-only --records 20000 --keep /tmp/l.sqlite
//   swift run -c release tokenledger-bench report --keep /tmp/l.sqlite --reuse   # time again, no regeneration
//   swift run -c release tokenledger-bench report --insert-overhead              # what the rollup triggers cost imports
//   swift run -c release tokenledger-bench report --keep /tmp/l.sqlite --reuse --history   # the estimator's history
import ArgumentParser
import Foundation
import GRDB
import TokenLedger
import TokenLedgerEstimator
import TokenLedgerLedger

struct ReportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Spend reports on a generated 12-month ledger (default 5M records).")

    @Option(help: "Records in the generated ledger.") var records = 5_000_000
    @Option(help: "Keep the generated ledger at this path.") var keep: String?
    @Option(help: "Timed runs per report.") var runs = 5
    @Flag(help: "Generate the ledger and stop.") var generateOnly = false
    @Flag(help: "Time the ledger kept at --keep again, without generating it.") var reuse = false
    @Flag(help: "Only measure what the rollup triggers cost 300,000 inserts.") var insertOverhead = false
    @Flag(help: "Only time the estimator's history (5,000 most recent requests) of every model and effort, and of one with no records.")
    var history = false

    func run() throws {
        if insertOverhead {
            // What the rollup triggers cost an import: the same rows inserted with and without them.
            let n = 300_000
            for triggers in [false, true] {
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-insert-\(UUID().uuidString).sqlite").path
                let t = try ContinuousClock().measure { try ReportBenchLedger.generate(at: path, records: n, rollupTriggers: triggers) }
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                print("insert \(n) records \(triggers ? "with" : "without") rollup triggers: \(t)")
            }
            return
        }
        let path = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-report-bench-\(UUID().uuidString).sqlite").path
        defer { if keep == nil { ReportBenchLedger.remove(at: path) } }
        let clock = ContinuousClock()
        try ReportBenchLedger.prepare(at: path, records: records, reuse: reuse)
        if generateOnly { return }

        let ledger = try Ledger.openReadOnly(at: URL(fileURLWithPath: path))
        if history { return try timeHistory(ledger) }
        let zone = TimeZone(identifier: "Europe/Berlin")!
        let monthQuery = ReportQuery(groupBy: [.model, .effort, .day], period: try ReportPeriod.month("2026-10", in: zone), timeZone: zone)
        let yearQuery = ReportQuery(groupBy: [.month], period: try ReportPeriod.parse(since: "2025-12-01", until: "2026-11-30", month: nil, in: zone), timeZone: zone)
        // Keys only the day tier holds (project).
        let projectQuery = ReportQuery(groupBy: [.project, .model], period: try ReportPeriod.month("2026-10", in: zone), timeZone: zone)
        let yearScanQuery = ReportQuery(groupBy: [.month, .project], period: yearQuery.period, timeZone: zone)
        for (label, query, target) in [("month 2026-10 by model,effort,day", monthQuery, 300), ("year by month", yearQuery, 300),
                                       ("month 2026-10 by project,model", projectQuery, 300),
                                       ("year by month,project", yearScanQuery, 300)] {
            var times: [Duration] = []
            var cpu: [Double] = []
            var rows = 0, counted = 0
            for _ in 0..<runs {
                let before = ImportBenchData.cpuSeconds()
                defer { cpu.append((ImportBenchData.cpuSeconds() - before) * 1000) }
                let t = try clock.measure {
                    let report = try ledger.spendReport(for: query)
                    rows = report.rows.count
                    counted = report.totals.records
                    _ = report.renderTable()
                }
                times.append(t)
            }
            times.sort()
            cpu.sort()
            let ms = { (d: Duration) in Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
            print(String(format: "%@: %d records → %d rows; best %.0f ms, median %.0f ms (CPU %.0f ms) over %d runs%@",
                         label, counted, rows, ms(times[0]), ms(times[times.count / 2]), cpu[cpu.count / 2], runs, target > 0 ? " (target ≤ \(target) ms)" : ""))
        }
    }
}

extension ReportBench {
    /// CPU per `recentOutputs` call (the estimator's history) for each model and effort of the ledger
    /// and one with no records; beside it the query the (model_id, ts) index served before
    /// `v9-model-index-dropped`, on the same ledger (through that index only where it still exists,
    /// e.g. created again by hand), whose rows must be the same.
    func timeHistory(_ ledger: Ledger) throws {
        var pairs = try ledger.reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT model_key, effort, sum(records) FROM report_rollup WHERE resolved = 1 AND is_aggregate = 0
                GROUP BY 1, 2 ORDER BY 3 DESC
                """).map { (model: $0[0] as String, effort: $0[1] as String, records: $0[2] as Int) }
        }
        pairs.append((model: "no-such-model", effort: "high", records: 0))
        func cpuMillis(_ body: () throws -> [[Int]]) rethrows -> (Double, [[Int]]) {
            var cpu: [Double] = []
            var rows: [[Int]] = []
            for _ in 0..<runs {
                let before = ImportBenchData.cpuSeconds()
                rows = try body()
                cpu.append((ImportBenchData.cpuSeconds() - before) * 1000)
            }
            return (cpu.sorted()[runs / 2], rows)
        }
        for pair in pairs {
            let effort = EffortTier(rawValue: pair.effort)
            let (walked, rows) = try cpuMillis {
                try ledger.recentOutputs(modelID: pair.model, effort: effort, limit: OutputHistory.window).map { [$0.output, $0.reasoning] }
            }
            let (old, oldRows) = try cpuMillis {
                try ledger.reader.read { db in
                    try Row.fetchAll(db, sql: """
                        SELECT output_tokens, reasoning_tokens FROM usage_record
                        WHERE model_id = ? AND effort = ? AND is_aggregate = 0 AND request_count = 1
                        ORDER BY ts DESC LIMIT ?
                        """, arguments: [pair.model, pair.effort, OutputHistory.window]).map { [$0[0] as Int, $0[1] as Int] }
                }
            }
            guard rows == oldRows else { throw BenchError.failed("\(pair.model) at \(pair.effort): the history differs from the old query's") }
            print(String(format: "history %@ at %@ (%d records): %.1f ms CPU from the rollup's hours, %.1f ms the old query (median of %d, %d rows)",
                         pair.model, pair.effort, pair.records, walked, old, runs, rows.count))
        }
    }
}

/// A realistic synthetic ledger: models, effort tiers, projects, sources, sessions and tags in
/// proportions like a team's year of Claude Code, Codex and API use; costs are made-up integer rates
/// (this measures the report, not pricing).
enum ReportBenchLedger {
    struct Model {
        var logged: String, id: String?, provider: String, efforts: [String]
        var inputRate: Int64, outputRate: Int64, cacheRate: Int64 // picodollars per token
        var weight: Int
    }

    static let models: [Model] = [
        Model(logged: "claude-sonnet-4-5-20250929", id: "claude-sonnet-4-5", provider: "anthropic", efforts: ["unknown"], inputRate: 3_000_000, outputRate: 15_000_000, cacheRate: 300_000, weight: 34),
        Model(logged: "gpt-5", id: "gpt-5", provider: "openai", efforts: ["minimal", "low", "medium", "high"], inputRate: 1_250_000, outputRate: 10_000_000, cacheRate: 125_000, weight: 20),
        Model(logged: "gpt-5-mini", id: "gpt-5-mini", provider: "openai", efforts: ["minimal", "low", "medium", "high"], inputRate: 250_000, outputRate: 2_000_000, cacheRate: 25_000, weight: 15),
        Model(logged: "claude-haiku-4-5", id: "claude-haiku-4-5", provider: "anthropic", efforts: ["unknown"], inputRate: 1_000_000, outputRate: 5_000_000, cacheRate: 100_000, weight: 10),
        Model(logged: "gemini-2.5-pro", id: "gemini-2.5-pro", provider: "google", efforts: ["low", "high"], inputRate: 1_250_000, outputRate: 10_000_000, cacheRate: 310_000, weight: 8),
        Model(logged: "o3", id: "o3", provider: "openai", efforts: ["low", "medium", "high"], inputRate: 2_000_000, outputRate: 8_000_000, cacheRate: 500_000, weight: 5),
        Model(logged: "gpt-4.1", id: "gpt-4.1", provider: "openai", efforts: ["unknown"], inputRate: 2_000_000, outputRate: 8_000_000, cacheRate: 500_000, weight: 4),
        Model(logged: "claude-opus-4-1", id: "claude-opus-4-1", provider: "anthropic", efforts: ["unknown"], inputRate: 15_000_000, outputRate: 75_000_000, cacheRate: 1_500_000, weight: 3),
        Model(logged: "local-llama-70b", id: nil, provider: "litellm", efforts: ["unknown"], inputRate: 0, outputRate: 0, cacheRate: 0, weight: 1),
    ]
    static let projects = ["search", "checkout", "mobile", "infra", "docs", "ml-eval", "support-bot", "billing", "growth", "api", "web", "data"]
    static let sources = ["anthropic": "claude-code", "openai": "codex", "google": "gemini-api", "litellm": "litellm"]
    static let teams = ["search", "platform", "mobile", "data"]

    /// Writes `records` rows in time order in one transaction per 100k rows. Cost: ~10–20 s for 5M (release).
    /// Generates the benchmark ledger at `path`, or with `reuse` keeps the one already there.
    static func prepare(at path: String, records: Int, reuse: Bool) throws {
        if reuse && FileManager.default.fileExists(atPath: path) {
            // A ledger generated by an older build gains the newer tiers here (their migrations fill them).
            let migrated = try ContinuousClock().measure { _ = try Ledger(try DatabaseQueue(path: path)) }
            print("reusing \(path) (migrations checked in \(migrated))")
        } else {
            let generated = try ContinuousClock().measure { try generate(at: path, records: records) }
            print("generated \(records) records over 12 months (2025-12 … 2026-11) in \(generated) → \(path)")
        }
    }

    /// Deletes a benchmark ledger and its WAL files.
    static func remove(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func generate(at path: String, records: Int, rollupTriggers: Bool = true) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA temp_store = MEMORY") // as Ledger.open does
        }
        let queue = try DatabaseQueue(path: path, configuration: config)
        _ = try Ledger(queue)
        if !rollupTriggers {
            try queue.write { db in
                for t in ["insert", "update", "delete"] {
                    try db.execute(sql: "DROP TRIGGER usage_record_rollup_\(t)")
                    try db.execute(sql: "DROP TRIGGER usage_record_rollup_day_\(t)")
                }
            }
        }
        let start = Int64(1_764_543_600_000) // 2025-11-30T23:00:00Z = 2025-12-01 00:00 Berlin
        let span = Int64(365) * 86_400_000
        var weighted: [Int] = []
        for (i, m) in models.enumerated() { weighted += Array(repeating: i, count: m.weight) }
        var rng = XorShift(seed: 0x5EED_1234)
        var written = 0
        while written < records {
            let batch = min(100_000, records - written)
            try queue.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO usage_record (dedup_key, ts, provider, model, model_id, effort, source, project, session_id, tags,
                        input_tokens, cache_read_tokens, cache_write_5m_tokens, output_tokens, reasoning_tokens,
                        request_count, is_aggregate, cost_pusd, unpriced_reason, imported_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?, 1,0,?,?,0)
                    """)
                for k in 0..<batch {
                    let n = written + k
                    let ts = start + span * Int64(n) / Int64(records)
                    let m = models[weighted[rng.next(weighted.count)]]
                    let effort = m.efforts[rng.next(m.efforts.count)]
                    let input = Int64(200 + rng.next(6_000))
                    let cached = m.provider == "anthropic" ? Int64(rng.next(60_000)) : Int64(rng.next(4_000))
                    let cacheWrite = m.provider == "anthropic" ? Int64(rng.next(3_000)) : 0
                    let reasoning = effort == "unknown" || effort == "minimal" ? 0 : Int64(rng.next(effort == "high" ? 8_000 : 2_000))
                    let output = Int64(50 + rng.next(1_500)) + reasoning
                    let cost: Int64? = m.id == nil ? nil
                        : input * m.inputRate + cached * m.cacheRate + cacheWrite * m.inputRate * 5 / 4 + output * m.outputRate
                    let project = projects[rng.next(projects.count)]
                    let session = "s\(n / 40)"
                    let tags: String? = rng.next(10) < 3 ? "{\"team\":\"\(teams[rng.next(teams.count)])\"}" : nil
                    try statement.execute(arguments: [
                        "bench:\(n)", ts, m.provider, m.logged, m.id, effort, sources[m.provider], project, session, tags,
                        input, cached, cacheWrite, output, reasoning, cost, cost == nil ? "unknown model" : nil,
                    ])
                }
            }
            written += batch
        }
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE") }
        try queue.close()
    }

    /// Deterministic, fast, good enough for a synthetic mix.
    struct XorShift {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }
}
