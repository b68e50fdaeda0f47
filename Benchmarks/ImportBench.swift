// `tokenledger-bench import [--lines N] [--size MB] [--files N] [--dir PATH] [--no-peers] [--markdown] [--keep]`
// Generates realistic logs under a temporary folder — N OpenAI Chat Completions JSON Lines (default
// 1,000,000), a Claude Code projects tree of about MB megabytes (default 1024) and a folder of N small
// chat logs of 20 lines each (default 5,000: the "unchanged folder of thousands of logs") — then imports each
// into a fresh ledger and prints records/s, MB/s and peak RSS for the first import and for an
// unchanged re-import. Peak RSS is the kernel's high-water mark (VmHWM), reset before each phase.
// After the chat import, its peers run on the same file (`scripts/import-peers.py`: DuckDB
// `read_json` and a plain Python json+sqlite3 loop, each deduplicating on a unique id) and the
// ratio of our records/s to theirs is printed; after the Claude Code import the same peers read the
// tree (one row per key, the highest-ranked copy) and the ratio of MB/s is printed; `--no-peers`
// leaves them out. `--markdown` ends with every
// run as one table for docs/performance.md (`scripts/paste-figures import-300k`).
import ArgumentParser
import Foundation
import TokenLedger

struct ImportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import throughput and memory: 1M chat JSONL lines, a folder of small logs, a 1 GB Claude Code tree.")

    @Option(help: "OpenAI chat lines in one file (0: none).") var lines = 1_000_000
    @Option(name: .customLong("size"), help: "Megabytes of Claude Code tree (0: none).") var sizeMB = 1024
    @Option(name: .customLong("files"), help: "Small chat logs of 20 lines (0: none).") var smallFiles = 5000
    @Option(help: "Folder for the generated logs and ledgers (default: the temporary folder).") var dir: String?
    @Flag(name: .customLong("no-peers"), help: "Leave out DuckDB and Python on the chat log and the Claude Code tree.") var noPeers = false
    @Flag(help: "End with every run as one Markdown table (scripts/paste-figures import-300k).") var markdown = false
    @Flag(help: "Keep the generated logs and ledgers (their folder is printed), for experiments on a copy.") var keep = false
    @Option(help: "Reading workers that parse line-by-line files ahead (default: one per core, at most 4; 0: the import's own thread reads).")
    var readers: Int?

    func run() throws {
        let peers = !noPeers
        if let readers { ImportBenchData.readingThreads = max(0, readers) }
        var table: [[String]] = []
        let base = dir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let root = base.appendingPathComponent("tokenledger-import-bench-\(getpid())")
        defer {
            // On stderr, so a pasted --markdown table is not followed by it.
            if keep { FileHandle.standardError.write(Data("kept: \(root.path)\n".utf8)) } else { try? FileManager.default.removeItem(at: root) }
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        if lines > 0 {
            let file = root.appendingPathComponent("chat/responses.jsonl")
            let bytes = try ImportBenchData.writeChatLog(lines: lines, to: file)
            print("openai-chat: \(lines) lines, \(bytes / 1_048_576) MB")
            let ours = try ImportBenchData.measure(paths: [file.deletingLastPathComponent()], ledgerAt: root.appendingPathComponent("chat.sqlite"),
                                                   label: "openai-chat, \(thousands(lines)) lines (\(bytes / 1_048_576) MB)", table: &table)
            if peers {
                ImportBenchData.runPeers(arguments: [file.path, root.path], ours: ours.megabytesPerSecond,
                                         megabytes: Double(bytes) / 1_048_576, table: &table)
            }
        }
        if smallFiles > 0 {
            let folder = root.appendingPathComponent("many")
            var bytes = 0
            for f in 0..<smallFiles {
                let w = try ImportBenchData.Writer(folder.appendingPathComponent("d\(f % 50)/log-\(f).jsonl"))
                for l in 0..<20 { try w.line(ImportBenchData.chatLine(f * 20 + l)) }
                bytes += try w.close()
            }
            print("openai-chat folder: \(smallFiles) files of 20 lines, \(bytes / 1_048_576) MB")
            try ImportBenchData.measure(paths: [folder], ledgerAt: root.appendingPathComponent("many.sqlite"),
                                        label: "\(thousands(smallFiles)) chat logs of 20 lines (\(bytes / 1_048_576) MB)", table: &table)
        }
        if sizeMB > 0 {
            let tree = root.appendingPathComponent("claude/projects")
            let (files, bytes) = try ImportBenchData.writeClaudeTree(megabytes: sizeMB, under: tree)
            print("claude-code: \(files) files, \(bytes / 1_048_576) MB")
            let ours = try ImportBenchData.measure(paths: [tree], ledgerAt: root.appendingPathComponent("claude.sqlite"),
                                                   label: "Claude Code tree, \(thousands(files)) files (\(bytes / 1_048_576) MB)", table: &table)
            // Compared by MB/s of the same tree (the table's records/s counts records stored, one per key).
            if peers {
                ImportBenchData.runPeers(arguments: ["--claude-code", tree.path, root.path], ours: ours.megabytesPerSecond,
                                         megabytes: Double(bytes) / 1_048_576, table: &table)
            }
        }
        if markdown {
            print("\n| run | wall | records/s wall | MB/s wall | CPU | CPU: reading / writer thread | peak RSS |")
            print("|---|---|---|---|---|---|---|")
            for row in table { print("| " + row.joined(separator: " | ") + " |") }
        }
    }
}

enum ImportBenchData {
    /// Reading workers for every import of the run (`--readers`).
    nonisolated(unsafe) static var readingThreads = ImportOptions.defaultReadingThreads

    /// Imports `paths` twice into a fresh ledger and prints the figures of each run. Returns the first
    /// import's records and megabytes per second of wall time.
    @discardableResult
    static func measure(paths: [URL], ledgerAt url: URL, label: String, table: inout [[String]]) throws
        -> (recordsPerSecond: Double, megabytesPerSecond: Double) {
        // Flush the generator's dirty pages first, so their write-back does not run during the import.
        sync()
        let ledger = try Ledger.open(at: url)
        var firstRate: (recordsPerSecond: Double, megabytesPerSecond: Double)?
        for phase in ["first import", "unchanged re-import"] {
            // The generator's freed buffers (4 MiB per file written) stay in malloc's heap and would count
            // as the import's: given back first, so the peak is the import's own.
            trimMallocHeap()
            resetPeakRSS()
            let rssAtStart = currentRSSMegabytes()
            let cpuStart = cpuSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            let threads = ThreadCPUSampler()
            var options = ImportOptions()
            options.readingThreads = readingThreads
            let pipeline = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: options)
            let summary = try pipeline.run(paths: paths)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = cpuSeconds() - cpuStart
            let (reading, readers, writing) = threads.stop()
            let records = summary.imported + summary.duplicates + summary.replaced
            let mb = Double(summary.bytesRead) / 1_048_576
            // Records/s and MB/s per second of CPU time as well as wall time: on a shared machine the
            // wall clock measures the neighbours too.
            print(String(format: "  %@: %.3f s wall, %.3f s CPU; %d lines with usage (%d new records); %.0f records/s wall, %.0f records/s CPU; %.1f MB/s wall, %.1f MB/s CPU; %d files read, %d unchanged; peak RSS %d MB (%d MB at the start)",
                         phase, seconds, cpu, records, summary.imported, Double(records) / max(seconds, 1e-9),
                         Double(records) / max(cpu, 1e-9), mb / max(seconds, 1e-9), mb / max(cpu, 1e-9),
                         summary.filesRead, summary.filesUnchanged, peakRSSMegabytes(), rssAtStart))
            // Which thread sets the pace: the reading thread (read, parse, price) or the SQLite writer.
            // The reading workers (parsing files ahead) are counted apart from the main thread (pricing, rows).
            print(String(format: "    CPU by thread: reading %.3f s (main %.3f s + reading workers %.3f s), writer %.3f s",
                         reading + readers, reading, readers, writing))
            // The table's records/s counts records stored (new keys), as the peers' rows do: a Claude Code
            // tree holds two usage lines per record (a streamed placeholder and its final line).
            let first = phase == "first import"
            table.append(["\(label), \(phase)", String(format: "%.3f s", seconds),
                          first ? thousands(Int(Double(summary.imported) / max(seconds, 1e-9))) : "–",
                          first ? String(format: "%.1f", mb / max(seconds, 1e-9)) : "–",
                          String(format: "%.2f s", cpu), String(format: "%.2f s / %.2f s", reading + readers, writing), "\(peakRSSMegabytes()) MB"])
            if firstRate == nil { firstRate = (Double(records) / max(seconds, 1e-9), mb / max(seconds, 1e-9)) }
        }
        return firstRate ?? (0, 0)
    }

    /// Runs `scripts/import-peers.py` (DuckDB `read_json`, a plain Python json+sqlite3 loop) with
    /// `arguments` (the same input, right after our import), and prints each peer's records/s and our
    /// ratio to it: of records/s, or of MB/s when the input's `megabytes` are given (`ours` in that unit).
    /// A peer that cannot run is skipped with the reason (the script names the pip command).
    static func runPeers(arguments: [String], ours: Double, megabytes: Double? = nil, table: inout [[String]]) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/import-peers.py")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path] + arguments
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch {
            print("  peers: skipped (cannot run python3 \(script.path): \(error))")
            return
        }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        for line in text.split(separator: "\n") {
            // "peer NAME: W s wall, C s CPU, N records"
            let fields = line.split(separator: " ")
            guard let wallAt = fields.firstIndex(of: "wall,"), wallAt >= 2, let wall = Double(fields[wallAt - 2]),
                  let recordsAt = fields.lastIndex(of: "records"), let records = Double(fields[recordsAt - 1]) else {
                print("  \(line)")
                continue
            }
            let rate = records / max(wall, 1e-9)
            if let megabytes {
                let mbps = megabytes / max(wall, 1e-9)
                print(String(format: "  %@; %.0f records/s wall, %.1f MB/s wall; ours / peer (MB/s) = %.2f", String(line), rate, mbps, ours / mbps))
            } else {
                print(String(format: "  %@; %.0f records/s wall; ours / peer = %.2f", String(line), rate, ours / rate))
            }
            // "peer NAME: …": the peer's name is everything before the first colon.
            let name = line.split(separator: ":", maxSplits: 1).first.map { $0.replacingOccurrences(of: "peer ", with: "") } ?? "peer"
            let cpu = fields.firstIndex(of: "CPU,").flatMap { $0 >= 2 ? Double(fields[$0 - 2]) : nil }
            table.append(["peer: \(name), same input, same run", String(format: "%.3f s", wall), thousands(Int(rate)),
                          megabytes.map { String(format: "%.1f", $0 / max(wall, 1e-9)) } ?? "–", cpu.map { String(format: "%.2f s", $0) } ?? "–", "–", "–"])
        }
        if p.terminationStatus != 0 { print("  peers: the script failed (exit \(p.terminationStatus))") }
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(0, &usage) // RUSAGE_SELF
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// glibc's `malloc_trim(0)` (not in Swift's Glibc module: looked up by name); nothing elsewhere.
    static func trimMallocHeap() {
        #if os(Linux)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }

    static func resetPeakRSS() {
        // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func peakRSSMegabytes() -> Int { statusMegabytes("VmHWM:") }

    static func currentRSSMegabytes() -> Int { statusMegabytes("VmRSS:") }

    /// A /proc/self/status memory line in megabytes; -1 when it cannot be read.
    static func statusMegabytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb / 1024
        }
        return -1
    }

    /// Appends text to a file through a 4 MiB buffer.
    final class Writer {
        let handle: FileHandle
        var buffer: [UInt8] = []
        var written = 0

        init(_ url: URL) throws {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)  // FileHandle below fails if it could not
            handle = try FileHandle(forWritingTo: url)
            buffer.reserveCapacity(4 << 20)
        }

        func line(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            buffer.append(0x0A)
            if buffer.count >= 4 << 20 { try drain() }
        }

        func drain() throws {
            try handle.write(contentsOf: buffer)
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }

        func close() throws -> Int {
            try drain()
            try handle.close()
            return written
        }
    }

    static let models = ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "o3-mini-2025-01-31", "gpt-4.1-2025-04-14", "gpt-5-mini-2025-08-07"]

    /// Words for the answers' text: a response's `choices` are read past, not stored, but their length
    /// varies and a parser pays for every byte of it.
    static let answerWords = "the import reads each line once and stores usage metadata only never the prompt or the answer text so the ledger stays small while reports group cost by model provider project and month with exact money in picodollars cached tokens are billed at a lower rate and reasoning tokens count as output".split(separator: " ").map(String.init)

    /// An answer of 0 to about 600 bytes, different for each `i`, with an escaped quote and newline now and then.
    static func answer(_ i: Int) -> String {
        var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let words = Int(state >> 59) * 2 + (i % 7 == 0 ? 40 : 0)   // 0-62 words, one in seven 40 more
        var text = ""
        for w in 0..<words {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            if w > 0 { text += w % 17 == 0 ? "\\n" : " " }
            text += answerWords[Int(state >> 33) % answerWords.count]
            if w % 23 == 11 { text += " \\\"quoted\\\"" }
        }
        return text
    }

    /// An id like the providers' own (`prefix` then `length` letters and digits), pseudo-random but
    /// fixed for each `seed`. Real ids are random, so they land all over the ledger's dedup index;
    /// sequential ids would insert in near order and flatter the import figures.
    static func pseudoRandomID(_ prefix: String, _ length: Int, seed: Int) -> String {
        var state = prefix.utf8.reduce(UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15) { $0 &* 31 &+ UInt64($1) }
        var id = Array(prefix.utf8)
        id.reserveCapacity(prefix.utf8.count + length)
        for _ in 0..<length {
            // splitmix64 steps: a fixed, well-spread sequence per seed.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            id.append(idAlphabet[Int(z % UInt64(idAlphabet.count))])
        }
        return String(decoding: id, as: UTF8.self)
    }

    static let idAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// One OpenAI Chat Completions response as an application logs it (current shape).
    static func chatLine(_ i: Int) -> String {
        let prompt = 200 + (i * 7919) % 4000
        let cached = (i % 3 == 0) ? (prompt / 1024) * 1024 : 0
        let completion = 20 + (i * 104_729) % 900
        let reasoning = (i % models.count == 2 || i % models.count == 4) ? completion / 2 : 0
        return #"{"id":"\#(pseudoRandomID("chatcmpl-", 29, seed: i))","object":"chat.completion","created":\#(1_761_955_200 + i * 2),"model":"\#(models[i % models.count])","service_tier":"default","system_fingerprint":"fp_ab12cd34","choices":[{"index":0,"message":{"role":"assistant","content":"\#(answer(i))","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion),"prompt_tokens_details":{"cached_tokens":\#(cached),"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":\#(reasoning),"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#
    }

    /// OpenAI Chat Completions responses as an application logs them (one per line, current shape).
    static func writeChatLog(lines: Int, to url: URL) throws -> Int {
        let w = try Writer(url)
        for i in 0..<lines { try w.line(chatLine(i)) }
        return try w.close()
    }

    static let filler = String(repeating: "The quick brown fox jumps over the lazy dog while the build runs. ", count: 60)
    static let filler300 = String(filler.prefix(300)), filler600 = String(filler.prefix(600))
    static let filler800 = String(filler.prefix(800)), filler2500 = String(filler.prefix(2500))

    /// A Claude Code projects tree: 20 projects, sessions of ~2 MB. Each turn is a user prompt, two
    /// assistant lines of one API response (placeholder then final output, as Claude Code writes them)
    /// and a tool result — about 5.5 KB per turn, one billed record per turn.
    static func writeClaudeTree(megabytes: Int, under root: URL) throws -> (files: Int, bytes: Int) {
        let target = megabytes << 20
        var total = 0
        var files = 0
        var session = 0
        while total < target {
            let project = "-home-dev-src-project\(session % 20)"
            let sid = String(format: "6f1d2c3a-%04x-4aaa-8bbb-%012x", session % 65536, session)
            let w = try Writer(root.appendingPathComponent("\(project)/\(sid).jsonl"))
            let cwd = "/home/dev/src/project\(session % 20)"
            let envelope = #""isSidechain":false,"userType":"external","cwd":"\#(cwd)","sessionId":"\#(sid)","version":"1.0.85","gitBranch":"main""#
            for turn in 0..<380 {
                let ts = Timestamp.iso8601(Date(timeIntervalSince1970: 1_761_955_200 + Double(session * 4000 + turn * 9)))
                let msg = pseudoRandomID("msg_01", 22, seed: session * 1000 + turn)
                let req = pseudoRandomID("req_011", 22, seed: session * 1000 + turn)
                let usage = #""usage":{"input_tokens":\#(4 + turn % 50),"cache_creation_input_tokens":\#(turn % 7 == 0 ? 3000 : 0),"cache_read_input_tokens":\#(20_000 + turn * 37),"cache_creation":{"ephemeral_5m_input_tokens":\#(turn % 7 == 0 ? 3000 : 0),"ephemeral_1h_input_tokens":0},"output_tokens":"#
                try w.line(#"{"parentUuid":"u-\#(turn)-0",\#(envelope),"type":"user","message":{"role":"user","content":"\#(filler800)"},"uuid":"u-\#(turn)-1","timestamp":"\#(ts)"}"#)
                try w.line(#"{"parentUuid":"u-\#(turn)-1",\#(envelope),"message":{"id":"\#(msg)","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"thinking","thinking":"\#(filler300)","signature":"x"}],"stop_reason":null,"stop_sequence":null,\#(usage)4,"service_tier":"standard"}},"requestId":"\#(req)","type":"assistant","uuid":"u-\#(turn)-2","timestamp":"\#(ts)"}"#)
                try w.line(#"{"parentUuid":"u-\#(turn)-2",\#(envelope),"message":{"id":"\#(msg)","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"\#(filler600)"}],"stop_reason":"end_turn","stop_sequence":null,\#(usage)\#(100 + turn % 700),"service_tier":"standard"}},"requestId":"\#(req)","type":"assistant","uuid":"u-\#(turn)-3","timestamp":"\#(ts)"}"#)
                try w.line(#"{"parentUuid":"u-\#(turn)-3",\#(envelope),"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_\#(turn)","type":"tool_result","content":"\#(filler2500)"}]},"uuid":"u-\#(turn)-4","timestamp":"\#(ts)"}"#)
            }
            total += try w.close()
            files += 1
            session += 1
        }
        return (files, total)
    }
}

/// Samples the CPU time of this process's main (reading) thread, of the import's reading workers
/// ("import-reader", `LineReadAhead`) and of its writer thread (named "import-writer" by
/// `BatchCommitter`, with its checkpointer "import-ckpt", `WALCheckpointer`) every 10 ms from /proc/self/task, keeping the last value seen for each thread (they
/// end with the import).
final class ThreadCPUSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var writers: [String: Double] = [:]
    private var readers: [String: Double] = [:]
    private var baseline: [String: Double] = [:]
    private var running = true
    private let mainStart: Double
    private var thread: Thread?

    init() {
        mainStart = ThreadCPUSampler.cpuSeconds(task: String(getpid()))
        // A writer thread of the previous phase may not have exited yet: count only what comes after.
        sample()
        baseline = writers.merging(readers) { a, _ in a }
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                sample()
                usleep(10_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops sampling; returns (main thread, reading workers, writer threads) CPU seconds since `init`.
    func stop() -> (reading: Double, readers: Double, writer: Double) {
        sample()
        lock.withLock { running = false }
        let main = ThreadCPUSampler.cpuSeconds(task: String(getpid())) - mainStart
        return lock.withLock {
            (main, readers.reduce(0) { $0 + $1.value - (baseline[$1.key] ?? 0) },
             writers.reduce(0) { $0 + $1.value - (baseline[$1.key] ?? 0) })
        }
    }

    private func sample() {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return }
        for task in tasks {
            guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8) else { continue }
            // The writer's checkpoints run on a thread of their own ("import-ckpt"): counted as the writer's.
            let isWriter = name.hasPrefix("import-writer") || name.hasPrefix("import-ckpt")
            guard isWriter || name.hasPrefix("import-reader") else { continue }
            let cpu = ThreadCPUSampler.cpuSeconds(task: task)
            lock.withLock {
                if isWriter { writers[task] = max(writers[task] ?? 0, cpu) } else { readers[task] = max(readers[task] ?? 0, cpu) }
            }
        }
    }

    /// utime + stime of one thread, from /proc/self/task/TID/stat (fields 14 and 15, in clock ticks).
    static func cpuSeconds(task: String) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
