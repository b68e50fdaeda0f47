import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

/// Responses in the Chat Completions shape from providers other than OpenAI: each is read with its
/// own provider's meaning of the counts and attributed to that provider, never to the shape's.
@Suite("OpenAI-compatible providers")
struct OpenAICompatibleProvidersTests {
    static let fixture = "fixtures/logs/openai-compatible/responses.jsonl"

    func run() throws -> AdapterHarness.Output {
        try AdapterHarness.run(OpenAIChatAdapter(), file: AdapterHarness.fixture(Self.fixture))
    }

    func record(_ out: AdapterHarness.Output, _ model: String) throws -> UsageRecord {
        try #require(out.records.first { $0.model == model })
    }

    @Test("xAI: reasoning tokens are outside completion_tokens; cost_in_usd_ticks is the reported cost")
    func xai() throws {
        let r = try record(try run(), "grok-3-mini")
        // completion 1 + reasoning 228 = 229 output; prompt 12 with 2 cached.
        #expect(r.tokens == TokenCounts(input: 10, cacheRead: 2, output: 229, reasoning: 228))
        #expect(r.provider == "xai")
        // 1,176,500 ticks at 10^10 ticks per USD = $0.00011765.
        #expect(r.reportedCost == Money(decimalText: "0.00011765"))
    }

    @Test("Mistral Voxtral: prompt_audio_seconds is the audio billed by the minute; the fast reader leaves such a line to the general one")
    func voxtralAudioSeconds() throws {
        let out = try AdapterHarness.run(OpenAIChatAdapter(), file: AdapterHarness.fixture("fixtures/logs/openai-compatible/voxtral.jsonl"))
        #expect(out.records.map(\.units.audioSeconds) == [90, 0])
        #expect(out.records.first?.tokens == TokenCounts(input: 1180, output: 64))
        #expect(out.malformed.map(\.line) == [3])
        #expect(out.malformed.first?.reason == "usage.prompt_audio_seconds is not a whole number of seconds")
        // 1,180 input at $0.10/M + 64 output at $0.30/M + 1.5 minutes at $0.004 = $0.0061372.
        let cost = try PriceBook.bundled().cost(of: try #require(out.records.first))
        #expect(cost.total == Money(decimalText: "0.0061372"), "\(cost)")
        // The line is in the common shape but for the audio seconds: the member-by-member reader declines it.
        let line = try String(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-compatible/voxtral.jsonl"), encoding: .utf8)
            .split(separator: "\n")[0]
        var names = OpenAIChatLine.NameMemo(provider: LogSupport.provider(forModel:))
        #expect(Array(line.utf8).withUnsafeBytes { OpenAIChatLine.read($0, names: &names) } == nil)
        let withoutAudio = line.replacingOccurrences(of: ",\"prompt_audio_seconds\":90", with: "")
        #expect(Array(withoutAudio.utf8).withUnsafeBytes { OpenAIChatLine.read($0, names: &names) }?.tokens == TokenCounts(input: 1180, output: 64))
    }

    @Test("DeepSeek: prompt_cache_hit_tokens is the cached part of the prompt; reasoning is inside completion")
    func deepseek() throws {
        let out = try run()
        #expect(try record(out, "deepseek-chat").tokens == TokenCounts(input: 200, cacheRead: 800, output: 50))
        #expect(try record(out, "deepseek-reasoner").tokens == TokenCounts(input: 44, cacheRead: 256, output: 500, reasoning: 420))
        #expect(try record(out, "deepseek-chat").provider == "deepseek")
    }

    @Test("Moonshot, Groq, Qwen, Fireworks, Together: cached tokens where each writes them, provider each its own")
    func others() throws {
        let out = try run()
        let kimi = try record(out, "kimi-k2-0711-preview")
        #expect(kimi.tokens == TokenCounts(input: 464, cacheRead: 1536, output: 120) && kimi.provider == "moonshot")
        let groq = try record(out, "llama-3.3-70b-versatile")
        #expect(groq.tokens == TokenCounts(input: 80, output: 30) && groq.provider == "groq")
        let qwen = try record(out, "qwen-plus")
        #expect(qwen.tokens == TokenCounts(input: 971, cacheRead: 2048, output: 104) && qwen.provider == "alibaba")
        let fireworks = try record(out, "accounts/fireworks/models/llama-v3p1-70b-instruct")
        #expect(fireworks.tokens == TokenCounts(input: 26, cacheRead: 64, output: 40) && fireworks.provider == "fireworks")
        let together = try record(out, "meta-llama/Llama-3.3-70B-Instruct-Turbo")
        #expect(together.provider == "together", "the response's own provider field")
    }

    @Test("Gemini's OpenAI-compatible endpoint: the thoughts are total − prompt − completion, added to output")
    func geminiCompatible() throws {
        let r = try record(try run(), "gemini-2.5-flash")
        #expect(r.tokens == TokenCounts(input: 758, output: 967, reasoning: 865))
        #expect(r.provider == "google")
    }

    @Test("a valid JSON line that is not an object says what it is")
    func nonObjectLines() throws {
        let out = try run()
        #expect(out.malformed.map(\.line) == [10, 11, 12])
        #expect(out.malformed.map(\.reason) == [
            "the line is a JSON number, not an object",
            "the line is a JSON number, not a chat completion object",
            "the line is a JSON string, not an object",
        ])
        #expect(out.entries.count == 10)
    }

    /// Imports `file` with the bundled prices into a fresh in-memory ledger.
    func importing(_ file: URL, format: String? = nil) throws -> (ImportSummary, Ledger) {
        let ledger = try Ledger.inMemory()
        let summary = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(),
                                         options: ImportOptions(format: format, settledAge: 0)).run(paths: [file])
        return (summary, ledger)
    }

    @Test("imported: the provider whose price table lists the model, xAI priced at its own prices with its reported cost kept")
    func importedAndPriced() throws {
        let (summary, ledger) = try importing(AdapterHarness.fixture(Self.fixture))
        #expect(summary.imported == 10 && summary.quarantined == 3)
        let stored = try ledger.storedRecords()
        let pixtral = try #require(stored.first { $0.record.model == "pixtral-large-2411" })
        #expect(pixtral.record.provider == "mistral", "no family rule knows pixtral: the Mistral price table does")
        let grok = try #require(stored.first { $0.record.model == "grok-3-mini" })
        #expect(grok.record.provider == "xai" && grok.record.tokens.output == 229)
        // grok-3-mini: 10 × $0.30 + 2 × $0.075 + 229 × $0.50 per million = $0.00011765, as xAI reported.
        #expect(grok.cost == Money(decimalText: "0.00011765"))
        #expect(grok.record.reportedCost == grok.cost)
        #expect(stored.allSatisfy { $0.record.provider != "openai" })
    }

    @Test("a pretty-printed response quarantined at the end of its file is shown by --quarantine with its text")
    func quarantinedDocumentLineHasText() throws {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("grok.json")
        // Cached tokens larger than the prompt: unreadable counts, quarantined at the document's first line.
        try TestLog.write("""
            {
              "id": "bad-0001", "object": "chat.completion", "created": 1752000000, "model": "grok-3-mini",
              "usage": {"prompt_tokens": 12, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 20}}
            }

            """, to: file)
        let (summary, ledger) = try importing(file, format: "openai-chat")
        #expect(summary.quarantined == 1)
        let listing = QuarantineListing(lines: try ledger.quarantinedLines())
        let item = try #require(listing.items.first)
        #expect(item.line.line == 1 && item.status == .available && item.text == "{")
    }
}

@Suite("xAI Responses API usage")
struct XAIResponsesTests {
    @Test("reasoning is inside output_tokens (total = input + output); cached above input_tokens means input is uncached; ticks kept as reported cost")
    func responses() throws {
        let out = try AdapterHarness.run(OpenAIResponsesAdapter(), file: AdapterHarness.fixture("fixtures/logs/xai-responses/responses.jsonl"))
        #expect(out.records.count == 3 && out.malformed.map(\.line) == [4])
        let (a, b, c) = (out.records[0], out.records[1], out.records[2])
        #expect(a.provider == "xai" && a.tokens == TokenCounts(input: 2186, cacheRead: 1024, output: 655, reasoning: 602))
        #expect(a.reportedCost == Money(decimalText: "0.0007452"))
        #expect(b.tokens == TokenCounts(input: 40, cacheRead: 2048, output: 120, reasoning: 90))
        #expect(c.model == "grok-code-fast-1" && c.tokens == TokenCounts(input: 664, cacheRead: 14336, output: 410, reasoning: 388))
    }
}
