import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters

/// `--format auto` must pick the right adapter for every provider-API fixture, through the same
/// `LogAdapters.detect(path:head:)` the import pipeline calls.
@Suite("auto-detection of provider API logs")
struct ProviderFormatDetectionTests {
    static let formats = ["openai-chat", "openai-responses", "openai-batch", "openai-usage", "openai-costs",
                          "anthropic", "gemini", "openrouter"]

    /// The adapter the import pipeline itself would choose (`LogAdapters.detect`, which `ImportPipeline` calls).
    func winner(for file: URL) throws -> String? {
        let head = [UInt8](try Data(contentsOf: file).prefix(65_536))
        return LogAdapters.detect(path: file.path, head: head)?.name
    }

    @Test("every fixture is claimed by its own adapter", arguments: formats)
    func fixturesDetectAsTheirFormat(format: String) throws {
        let folder = AdapterHarness.fixture("fixtures/logs/\(format)")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasSuffix("_input.jsonl") } // a batch input is not a usage log
        #expect(!files.isEmpty)
        for file in files {
            #expect(try winner(for: file) == format, "\(file.lastPathComponent)")
        }
    }

    @Test("every provider adapter is registered once, by name")
    func registered() {
        for format in Self.formats { #expect(LogAdapters.named(format)?.name == format) }
        #expect(LogAdapters.named("OPENAI-CHAT")?.name == "openai-chat")
    }
}

extension ProviderFormatDetectionTests {
    @Test("binary files (an SQLite logs.db holding response JSON as text) are not claimed")
    func binaryFilesAreNotClaimed() {
        var head = Array("SQLite format 3".utf8) + [0]
        head += Array(#"{"id":"chatcmpl-1","object":"chat.completion","usage":{"prompt_tokens":1},"usageMetadata":{}}"#.utf8)
        for format in Self.formats {
            #expect(LogAdapters.named(format)?.detect(fileName: "logs.db", head: head) == 0, "\(format)")
        }
    }
}

extension ProviderFormatDetectionTests {
    /// A stand-in format that claims every file with a fixed score.
    struct FixedScore: LogAdapter {
        let name: String
        let score: Int
        var summary: String { "" }
        var layout: LogLayout { .lines }
        func detect(fileName: String, head: [UInt8]) -> Int { score }
        func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
            LogAdapters.all[0].makeParser(context: context, state: state)
        }
    }

    @Test("the highest score wins, a tie goes to the earlier adapter, and a zero score claims nothing")
    func detectionRule() {
        let head = Array("{}".utf8)
        let pick = { (adapters: [any LogAdapter]) in LogAdapters.detect(path: "/x.jsonl", head: head, among: adapters)?.name }
        #expect(pick([FixedScore(name: "a", score: 40), FixedScore(name: "b", score: 60)]) == "b")
        #expect(pick([FixedScore(name: "a", score: 60), FixedScore(name: "b", score: 60)]) == "a")
        #expect(pick([FixedScore(name: "a", score: 0), FixedScore(name: "b", score: 0)]) == nil)
    }
}
