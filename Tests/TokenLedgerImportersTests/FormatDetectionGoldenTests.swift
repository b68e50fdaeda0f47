import Foundation
import Testing
@testable import TokenLedgerImporters

/// Every adapter's `detect` score for every fixture log, and the format `--format auto` picks, compared
/// with fixtures/detection/scores.txt: a change to how detection reads a file's head must not change
/// one score. Each file is asked with its whole head (at most 64 KiB, as the import pipeline reads it)
/// and with shorter heads, so a needle cut at the head's end is covered too; and again through one
/// `FileHead` shared by all the built-in adapters, as `LogAdapters.detect` asks them.
/// Re-record on purpose only: `RECORD_GOLDEN=1 swift test --filter FormatDetectionGoldenTests`, then
/// review the diff.
@Suite("format detection golden scores")
struct FormatDetectionGoldenTests {
    static let recording = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1"
    static let folders = ["fixtures/logs", "fixtures/fuzz-regressions", "fixtures/budgets", "fixtures/estimate"]
    static let headLengths = [0, 1, 2, 16, 40, 100, 333, 1000, 1024, 1025, 4096]

    /// Every file under the fixture folders, by path relative to the package root, sorted.
    static func fixtureFiles() throws -> [String] {
        var files: [String] = []
        for folder in folders {
            let root = AdapterHarness.fixture(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let url as URL in walker where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
                let relative = url.standardizedFileURL.path.dropFirst(AdapterHarness.packageRoot.standardizedFileURL.path.count)
                files.append(String(relative))
            }
        }
        return files.sorted()
    }

    /// One line per file and head length: the winner, then every adapter that scored above zero.
    static func scores() throws -> String {
        var out = ""
        for file in try fixtureFiles() {
            let whole = [UInt8](try Data(contentsOf: AdapterHarness.fixture(String(file.dropFirst()))).prefix(65_536))
            var lengths = headLengths.filter { $0 < whole.count }
            lengths.append(whole.count)
            for length in lengths {
                let head = Array(whole.prefix(length))
                let winner = LogAdapters.detect(path: file, head: head)?.name ?? "none"
                // Each adapter alone, and the built-in ones again through one head they all share (as
                // `LogAdapters.detect` asks them), which remembers earlier answers: both must agree.
                let shared = FileHead(head)
                let claims = LogAdapters.all.compactMap { adapter -> String? in
                    let score = adapter.detect(path: file, head: head)
                    let sharing = (adapter as? any HeadDetecting)?.detect(path: file, head: shared) ?? score
                    let text = sharing == score ? "\(score)" : "\(score)/shared:\(sharing)"
                    return score > 0 || sharing > 0 ? "\(adapter.name)=\(text)" : nil
                }
                out += "\(file) \(length) -> \(winner) \(claims.joined(separator: " "))\n"
            }
        }
        return out
    }

    @Test("every adapter's score for every fixture head equals the recorded one")
    func scoresMatchTheRecording() throws {
        let url = AdapterHarness.fixture("fixtures/detection/scores.txt")
        let text = try Self.scores()
        if Self.recording {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let got = text.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(got.count == want.count, "the fixtures changed; re-record with RECORD_GOLDEN=1 if that is intended")
        for (g, w) in zip(got, want) where g != w {
            Issue.record("detection changed: \(g) (recorded: \(w))")
        }
        #expect(text.contains("-> claude-code"))
    }
}
