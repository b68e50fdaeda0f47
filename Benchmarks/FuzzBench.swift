// `tokenledger-bench fuzz [--inputs N] [--seed S] [--fixtures DIR] [--save-crashes DIR] [--timeout S] [--batch N] [--only I] [--markdown]`
// Mutates every fixture log (fixtures/logs, every format) N times (default 100,000) and imports each
// mutant into a fresh in-memory ledger, checking what must hold whatever the input:
//  - no crash and no hang (mutants run in batches in a child process, `fuzz --worker`, watched with
//    a per-input timeout; the input that crashed or hung is saved under --save-crashes and the batch
//    goes on after it);
//  - every record and every quarantined line names the file and a line that exists; every line
//    reported malformed is quarantined; the summary matches the ledger;
//  - a line never vanishes: in a fixture whose every line yields a record, a skip or a quarantine,
//    every line of each mutant does too;
//  - deletions (truncation, dropped lines) never raise the token total or the record count above the
//    un-mutated log's; duplicated lines never change them;
//  - no fake API key or prompt text planted in a log reaches the ledger or a message; every message
//    is one line.
// The seed is printed; `--seed S --only I` re-runs input I in-process and prints what it found.
import ArgumentParser
import Foundation
import TokenLedger

struct FuzzBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz", abstract: "Mutated logs of every format through the importer: crashes, hangs, lost or doubled lines, leaks.")

    @Option(help: "Mutated inputs to run.") var inputs = FuzzSettings().inputs
    @Option(help: "The seed (default: the time; printed, to replay a run).") var seed: UInt64?
    @Option(help: "The folder of fixture logs to mutate.") var fixtures = FuzzSettings().fixtures.path
    @Option(help: "Save the inputs that crashed or hung (with --only: that input) in this folder.") var saveCrashes: String?
    @Option(help: "Seconds an input may take before it counts as hung.") var timeout = FuzzSettings().timeout
    @Option(help: "Inputs per child process.") var batch = FuzzSettings().batch
    @Option(help: "Re-run this one input in-process and print what it found.") var only: Int?
    @Option(help: .hidden) var from = 0
    @Flag(help: "Print the figures as a Markdown table.") var markdown = false
    @Flag(help: .hidden) var worker = false

    func run() throws {
        var settings = FuzzSettings()
        settings.inputs = inputs
        if let seed { settings.seed = seed }
        settings.fixtures = URL(fileURLWithPath: fixtures)
        settings.saveCrashes = saveCrashes.map { URL(fileURLWithPath: $0) }
        settings.timeout = timeout
        settings.batch = batch
        settings.only = only
        settings.from = from
        settings.markdown = markdown
        settings.worker = worker
        if settings.worker {
            try FuzzWorker(settings: settings).runBatch()
        } else if let only = settings.only {
            try FuzzWorker(settings: settings).explain(input: only)
        } else {
            try FuzzParent(settings: settings).run()
        }
    }
}

struct FuzzSettings {
    var inputs = 100_000
    var seed: UInt64 = UInt64(Date().timeIntervalSince1970)
    var fixtures = URL(fileURLWithPath: "fixtures/logs")
    var saveCrashes: URL?
    var timeout: Double = 60
    var batch = 5_000
    var only: Int?
    var from = 0
    var markdown = false
    var worker = false
}

/// Runs a batch of inputs in this process, printing `> I` before and `= I ok|fail|refused …` after
/// each, straight to the pipe, so the parent knows which input was running if this process dies.
struct FuzzWorker {
    var settings: FuzzSettings
    var seeds: [FuzzSeed] = []
    let importer: FuzzImporter
    let root: URL
    let foreignLines: [[UInt8]]

    init(settings: FuzzSettings) throws {
        self.settings = settings
        importer = try FuzzImporter()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.copyItem(at: settings.fixtures, to: root)
        seeds = try FuzzWorker.seeds(in: root, importer: importer)
        foreignLines = seeds.filter { !$0.isDatabase }.flatMap { seed in
            seed.bytes.split(separator: 0x0A).prefix(3).map(Array.init)
        }
    }

    /// Every fixture log under `root`, with its format (as detected) and its baseline import.
    static func seeds(in root: URL, importer: FuzzImporter) throws -> [FuzzSeed] {
        let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
            .filter { name in
                var isDir: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir)
                let base = (name as NSString).lastPathComponent
                return !isDir.boolValue && !base.hasPrefix("README") && !base.hasSuffix(".sh") && !name.hasPrefix("fuzz-regressions")
            }
            .sorted()
        var seeds: [FuzzSeed] = []
        for name in files {
            let url = root.appendingPathComponent(name)
            let bytes = [UInt8](try Data(contentsOf: url))
            var importPath = url.path
            if name.hasSuffix("_input.jsonl") { importPath = url.path.replacingOccurrences(of: "_input.jsonl", with: "_output.jsonl") }
            var options: [String: String] = [:]
            if name.hasSuffix("usage_mapped.csv") { options["map"] = "timestamp=ts,model=model_name,input=in,output=out" }
            // The format the importer detects for the un-mutated file; mutants are read as that format.
            let ledger = try Ledger.inMemory()
            _ = try? ImportPipeline(ledger: ledger, pricing: importer.pricing, options: ImportOptions(formatOptions: options, settledAge: 0))
                .run(paths: [URL(fileURLWithPath: importPath)])
            guard let format = try ledger.allCheckpoints().first?.format else { continue }
            var seed = FuzzSeed(relativePath: name, bytes: bytes, importPath: importPath, format: format, formatOptions: options,
                                isDatabase: bytes.starts(with: Array("SQLite format 3".utf8)))
            seed.baseline = importer.run(path: importPath, format: format, formatOptions: options, fileBytes: seed.isDatabase || importPath != url.path ? nil : bytes)
            seed.everyLineAccounted = seed.baseline.unaccountedLines.count <= seed.baseline.unplacedSkips
            seeds.append(seed)
        }
        return seeds
    }

    /// The fixture and mutated bytes of input `index`.
    func input(_ index: Int) -> (seed: FuzzSeed, mutation: FuzzMutation, bytes: [UInt8]) {
        var random = FuzzRandom(seed: settings.seed, input: index)
        let seed = seeds[random.below(seeds.count)]
        let mutation = FuzzMutation.of(input: index)
        var mutator = FuzzMutator(random: random, foreignLines: foreignLines)
        return (seed, mutation, mutator.mutate(seed.bytes, with: mutation, isDatabase: seed.isDatabase))
    }

    /// Writes input `index` in place of its fixture, imports it, puts the fixture back.
    func check(_ index: Int) -> (FuzzSeed, FuzzMutation, FuzzOutcome) {
        let (seed, mutation, bytes) = input(index)
        let url = root.appendingPathComponent(seed.relativePath)
        let written = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        defer { _ = FileManager.default.createFile(atPath: url.path, contents: Data(seed.bytes)) }
        guard written else { return (seed, mutation, FuzzOutcome(failures: ["cannot write the mutated file \(url.path)"])) }
        var outcome = importer.run(path: seed.importPath, format: seed.format, formatOptions: seed.formatOptions,
                                   fileBytes: seed.isDatabase || seed.importPath != url.path ? nil : bytes)
        // A line repeated byte for byte may be merged with its twin (Gemini reads consecutive chunks
        // of one response as one stream): its content is accounted for by the twin.
        let lines = outcome.unaccountedLines.isEmpty ? [] : bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let vanished = outcome.unaccountedLines.filter { n in
            guard n <= lines.count else { return true }
            // A first line that is not JSON is read as a CSV header (the shape of the whole file).
            if n == 1, let first = lines[0].first, first != UInt8(ascii: "{") && first != UInt8(ascii: "[") { return false }
            return lines.filter { $0.elementsEqual(lines[n - 1]) }.count < 2
        }
        if seed.everyLineAccounted, vanished.count > outcome.unplacedSkips, let line = vanished.first {
            outcome.failures.append("line \(line) vanished: no record, no skip, no quarantine")
        }
        // Codex rollouts carry cumulative totals and mark a fork's replayed history by where its
        // session_meta lines stand: deleting or repeating lines changes what the file means (without
        // its own session_meta a fork's replay reads as its own usage). Codex mutants are held to every
        // rule but these two.
        let positional = seed.format == "codex"
        if mutation.deletionOnly, !positional, outcome.tokens > seed.baseline.tokens || outcome.records > seed.baseline.records {
            outcome.failures.append("after a deletion: \(outcome.records) records, \(outcome.tokens) tokens; the whole log has \(seed.baseline.records), \(seed.baseline.tokens)")
        }
        if mutation.duplicating, seed.isJSONLines, !positional, outcome.tokens != seed.baseline.tokens || outcome.records != seed.baseline.records {
            outcome.failures.append("after duplicating lines: \(outcome.records) records, \(outcome.tokens) tokens; the log has \(seed.baseline.records), \(seed.baseline.tokens)")
        }
        return (seed, mutation, outcome)
    }

    func runBatch() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let out = FileHandle.standardOutput
        for seed in seeds where !seed.baseline.failures.isEmpty {
            out.write(Data("! \(seed.relativePath) un-mutated: \(seed.baseline.failures.joined(separator: "; "))\n".utf8))
        }
        for index in settings.from..<settings.inputs {
            out.write(Data("> \(index)\n".utf8))
            let (seed, mutation, outcome) = check(index)
            let verdict = !outcome.failures.isEmpty ? "fail" : outcome.refusal != nil ? "refused" : "ok"
            let detail = outcome.failures.first.map { " \(seed.relativePath): \($0)" } ?? ""
            out.write(Data("= \(index) \(FuzzMutation.rotation.firstIndex(of: mutation) ?? -1) \(verdict) \(outcome.records) \(outcome.quarantined)\(detail.replacingOccurrences(of: "\n", with: " "))\n".utf8))
        }
    }

    /// `--only I`: re-runs one input and prints what it was and what happened.
    func explain(input index: Int) throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (seed, mutation, bytes) = input(index)
        print("input \(index) (seed \(settings.seed)): \(seed.relativePath) read as \(seed.format), \(mutation.rawValue), \(bytes.count) bytes")
        if !seed.isDatabase {
            for (n, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(200).enumerated() {
                print("\(n + 1): \(String(decoding: line.prefix(160), as: UTF8.self))\(line.count > 160 ? "…" : "")")
            }
        }
        let (_, _, outcome) = check(index)
        print("records \(outcome.records) (whole log \(seed.baseline.records)), tokens \(outcome.tokens) (\(seed.baseline.tokens)), quarantined \(outcome.quarantined)")
        if let refusal = outcome.refusal { print("refused: \(refusal)") }
        for failure in outcome.failures { print("FAIL: \(failure)") }
        if outcome.failures.isEmpty { print("ok") }
        // With --save-crashes the input is saved, named as a crash is (a regression fixture in the making).
        if let dir = settings.saveCrashes {
            let name = "\(seed.format)-seed\(settings.seed)-input\(index)-\((seed.relativePath as NSString).lastPathComponent)"
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(bytes).write(to: dir.appendingPathComponent(name))
            print("saved as \(dir.appendingPathComponent(name).path)")
        }
    }
}

/// Starts workers over the inputs, watches them, tallies the verdicts per mutation kind and prints
/// the table (with `--markdown`, the table docs/reliability.md shows, pasted by `scripts/paste-figures fuzz-ci`).
struct FuzzParent {
    var settings: FuzzSettings

    struct Tally {
        var cases = 0, passed = 0, refused = 0, records = 0, quarantined = 0
        var failures: [String] = []
    }

    func run() throws {
        let started = Date()
        print("fuzz: seed \(settings.seed), \(settings.inputs) inputs from \(settings.fixtures.path) (re-run one with: tokenledger-bench fuzz --seed \(settings.seed) --only I)")
        var tallies = [String: Tally]()
        var problems: [String] = []
        var next = 0
        while next < settings.inputs {
            let end = min(next + settings.batch, settings.inputs)
            let result = try runWorker(from: next, to: end) { index, kind, verdict, records, quarantined, detail in
                var t = tallies[kind, default: Tally()]
                t.cases += 1
                t.records += records
                t.quarantined += quarantined
                switch verdict {
                case "ok": t.passed += 1
                case "refused": t.passed += 1; t.refused += 1
                default: t.failures.append("input \(index):\(detail)")
                }
                tallies[kind] = t
            } onNote: { problems.append($0) }
            switch result {
            case .finished:
                next = end
            case .died(let index, let how):
                let (kind, saved) = try record(crash: index, how: how)
                var t = tallies[kind, default: Tally()]
                t.cases += 1
                t.failures.append("input \(index): \(how)\(saved.map { "; saved as \($0)" } ?? "")")
                tallies[kind] = t
                next = index + 1
            }
        }
        let seconds = Date().timeIntervalSince(started)
        for problem in Set(problems).sorted() { print(problem) }
        printTable(tallies, seconds: seconds)
        let failed = tallies.values.reduce(0) { $0 + $1.failures.count }
        if failed > 0 {
            for (kind, t) in tallies.sorted(by: { $0.key < $1.key }) {
                for failure in t.failures.prefix(5) { print("FAIL [\(kind)] \(failure)") }
            }
            throw BenchError.failed("\(failed) of \(settings.inputs) inputs failed; re-run one with --seed \(settings.seed) --only I")
        }
    }

    enum WorkerResult {
        case finished
        case died(index: Int, how: String)
    }

    /// Runs `fuzz --worker` over `from..<to`, handing each verdict line to `onVerdict`. A worker that
    /// dies on a signal, or spends longer than the timeout on one input, is reported with the input
    /// it was on.
    func runWorker(from: Int, to: Int,
                   onVerdict: (Int, String, String, Int, Int, String) -> Void, onNote: (String) -> Void) throws -> WorkerResult {
        let process = Process()
        process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["fuzz", "--worker", "--seed", String(settings.seed), "--from", String(from), "--inputs", String(to),
                             "--fixtures", settings.fixtures.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A worker that crashed or was killed could not remove its copy of the fixtures.
        let workerRoot = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-fuzz-\(process.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: workerRoot) }
        let lines = FuzzLineReader(pipe.fileHandleForReading)
        var current: Int?
        var since = Date()
        while true {
            guard let line = lines.next(timeout: 0.5) else {
                if lines.ended { break }
                if let current, Date().timeIntervalSince(since) > settings.timeout {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return .died(index: current, how: "hang: no result after \(Int(settings.timeout)) s")
                }
                continue
            }
            if line.hasPrefix("> ") {
                current = Int(line.dropFirst(2))
                since = Date()
            } else if line.hasPrefix("= ") {
                let parts = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: false)
                guard parts.count >= 6, let index = Int(parts[1]), let kind = Int(parts[2]) else { continue }
                let name = kind >= 0 ? FuzzMutation.rotation[kind].rawValue : FuzzMutation.hugeLine.rawValue
                onVerdict(index, name, String(parts[3]), Int(parts[4]) ?? 0, Int(parts[5]) ?? 0, parts.count > 6 ? " " + parts[6] : "")
                current = nil
            } else if line.hasPrefix("! ") {
                onNote("note: " + line.dropFirst(2))
            }
        }
        process.waitUntilExit()
        if let current {
            let how = process.terminationReason == .uncaughtSignal ? "crash (signal \(process.terminationStatus))" : "worker exited with status \(process.terminationStatus)"
            return .died(index: current, how: how)
        }
        if process.terminationStatus != 0 { throw BenchError.failed("the fuzz worker failed to start (status \(process.terminationStatus))") }
        return .finished
    }

    /// Saves the input that crashed or hung (when --save-crashes is given) and returns its kind.
    func record(crash index: Int, how: String) throws -> (String, String?) {
        var s = settings
        s.inputs = 0
        let worker = try FuzzWorker(settings: s)
        defer { try? FileManager.default.removeItem(at: worker.root) }
        let (seed, mutation, bytes) = worker.input(index)
        print("\(how) on input \(index): \(seed.relativePath), \(mutation.rawValue)")
        guard let dir = settings.saveCrashes else { return (mutation.rawValue, nil) }
        let base = (seed.relativePath as NSString).lastPathComponent
        let name = "\(seed.format)-seed\(settings.seed)-input\(index)-\(base)"
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(bytes).write(to: dir.appendingPathComponent(name))
        return (mutation.rawValue, dir.appendingPathComponent(name).path)
    }

    func printTable(_ tallies: [String: Tally], seconds: Double) {
        let kinds = FuzzMutation.rotation + [.hugeLine]
        let total = tallies.values.reduce(Tally()) { a, b in
            Tally(cases: a.cases + b.cases, passed: a.passed + b.passed, refused: a.refused + b.refused,
                  records: a.records + b.records, quarantined: a.quarantined + b.quarantined)
        }
        func row(_ name: String, _ t: Tally) -> [String] {
            let result = t.failures.isEmpty ? "pass" : "\(t.failures.count) FAILED"
            return [name, String(t.cases), String(t.records), String(t.quarantined), String(t.refused), result]
        }
        var rows = kinds.compactMap { kind in tallies[kind.rawValue].map { row(kind.rawValue, $0) } }
        rows.append(row("all mutations", Tally(cases: total.cases, passed: total.passed, refused: total.refused, records: total.records,
                                                quarantined: total.quarantined, failures: tallies.values.flatMap(\.failures))))
        let header = ["mutation", "inputs", "records stored", "lines quarantined", "files refused", "result"]
        if settings.markdown {
            print("| " + header.joined(separator: " | ") + " |")
            print("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
            for r in rows { print("| " + r.joined(separator: " | ") + " |") }
        } else {
            let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
            for r in [header] + rows {
                print(r.indices.map { c in c == 0 ? r[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - r[c].count) + r[c] }.joined(separator: "  "))
            }
        }
        print(String(format: "%d inputs in %.0f s (%.0f inputs/s), seed %llu", total.cases, seconds, Double(total.cases) / max(seconds, 0.001), settings.seed))
    }
}

/// Reads lines from a pipe on a background thread, so the parent can wait with a timeout.
final class FuzzLineReader: @unchecked Sendable {
    private let lock = NSCondition()
    private var lines: [String] = []
    private var done = false
    var ended: Bool { lock.lock(); defer { lock.unlock() }; return done }

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                var complete: [String] = []
                while let nl = pending.firstIndex(of: 0x0A) {
                    complete.append(String(decoding: pending[pending.startIndex..<nl], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...nl)
                }
                lock.lock(); lines += complete; lock.signal(); lock.unlock()
            }
            lock.lock(); done = true; lock.signal(); lock.unlock()
        }
        thread.start()
    }

    /// The next line, or nil after `timeout` seconds (or at the end: check `ended`).
    func next(timeout: TimeInterval) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if lines.isEmpty && !done { _ = lock.wait(until: Date().addingTimeInterval(timeout)) }
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
