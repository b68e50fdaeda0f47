import Foundation
import TokenLedger

// tokenizer: our encode throughput against `tiktoken-ref bench` on the same files, in one run,
// plus the linear worst cases and the cold start of `tokenledger count`.
//
//   swift run -c release tokenledger-bench tokenizer [--reps N] [--no-tiktoken] [--out DIR] [--only NAME]
//
// Corpora (written to DIR, default bench-out/tokenizer): ~1 MB each of English prose, source code
// and CJK (the fixture corpora in fixtures/tokenizer/corpora repeated), and the four 1 MB
// pathological inputs: one letter, random lowercase without spaces, digits, spaces.
// `--only NAME` runs just the inputs whose name contains NAME (case-insensitive), e.g. `--only cjk`.
// (A computed global: `BenchSuite` is not Sendable, so a global `let` of it does not compile in Swift 6.)
var tokenizerSuite: BenchSuite {
    BenchSuite(name: "tokenizer", summary: "o200k/cl100k encode MB/s vs tiktoken, worst cases, cold start of `count`",
               run: runTokenizerBench)
}

private func runTokenizerBench(_ arguments: [String]) throws {
    var reps = 5
    var withTiktoken = true
    var outDir = "bench-out/tokenizer"
    var only: String?
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--reps": reps = Int(arguments[i + 1]) ?? reps; i += 1
        case "--no-tiktoken": withTiktoken = false
        case "--out": outDir = arguments[i + 1]; i += 1
        case "--only": only = arguments[i + 1].lowercased(); i += 1
        default: throw TokenizerBenchError("unknown option \(arguments[i])")
        }
        i += 1
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let tiktokenRef = ProcessInfo.processInfo.environment["TIKTOKEN_REF"]
        ?? root.appendingPathComponent("../../shared/tools/tiktoken-ref").standardized.path
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)

    func corpus(_ name: String, _ make: () throws -> String) throws -> String {
        let path = "\(outDir)/\(name)"
        try make().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    func repeated(_ fixture: String) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("fixtures/tokenizer/corpora/\(fixture)"), encoding: .utf8)
        return String(repeating: text, count: 1_000_000 / text.utf8.count + 1)
    }
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    let lowercase = String(decoding: (0..<1_000_000).map { _ -> UInt8 in
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(97 + (seed >> 33) % 26)
    }, as: UTF8.self)

    let inputs: [(name: String, path: String, encodings: [EncodingName], pathological: Bool)] = [
        ("English prose", try corpus("prose.txt") { try repeated("prose.txt") }, [.o200kBase, .cl100kBase], false),
        ("source code", try corpus("code.txt") { try repeated("code.txt") }, [.o200kBase, .cl100kBase], false),
        ("CJK", try corpus("cjk.txt") { try repeated("cjk.txt") }, [.o200kBase, .cl100kBase], false),
        ("1 MB 'a'", try corpus("letter.txt") { String(repeating: "a", count: 1_000_000) }, [.o200kBase, .cl100kBase], true),
        ("1 MB random a-z", try corpus("lowercase.txt") { lowercase }, [.o200kBase, .cl100kBase], true),
        ("1 MB digits", try corpus("digits.txt") { String(repeating: "1234567890", count: 100_000) }, [.o200kBase, .cl100kBase], true),
        ("1 MB spaces", try corpus("spaces.txt") { String(repeating: " ", count: 1_000_000) }, [.o200kBase, .cl100kBase], true),
    ]

    print("tokenizer benchmark: best of \(reps), single thread, \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("input               encoding      bytes   tokens   ours ms  ours MB/s  tiktoken MB/s   ratio")
    for input in inputs where only.map({ input.name.lowercased().contains($0) }) ?? true {
        let text = try String(contentsOfFile: input.path, encoding: .utf8)
        let bytes = text.utf8.count
        for name in input.encodings {
            let encoding = try TokenEncoding.named(name)
            _ = encoding.count(String(text.prefix(1000)))
            var best = Double.infinity
            var tokens = 0
            for _ in 0..<reps {
                let start = DispatchTime.now().uptimeNanoseconds
                tokens = encoding.encode(text).count
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let ours = Double(bytes) / best / 1e6
            var theirs = "-"
            var ratio = "-"
            if withTiktoken {
                // tiktoken is quadratic on long pieces; one repetition and a time limit for those.
                let result = runTiktoken(tiktokenRef, ["bench", "-e", name.rawValue, "-n", input.pathological ? "1" : "\(reps)", input.path],
                                         timeout: input.pathological ? 60 : 600)
                if let mbs = result.mbPerSecond {
                    theirs = String(format: "%.2f", mbs)
                    ratio = String(format: "%.1fx", ours / mbs)
                } else {
                    theirs = result.failure
                }
            }
            print(input.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + name.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: "%8d %8d %9.1f %10.1f", bytes, tokens, best * 1000, ours)
                  + theirs.leftPadded(15) + ratio.leftPadded(8))
        }
    }

    // Cold start: the release `tokenledger` next to this binary, counting a one-line prompt.
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("tokenledger").path
    if FileManager.default.isExecutableFile(atPath: binary) {
        // posix_spawn: the child's own wall time (Foundation's Process adds its own overhead). Peak RSS
        // comes from GNU time run around it: a child spawned straight from this large process would
        // report this process's RSS (Linux carries the spawning mm's high-water mark across exec).
        let prompt = try corpus("prompt.txt") { "Summarise this paragraph in one sentence, please.\n" }
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
        print(String(format: "cold `tokenledger count` of one line (20 runs): median %.1f ms wall (min %.1f), peak RSS %@",
                     walls[walls.count / 2], walls[0], hasTime ? String(format: "%.1f MB", Double(peakKB) / 1024) : "n/a (no /usr/bin/time)"))
    } else {
        print("cold start: build `tokenledger` in the same configuration to measure it")
    }
}

struct TokenizerBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private func runTiktoken(_ path: String, _ arguments: [String], timeout: Double) -> (mbPerSecond: Double?, failure: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return (nil, "not run") }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(50_000) }
    if p.isRunning {
        p.terminate()
        p.waitUntilExit()
        return (nil, String(format: "> %.0f s", timeout))
    }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard p.terminationStatus == 0,
          let field = text.split(separator: ",").last(where: { $0.contains("MB/s") }),
          let value = Double(field.replacingOccurrences(of: "MB/s", with: "").trimmingCharacters(in: .whitespacesAndNewlines))
    else { return (nil, "failed") }
    return (value, "")
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
