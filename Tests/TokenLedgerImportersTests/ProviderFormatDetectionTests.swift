import Foundation
import Testing
import TokenLedgerImporters

/// `--format auto` must pick the right adapter for every provider-API fixture: the highest `detect`
/// score over `LogAdapters.all` wins (ties go to the earlier adapter), as the import pipeline does.
@Suite("auto-detection of provider API logs")
struct ProviderFormatDetectionTests {
    static let formats = ["openai-chat", "openai-responses", "openai-batch", "openai-usage", "openai-costs",
                          "anthropic", "gemini", "openrouter"]

    func winner(for file: URL) throws -> String? {
        let head = [UInt8](try Data(contentsOf: file).prefix(65_536))
        var best: (name: String, score: Int)?
        for adapter in LogAdapters.all {
            let score = adapter.detect(fileName: file.lastPathComponent, head: head)
            if score > 0 && score > (best?.score ?? 0) { best = (adapter.name, score) }
        }
        return best?.name
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
