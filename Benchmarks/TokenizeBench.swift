import ArgumentParser
import Foundation
import TokenLedger

// tokenize: our single-threaded encode of given files, nothing else (no corpus building, no
// peers, no threads), for profilers and for interleaved A/B runs of two release builds:
//
//   tokenledger-bench tokenize [--encoding o200k_base|cl100k_base] [--reps N] [--ids|--count] FILE...
//   valgrind --tool=cachegrind tokenledger-bench tokenize --reps 1 --ids slice.txt
//
// Prints per file the token count, a hash of the ids (to compare two builds' output) and MB/s of
// thread CPU time (best of N); with --ids or --count only that path runs (so a profile shows one).
struct TokenizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Single-threaded encode/count of given files (profiling, A/B of two builds).")

    @Option(help: "o200k_base or cl100k_base.") var encoding = EncodingName.o200kBase.rawValue
    @Option(help: "Runs per file (the best is printed).") var reps = 5
    @Flag(help: "Only the ids path.") var ids = false
    @Flag(help: "Only the count path.") var count = false
    @Argument(help: "The files to encode.") var files: [String] = []

    func run() throws {
        guard let name = EncodingName(rawValue: encoding) else { throw TokenizerBenchError("--encoding takes o200k_base or cl100k_base") }
        try runTokenize(encodingName: name, reps: reps, paths: ids ? (true, false) : count ? (false, true) : (true, true), files: files)
    }
}

private func runTokenize(encodingName: EncodingName, reps: Int, paths: (ids: Bool, count: Bool), files: [String]) throws {
    guard !files.isEmpty else { throw TokenizerBenchError("give one or more files: tokenize [--encoding NAME] [--reps N] [--ids|--count] FILE...") }
    let encoding = try TokenEncoding.named(encodingName)
    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    func best(_ body: () -> Int) -> (Int, Double) {
        var result = 0, fastest = Double.infinity
        for _ in 0..<max(reps, 1) {
            let start = cpuSeconds()
            result = body()
            fastest = min(fastest, cpuSeconds() - start)
        }
        return (result, fastest)
    }
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { throw TokenizerBenchError("cannot read \(file)") }
        let text = String(decoding: data, as: UTF8.self)
        let megabytes = Double(text.utf8.count) / 1e6
        var line = "\(file) \(encodingName.rawValue) \(String(format: "%.2f", megabytes)) MB"
        if paths.ids {
            var ids: [Int] = []
            let (tokens, seconds) = best {
                ids = encoding.encode(text, threads: 1)
                return ids.count
            }
            let digest = ids.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
            line += String(format: "  ids %d tokens (FNV-1a %016llx) %.1f MB/s", tokens, digest, megabytes / seconds)
        }
        if paths.count {
            let (tokens, seconds) = best { encoding.count(text, threads: 1) }
            line += String(format: "  count %d tokens %.1f MB/s", tokens, megabytes / seconds)
        }
        print(line)
    }
}
