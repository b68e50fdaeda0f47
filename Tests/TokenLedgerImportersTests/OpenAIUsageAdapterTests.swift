import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("openai-usage adapter")
struct OpenAIUsageAdapterTests {
    let adapter = OpenAIUsageAdapter()
    let keyHash = SHA256.shortHash(of: "key_live01")

    @Test("a Usage API page: input_tokens includes cached and cache-write tokens; buckets become aggregate records")
    func jsonPage() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_page.json"))
        #expect(out.malformed.isEmpty && out.skipped == 0)
        let r = out.records
        #expect(r.count == 3)
        #expect(r.allSatisfy { $0.isAggregate && $0.source == "openai-usage" && $0.project == "proj_abc" && $0.apiKeyHash == keyHash })
        // input_uncached_tokens given: 20000 (= 50000 − 30000 cached).
        #expect(r[0].tokens == TokenCounts(input: 20000, cacheRead: 30000, output: 12000))
        #expect(r[0].requestCount == 40 && r[0].isBatch == false && r[0].serviceTier == "default")
        #expect(r[0].timestamp == Date(timeIntervalSince1970: 1_764_028_800))
        #expect(out.entries[0].dedupKey == "openai-usage:completions:1764028800:1764115200:proj_abc:-:\(keyHash):gpt-4o-mini-2024-07-18:false:default")
        #expect(r[1].model == "o3-2025-04-16" && r[1].isBatch && r[1].tokens == TokenCounts(input: 200000, output: 90000))
        // No uncached field: 10000 − 1000 cached − 500 cache-write = 8500; audio 4000 − 1000 cached audio = 3000.
        #expect(r[2].tokens == TokenCounts(input: 8500, cacheRead: 1000, cacheWrite5m: 500, output: 2000, audioInput: 3000, audioOutput: 1500))
        #expect(out.totals == TokenCounts(input: 228500, cacheRead: 31000, cacheWrite5m: 500, output: 104000, audioInput: 3000, audioOutput: 1500))
        #expect(r.map(\.requestCount).reduce(0, +) == 73)
    }

    @Test("pages as JSON Lines: an error response skipped, a cut page reported, a repeated page, non-token results skipped")
    func jsonLinesPages() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_pages.jsonl"))
        #expect(out.entries.map { $0.location?.line } == [1, 1, 4, 4, 5, 5])
        #expect(out.malformed.map(\.line) == [3])
        #expect(out.skipped == 1) // the error on line 2
        #expect(out.entries[0].dedupKey == out.entries[2].dedupKey && out.entries[1].dedupKey == out.entries[3].dedupKey)
        #expect(out.entries[1].dedupKey == "openai-usage:embeddings:1764028800:1764115200:-:-:-:text-embedding-3-small:-:-")
        let r = out.records
        // Old shape (no cache-write, no uncached): 3000 − 1000 = 2000.
        #expect(r[0].tokens == TokenCounts(input: 2000, cacheRead: 1000, output: 500) && r[0].project == nil && r[0].apiKeyHash == nil)
        #expect(r[1].tokens == TokenCounts(input: 8000) && r[1].requestCount == 16)
        #expect(r[4].model == "tts-1" && r[4].units == UnitCounts(characters: 4200) && r[4].requestCount == 6 && r[4].tokens == TokenCounts())
        #expect(r[5].model == "dall-e-3" && r[5].units.imagesGenerated == 4 && r[5].tokens == TokenCounts())
    }

    @Test("audio results: transcription seconds and speech characters are the quantities those models bill by")
    func audioResults() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_audio.jsonl"))
        #expect(out.malformed.isEmpty)
        #expect(out.skipped == 1) // the vector-store result
        let r = out.records
        #expect(r.map(\.model) == ["whisper-1", "gpt-4o-transcribe", "tts-1-hd", "whisper-1"])
        #expect(r[0].units == UnitCounts(audioSeconds: 754) && r[0].requestCount == 9 && r[0].tokens == TokenCounts())
        #expect(r[1].units == UnitCounts(audioSeconds: 300) && r[1].project == "proj_abc")
        #expect(r[2].units == UnitCounts(characters: 123_457) && r[2].requestCount == 5)
        // No seconds but requests: kept (the requests happened), with no quantity to price.
        #expect(r[3].units == UnitCounts() && r[3].requestCount == 3)
        #expect(out.entries[0].dedupKey == "openai-usage:audio_transcriptions:1764115200:1764201600:proj_abc:-:-:whisper-1:-:-")
    }

    @Test("the dashboard CSV by header name: same keys as the API for the same bucket, \"59200.0\" numbers, a short row")
    func csvExport() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_export.csv"))
        #expect(out.entries.map { $0.location?.line } == [2, 3, 5])
        #expect(out.malformed.map(\.line) == [4])
        #expect(out.skipped == 1) // the all-zero row
        let page = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_page.json"))
        #expect(out.entries[0].dedupKey == page.entries[0].dedupKey) // the export overlaps the API: counted once
        #expect(out.records[0].tokens == page.records[0].tokens)
        #expect(out.records[1].tokens == TokenCounts(input: 59200, output: 8000))
        #expect(out.records[1].isBatch && out.records[1].requestCount == 12)
        #expect(out.state?["shape"]?.string == "csv")
    }

    @Test("an appended CSV continues with the saved header")
    func csvResume() throws {
        let text = try String(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_export.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let ctx = ImportContext(file: URL(fileURLWithPath: "/tmp/usage.csv"))
        let first = AdapterHarness.run(adapter, text: lines[0...1].joined(separator: "\n") + "\n", context: ctx)
        let rest = AdapterHarness.run(adapter, bytes: Array((lines[2] + "\n").utf8), context: ctx, state: first.state)
        #expect(rest.records.map(\.tokens) == [TokenCounts(input: 59200, output: 8000)])
    }

    @Test("detection")
    func detection() throws {
        let csv = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_export.csv")))
        let page = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-usage/usage_page.json")))
        #expect(adapter.detect(fileName: "usage.csv", head: csv) == 95)
        #expect(adapter.detect(fileName: "usage.json", head: page) == 95)
        #expect(OpenAIChatAdapter().detect(fileName: "usage.json", head: page) == 0)
    }
}

extension OpenAIUsageAdapterTests {
    @Test("a checkpoint in the middle of a JSON document makes the next run re-read the file whole")
    func documentResumesFromDisk() throws {
        let file = AdapterHarness.fixture("fixtures/logs/openai-usage/usage_page.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // A run stopped after the first ten lines; its checkpoint state says "document".
        let first = AdapterHarness.run(adapter, bytes: Array((lines[0..<10].joined(separator: "\n") + "\n").utf8),
                                       context: ImportContext(file: file), state: nil)
        #expect(first.state?["shape"]?.string == "document")
        let rest = lines[10...].joined(separator: "\n")
        let next = AdapterHarness.run(adapter, bytes: Array(rest.utf8), context: ImportContext(file: file), state: first.state)
        #expect(next.malformed.isEmpty)
        #expect(next.records.count == 3)
        #expect(next.totals == TokenCounts(input: 228500, cacheRead: 31000, cacheWrite5m: 500, output: 104000, audioInput: 3000, audioOutput: 1500))
    }
}
