import ArgumentParser
import Foundation
import TokenLedger

// tokenizer: our encode throughput on real, varied, non-repeated text against tiktoken and quicktok
// in the same run, plus the cold start of `tokenledger count`.
//
//   swift build -c release --product tokenledger && swift run -c release tokenledger-bench tokenizer \
//       [--reps N] [--peer-reps N] [--no-peers] [--verify] [--worst-cases] [--only NAME] [--encodings A,B] [--out DIR] [--markdown]
//
// Corpora (TokenizerCorpora.swift; written to DIR, default bench-out/tokenizer): 8 MiB each of
// documentation text, Python source, both together (16 MiB), CJK and other scripts, from files on this
// machine. Per corpus and encoding: our single-threaded ids (`encode`) and count, our count on all
// cores, and three peers' best single-threaded encode, from `scripts/tokenizer-reference peers`
// (scripts/tokenizer-peers.py in the reference virtualenv): the publisher's own tokenizer ("reference":
// tiktoken for OpenAI's encodings and underneath Llama's, Qwen's and Tekken's; Hugging Face tokenizers
// for DeepSeek), Hugging Face `tokenizers` on the encoding's tokenizer.json (DeepSeek's own; an
// equivalent one built from the ranks and split pattern for the others), and quicktok-v1 (bundled
// OpenAI, Llama 3 and Qwen vocabularies; Tekken and DeepSeek imported from the publishers' files).
// Ratios compare ids with ids, one thread each. `--verify` compares our ids with the reference's on
// every whole corpus (and the all-cores ids with the single-threaded ones). `--worst-cases` adds the
// 1 MB synthetic single-piece inputs.
struct TokenizerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "MB/s of every bundled encoding on 8 MiB real corpora vs tiktoken/quicktok/the publisher's tokenizer, cold start of `count`.")

    @Option(help: "Runs per corpus and encoding (the best is printed).") var reps = 3
    @Flag(name: [.customLong("no-peers"), .customLong("no-tiktoken")], help: "Leave out the peers.") var noPeers = false
    @Flag(help: "Also compare our ids with tiktoken's on every whole corpus.") var verify = false
    @Flag(help: "Also the 1 MB synthetic single-piece inputs.") var worstCases = false
    @Option(help: "Folder the corpora are written to.") var out = "bench-out/tokenizer"
    @Option(help: "One corpus: docs, code, docs+code, cjk or scripts.") var only: String?
    @Option(help: "Comma-separated encodings (default: every bundled one).") var encodings: String?
    @Option(help: "Runs per corpus for each peer (default: --reps; PEER_REPS in the environment overrides both).") var peerReps: Int?
    @Flag(help: "End with the encode figures as a Markdown table (for scripts/paste-figures).") var markdown = false

    func run() throws {
        let chosen = try encodings.map { list in
            try list.split(separator: ",").map { name in
                guard let e = EncodingName(rawValue: String(name)) else { throw TokenizerBenchError("unknown encoding \(name)") }
                return e
            }
        } ?? EncodingName.available
        // Llama's vocabularies are built locally (scripts/make-tokenizer-resources.sh), not shipped.
        let missing = EncodingName.allCases.filter { !$0.isInstalled }
        if encodings == nil, !missing.isEmpty {
            print("not installed, left out: \(missing.map(\.rawValue).joined(separator: ", ")) (scripts/make-tokenizer-resources.sh builds them)")
        }
        try runTokenizerBench(reps: reps, peerReps: peerReps ?? reps, peers: !noPeers, verify: verify, worstCases: worstCases, outDir: out,
                              only: only?.lowercased(), encodings: chosen, markdown: markdown)
    }
}

private func runTokenizerBench(reps: Int, peerReps: Int, peers: Bool, verify: Bool, worstCases: Bool, outDir: String, only: String?,
                               encodings: [EncodingName], markdown: Bool) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    // The shared tool sits next to the checkouts (/work/shared next to /work/main and the worktrees).
    let tiktokenRef = ProcessInfo.processInfo.environment["TIKTOKEN_REF"]
        ?? ["../shared/tools/tiktoken-ref", "../../shared/tools/tiktoken-ref"].map { root.appendingPathComponent($0).standardized.path }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "tiktoken-ref"
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    let cores = ProcessInfo.processInfo.activeProcessorCount

    // Corpora.
    var corpora: [TokenizerCorpora.Corpus] = []
    let wanted = { (name: String) in only.map { name.contains($0) || $0.contains(name) } ?? true }
    let docs = wanted("docs") || wanted("docs+code") ? try TokenizerCorpora.docs() : nil
    let code = wanted("code") || wanted("docs+code") ? try TokenizerCorpora.code() : nil
    if let docs, wanted("docs") { corpora.append(docs) }
    if let code, wanted("code") { corpora.append(code) }
    if let docs, let code, wanted("docs+code") {
        corpora.append(.init(name: "docs+code", text: docs.text + code.text, files: docs.files + code.files,
                             provenance: "docs, then code"))
    }
    if wanted("cjk") { corpora.append(try TokenizerCorpora.cjk()) }
    if wanted("scripts") { corpora.append(try TokenizerCorpora.scripts()) }
    var paths: [String: String] = [:]
    for corpus in corpora {
        let path = "\(outDir)/\(corpus.name).txt"
        try corpus.text.write(toFile: path, atomically: true, encoding: .utf8)
        paths[corpus.name] = path
        print(corpus.name.padding(toLength: 10, withPad: " ", startingAt: 0)
              + String(format: "%6.2f MB, %5d files: ", Double(corpus.bytes) / 1e6, corpus.files) + corpus.provenance)
    }

    var load = ""
    if let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) { load = text.split(separator: " ").prefix(3).joined(separator: " ") }
    print("\ntokenizer benchmark: best of \(reps), MB/s of CPU time on one thread (all cores: wall time); \(cores) cores; load average \(load)")
    print("corpus     encoding        MB   tokens  ours ids  ours count  all cores  reference   hf tok.   quicktok   ×hf tok.  ×quicktok")
    print("                                          MB/s       MB/s       MB/s       MB/s      MB/s       MB/s")
    let reference = root.appendingPathComponent("scripts/tokenizer-reference").path
    var table: [String] = []  // the --markdown rows
    for name in encodings {
        let encoding = try TokenEncoding.named(name)
        let openAI = name == .o200kBase || name == .cl100kBase
        let files = corpora.map { paths[$0.name]! }
        let peerResults = peers ? runPeers(reference, encoding: name.rawValue, reps: peerReps, files: files) : PeerResults()
        for corpus in corpora {
            let text = corpus.text
            _ = encoding.count(String(text.prefix(1000)))
            let bytes = Double(corpus.bytes)
            var ids: [Int] = []
            let idsTime = best(of: reps) { ids = encoding.encode(text, threads: 1) }
            let countTime = best(of: reps) { _ = encoding.count(text, threads: 1) }
            let allTime = best(of: reps, wall: true) { _ = encoding.count(text, threads: cores) }
            let ours = bytes / idsTime / 1e6
            var line = corpus.name.padding(toLength: 11, withPad: " ", startingAt: 0) + name.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: "%6.2f %8d %9.1f %11.1f %10.1f", bytes / 1e6, ids.count, ours, bytes / countTime / 1e6, bytes / allTime / 1e6)
            let path = paths[corpus.name]!
            let r = peerResults.rates["reference"]?[path], h = peerResults.rates["hf"]?[path], q = peerResults.rates["quicktok"]?[path]
            line += r.map { String(format: " %10.1f", $0) } ?? "          -"
            line += h.map { String(format: " %9.1f", $0) } ?? "         -"
            line += q.map { String(format: " %10.1f", $0) } ?? "          -"
            line += h.map { String(format: " %9.1f×", ours / $0) } ?? "          -"
            line += q.map { String(format: " %9.1f×", ours / $0) } ?? "          -"
            print(line)
            func rate(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
            func times(_ peer: Double?) -> String { peer.map { String(format: "%.1f×", ours / $0) } ?? "-" }
            table.append("| \(name.rawValue) | \(corpus.name) | \(rate(ours)) | \(rate(r)) | \(rate(h)) | \(rate(q)) | \(times(h)) | \(times(q)) |")
            for (peer, tokens) in peerResults.tokens where tokens[path] != nil && tokens[path] != ids.count {
                print("  MISMATCH: \(peer) counts \(tokens[path]!) tokens, ours \(ids.count)")
            }
            if verify {
                let parallel = encoding.encode(text, threads: cores)
                let expected = tiktokenIDs(openAI ? tiktokenRef : reference, name.rawValue, path)
                print("  verify: all-cores ids \(parallel == ids ? "equal" : "DIFFER from") single-threaded ids; "
                      + "\(openAI ? "tiktoken" : "reference") ids \(expected == nil ? "not available" : expected! == ids ? "equal" : "DIFFER (\(firstDifference(expected!, ids)))")")
            }
        }
        for note in peerResults.notes { print("  " + note) }
    }

    if worstCases { try runWorstCases(outDir: outDir, tiktokenRef: tiktokenRef, reps: reps, peers: peers) }
    try runColdStart(outDir: outDir)
    if markdown {
        // Last, so scripts/paste-figures takes this table and the line after it.
        print("\n| encoding | corpus | ours MB/s | reference MB/s | HF tokenizers MB/s | quicktok MB/s | × HF | × quicktok |")
        print("|---|---|---|---|---|---|---|---|")
        for row in table { print(row) }
        let peerRuns = ProcessInfo.processInfo.environment["PEER_REPS"].flatMap(Int.init) ?? peerReps
        print("Best of \(reps) runs for ours\(peers ? ", of \(peerRuns) for the peers" : ", no peers"); MB per second of CPU time of the encoding thread, \(cores) cores.")
    }
}

/// Best time of `reps` runs of `body`, in seconds: CPU time of this thread (what a single-threaded
/// encode costs, whatever else the machine runs), or wall time (`wall`, for the all-cores runs).
private func best(of reps: Int, wall: Bool = false, _ body: () -> Void) -> Double {
    func now() -> Double {
        if wall { return Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    var best = Double.infinity
    for _ in 0..<max(reps, 1) {
        let start = now()
        body()
        best = min(best, now() - start)
    }
    return best
}

private struct PeerResults {
    var rates: [String: [String: Double]] = [:]
    var tokens: [String: [String: Int]] = [:]
    var notes: [String] = []
}

/// Runs the peers once for all files (`scripts/tokenizer-reference peers`: one Python start per encoding).
private func runPeers(_ tool: String, encoding: String, reps: Int, files: [String]) -> PeerResults {
    var results = PeerResults()
    guard let out = runTool(tool, ["peers", encoding, "\(reps)"] + files, timeout: 7200) else {
        results.notes.append("peers failed: \(tool) peers \(encoding)")
        return results
    }
    for line in out.split(separator: "\n") {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let peer = object["peer"] as? String else { continue }
        if let why = object["skipped"] as? String {
            results.notes.append("\(peer) skipped for \(encoding): \(why.split(separator: "\n").first ?? "")")
            continue
        }
        guard let file = object["file"] as? String, let bytes = object["bytes"] as? Int, let seconds = object["seconds"] as? Double,
              let tokens = object["tokens"] as? Int else { continue }
        results.rates[peer, default: [:]][file] = Double(bytes) / seconds / 1e6
        results.tokens[peer, default: [:]][file] = tokens
        if let version = object["version"] as? String, !version.isEmpty, !results.notes.contains(where: { $0.hasPrefix(peer + " ") }) {
            results.notes.append("\(peer) \(version) (\(encoding)), one thread")
        }
    }
    return results
}

/// Ids from `tool ids -e ENCODING FILE` (tiktoken-ref or scripts/tokenizer-reference).
private func tiktokenIDs(_ tiktokenRef: String, _ encoding: String, _ path: String) -> [Int]? {
    guard let out = runTool(tiktokenRef, ["ids", "-e", encoding, path], timeout: 3600) else { return nil }
    var ids: [Int] = []
    ids.reserveCapacity(out.utf8.count / 7)
    var value = 0, inNumber = false
    for b in out.utf8 {
        if b >= 0x30 && b <= 0x39 {
            value = value * 10 + Int(b - 0x30)
            inNumber = true
        } else if inNumber {
            ids.append(value)
            value = 0
            inNumber = false
        }
    }
    return ids
}

private func firstDifference(_ a: [Int], _ b: [Int]) -> String {
    let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    return "\(a.count) vs \(b.count) ids, first difference at id \(k)"
}

/// Runs a tool and returns its standard output, or nil if it fails or exceeds `timeout` seconds.
private func runTool(_ path: String, _ arguments: [String], timeout: Double, environment: [String: String]? = nil) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    if let environment { p.environment = environment }
    // Output goes to a file: a pipe would fill up and stall the tool while this thread waits.
    let outPath = "\(NSTemporaryDirectory())/tokenledger-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
    guard FileManager.default.createFile(atPath: outPath, contents: nil), let out = FileHandle(forWritingAtPath: outPath) else { return nil }
    defer { try? FileManager.default.removeItem(atPath: outPath) }
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    if p.isRunning {
        p.terminate()
        p.waitUntilExit()
        return nil
    }
    try? out.close()
    guard p.terminationStatus == 0, let data = FileManager.default.contents(atPath: outPath) else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// The 1 MB single-piece inputs that show the merge stays linear (synthetic on purpose; not speed figures).
private func runWorstCases(outDir: String, tiktokenRef: String, reps: Int, peers: Bool) throws {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    let lowercase = String(decoding: (0..<1_000_000).map { _ -> UInt8 in
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(97 + (seed >> 33) % 26)
    }, as: UTF8.self)
    let inputs = [("1 MB 'a'", "letter", String(repeating: "a", count: 1_000_000)), ("1 MB random a-z", "lowercase", lowercase),
                  ("1 MB digits", "digits", String(repeating: "1234567890", count: 100_000)),
                  ("1 MB spaces", "spaces", String(repeating: " ", count: 1_000_000))]
    print("\nworst cases (one 1 MB piece each; ms, best of \(reps); tiktoken one run, 60 s limit)")
    for (label, file, text) in inputs {
        let path = "\(outDir)/\(file).txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var line = label.padding(toLength: 18, withPad: " ", startingAt: 0)
        for name in [EncodingName.o200kBase, .cl100kBase] {
            let encoding = try TokenEncoding.named(name)
            let ms = best(of: reps) { _ = encoding.count(text, threads: 1) } * 1000
            var theirs = ""
            if peers {
                let out = runTool(tiktokenRef, ["bench", "-e", name.rawValue, "-n", "1", path], timeout: 60)
                let seconds = out.flatMap { $0.components(separatedBy: "best ").last?.split(separator: " ").first }.flatMap { Double($0) }
                theirs = seconds.map { String(format: " (tiktoken %.0f ms)", $0 * 1000) } ?? " (tiktoken failed or > 60 s)"
            }
            line += String(format: "  %@ %.1f ms%@", name.rawValue, ms, theirs)
        }
        print(line)
    }
}

/// Cold start: the release `tokenledger` next to this binary, counting a one-line prompt.
private func runColdStart(outDir: String) throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("tokenledger").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        print("cold start: build `tokenledger` in the same configuration to measure it")
        return
    }
    // posix_spawn: the child's own wall time (Foundation's Process adds its own overhead). Peak RSS
    // comes from GNU time run around it: a child spawned straight from this large process would
    // report this process's RSS (Linux carries the spawning mm's high-water mark across exec).
    let prompt = "\(outDir)/prompt.txt"
    try "Summarise this paragraph in one sentence, please.\n".write(toFile: prompt, atomically: true, encoding: .utf8)
    let timeTool = "/usr/bin/time"
    let rssFile = "\(outDir)/rss.txt"
    let hasTime = FileManager.default.isExecutableFile(atPath: timeTool)
    var walls: [Double] = []
    var peakKB = 0
    for _ in 0..<20 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, prompt, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let words = hasTime ? [timeTool, "-f", "%M", "-o", rssFile, binary, "count"] : [binary, "count"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, words[0], &actions, nil, argv, environ) == 0 else {
            throw TokenizerBenchError("cannot run \(binary)")
        }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        if hasTime, let text = try? String(contentsOfFile: rssFile, encoding: .utf8),
           let kb = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            peakKB = max(peakKB, kb)
        }
        posix_spawn_file_actions_destroy(&actions)
    }
    walls.sort()
    print(String(format: "\ncold `tokenledger count` of one line (20 runs): median %.1f ms wall (min %.1f), peak RSS %@",
                 walls[walls.count / 2], walls[0], hasTime ? String(format: "%.1f MB", Double(peakKB) / 1024) : "n/a (no /usr/bin/time)"))
}

struct TokenizerBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
