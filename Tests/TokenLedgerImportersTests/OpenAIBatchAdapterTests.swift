import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("openai-batch adapter")
struct OpenAIBatchAdapterTests {
    let adapter = OpenAIBatchAdapter()
    let outputFile = AdapterHarness.fixture("fixtures/logs/openai-batch/batch_68a1_output.jsonl")
    let inputFile = AdapterHarness.fixture("fixtures/logs/openai-batch/batch_68a1_input.jsonl")

    @Test("output joined with the sibling input file: effort tiers, batch flag, errors skipped, a cut line reported")
    func joinedWithSibling() throws {
        #expect(OpenAIBatchAdapter.inputFile(for: outputFile, options: [:])?.lastPathComponent == "batch_68a1_input.jsonl")
        let out = try AdapterHarness.run(adapter, file: outputFile)
        #expect(out.entries.map(\.dedupKey) == [
            "openai:resp_68a1b30000000000000000003", "openai:chatcmpl-B1batch00000000000000001",
            "openai:chatcmpl-B2batch00000000000000002", "openai:chatcmpl-B2batch00000000000000002",
            "openai-batch:batch_req_68a1000000000000000006",
        ])
        #expect(out.entries.map { $0.location?.line } == [1, 2, 4, 6, 8])
        #expect(out.malformed.map(\.line) == [7])
        #expect(out.skipped == 2) // the 400 on line 3 and the expired request on line 5
        let r = out.records
        #expect(r.allSatisfy { $0.isBatch && $0.source == "openai-batch" && $0.provider == "openai" })
        // Line 1: a Responses body echoes its effort.
        #expect(r[0].effort == .low && r[0].tokens == TokenCounts(input: 600, output: 900, reasoning: 768))
        // Line 2: a Chat body does not; the input line for req-1 says "high".
        #expect(r[1].effort == .high && r[1].model == "o3-mini-2025-01-31")
        #expect(r[1].tokens == TokenCounts(input: 400, output: 2000, reasoning: 1792))
        #expect(r[1].timestamp == Date(timeIntervalSince1970: 1_764_200_000))
        #expect(r[1].requestID == "req_b1000000000000000000000000000001")
        // Line 4: 1200 − 1024 cached = 176; no effort in its request.
        #expect(r[2].effort == .unknown && r[2].tokens == TokenCounts(input: 176, cacheRead: 1024, output: 80))
        // Line 8: embeddings, no id or time in the body → batch_req id and the file's time.
        #expect(r[4].model == "text-embedding-3-small" && r[4].tokens == TokenCounts(input: 64))
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: outputFile.path)[.modificationDate] as? Date)
        #expect(r[4].timestamp == Date(timeIntervalSince1970: modified.timeIntervalSince1970.rounded(.down)))
        // Unique totals: input 600+400+176+64 = 1240, output 900+2000+80 = 2980, reasoning 768+1792 = 2560.
        var unique: [String: TokenCounts] = [:]
        for e in out.entries { unique[e.dedupKey] = e.record.tokens }
        #expect(unique.values.reduce(TokenCounts(), +) == TokenCounts(input: 1240, cacheRead: 1024, output: 2980, reasoning: 2560))
    }

    @Test("--batch-input names the input explicitly; without any input the chat effort stays unknown")
    func explicitAndMissingInput() throws {
        let text = try String(contentsOf: outputFile, encoding: .utf8)
        let elsewhere = URL(fileURLWithPath: "/tmp/tokenledger-tests/results.jsonl")
        let joined = AdapterHarness.run(adapter, text: text, context: ImportContext(file: elsewhere, options: ["batch-input": inputFile.path]))
        #expect(joined.records[1].effort == .high)
        let alone = AdapterHarness.run(adapter, text: text, context: ImportContext(file: elsewhere))
        #expect(alone.records[1].effort == .unknown)
        #expect(alone.records[0].effort == .low) // echoed by the Responses body
        #expect(alone.malformed.map(\.line) == [7])
    }

    @Test("an unreadable --batch-input is reported once and the records are still read")
    func unreadableInput() throws {
        let text = try String(contentsOf: outputFile, encoding: .utf8)
        let ctx = ImportContext(file: URL(fileURLWithPath: "/tmp/x_output.jsonl"), options: ["batch-input": "/nonexistent/in.jsonl"])
        let out = AdapterHarness.run(adapter, text: text, context: ctx)
        #expect(out.entries.count == 5)
        #expect(out.malformed.map(\.line) == [1, 7])
        #expect(out.malformed[0].reason.contains("/nonexistent/in.jsonl"))
    }

    @Test("detection claims output files, not input files")
    func detection() throws {
        let output = try [UInt8](Data(contentsOf: outputFile))
        let input = try [UInt8](Data(contentsOf: inputFile))
        #expect(adapter.detect(fileName: "batch_68a1_output.jsonl", head: output) == 95)
        #expect(adapter.detect(fileName: "batch_68a1_input.jsonl", head: input) == 0)
        #expect(OpenAIChatAdapter().detect(fileName: "batch_68a1_output.jsonl", head: output) == 0)
        #expect(OpenAIResponsesAdapter().detect(fileName: "batch_68a1_output.jsonl", head: output) == 0)
    }
}
