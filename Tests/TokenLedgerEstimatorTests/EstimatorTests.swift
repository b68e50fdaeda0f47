import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
import TokenLedgerTokenizer
@testable import TokenLedgerEstimator

@Suite("Estimating cost before sending")
struct EstimatorTests {
    let prices: PriceBook
    let at = Timestamp.parse("2026-11-25T12:00:00Z")!

    init() throws { prices = try PriceBook.bundled() }

    @Test("a text prompt on o3-mini at high effort: exact input, default reasoning, hand-computed cost")
    func textPrompt() throws {
        let estimate = try Estimator(prices: prices, ledger: nil)
            .estimate(text: "hello world", options: .init(model: "o3-mini", effort: .high, at: at))
        let r = try #require(estimate.requests.first)
        // One user message: 3 + "user" (1) + "hello world" (2: [24912, 2375]) + 3 reply priming, less the
        // 1 token reasoning models bill less without tools (docs/request-counting.md) = 8.
        #expect(r.inputTokens == 8 && !r.inputIsApproximate && r.counting == "o200k_base")
        #expect(r.modelID == "o3-mini-2025-01-31" && r.effort == .high)
        // Defaults for high effort: 500 visible + 6,144 reasoning = 6,644 output tokens.
        #expect(r.expectedOutput == 6_644)
        // 8 × $1.10/1M = $0.0000088; 6,644 × $4.40/1M = $0.0292336; total $0.0292424.
        #expect(estimate.expectedCost == Money(decimalText: "0.0292424"))
        // p90: 2,000 + 24,576 = 26,576 output → $0.1169344 + $0.0000088.
        #expect(estimate.p90Cost == Money(decimalText: "0.1169432"))
        // Cap: o3-mini's max output 100,000 → $0.44 + $0.0000088.
        #expect(estimate.capCost == Money(decimalText: "0.4400088"))
        #expect(r.expected.periodStart == "2025-01-31")
    }

    @Test("a chat request with tools and an image counts all three, and its own cap bounds the output")
    func chatWithToolsAndImage() throws {
        // A 1×1 PNG as a data URL: low detail is a flat 85 tokens on gpt-4o.
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        let body = """
            {"model":"gpt-4o-2024-08-06","max_completion_tokens":300,
             "messages":[{"role":"system","content":"You are terse."},
                         {"role":"user","content":[{"type":"text","text":"What is in this picture?"},
                                                   {"type":"image_url","image_url":{"url":"data:image/png;base64,\(png)","detail":"low"}}]}],
             "tools":[{"type":"function","function":{"name":"lookup","description":"Look a word up",
                       "parameters":{"type":"object","properties":{"word":{"type":"string","description":"the word"}}}}}]}
            """
        let estimate = try Estimator(prices: prices, ledger: nil).estimate(text: body, options: .init(at: at))
        let r = try #require(estimate.requests.first)
        // Expected by hand from tiktoken 0.14's o200k_base ids (tiktoken-ref ids) and the cookbook's rules:
        // system message 3 + "system" [17360] + "You are terse." [3575, 553, 28410, 13] = 8;
        // user message 3 + "user" [1428] + "What is in this picture?" (6 ids) = 10; reply priming 3 → 21.
        // tool: the TypeScript namespace (docs/request-counting.md) "# Tools\n\n## functions\n\nnamespace functions
        // {\n\n// Look a word up\ntype lookup = (_: {\n// the word\nword?: string,\n}) => any;\n\n} // namespace
        // functions" = 35 ids [2, 20574, 279, …, 9819, 9964], joined to the system message: 35 − 2 = 33.
        // image: low detail 85. Total 139.
        let direct = try ChatTokenCounter.count(request: try JSONParser.parse(body))
        #expect(direct.messages == 21 && direct.tools == 33 && direct.images == 85)
        #expect(r.inputTokens == 139, "the estimator bills messages + tools + image")
        #expect(r.outputCap == 300)
        #expect(r.expectedOutput == 300, "500 expected visible tokens are capped by max_completion_tokens")
        #expect(r.effort == .unknown && r.forecast.reasoningMedian == 0, "gpt-4o does not reason")
        // input × $2.50/1M + 300 × $10/1M.
        let expected = Money(picodollars: 139 * 2_500_000 + 300 * 10_000_000) // $0.0003475 + $0.003
        #expect(estimate.expectedCost == expected)
    }

    @Test("a batch file of mixed models: each line's own model, half price, unknown models unpriced")
    func batchOfMixedModels() throws {
        let text = """
            {"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","max_completion_tokens":100,"messages":[{"role":"user","content":"hello world"}]}}
            {"custom_id":"b","method":"POST","url":"/v1/responses","body":{"model":"o3-mini","input":"hello world","reasoning":{"effort":"low"},"max_output_tokens":2000}}
            {"custom_id":"c","method":"POST","url":"/v1/chat/completions","body":{"model":"mystery-model-9","messages":[{"role":"user","content":"hi"}]}}
            """
        let estimate = try Estimator(prices: prices, ledger: nil).estimate(text: text, options: .init(at: at))
        #expect(estimate.kind == .batch && estimate.requests.count == 3)
        let (a, b, c) = (estimate.requests[0], estimate.requests[1], estimate.requests[2])
        #expect(a.isBatch && b.isBatch && c.isBatch)
        // a: gpt-4o-mini 9 input × $0.15/1M + 100 output × $0.60/1M = $0.00006135, halved → $0.000030675.
        #expect(a.inputTokens == 9 && a.expectedOutput == 100)
        #expect(a.expected.total == Money(decimalText: "0.000030675"))
        // b: o3-mini low: 500 + 1,024 = 1,524 output; Responses input "hello world" = 9 tokens as one user message,
        // less the 1 a reasoning model bills less without tools = 8.
        // (8 × 1.10 + 1,524 × 4.40) / 1M = $0.0067144, halved → $0.0033572.
        #expect(b.effort == .low && b.expectedOutput == 1_524)
        #expect(b.expected.total == Money(decimalText: "0.0033572"))
        #expect(c.modelID == nil && c.inputIsApproximate && c.expected.total == nil)
        #expect(estimate.unpricedRequests.count == 1)
        #expect(estimate.expectedCost == Money(decimalText: "0.003387875"), "the total leaves the unpriced request out")
        #expect(estimate.capCost == nil, "the unknown model has no cap, so the worst case is unbounded")
    }

    @Test("with enough history the forecast comes from the user's own requests")
    func historyFromLedger() throws {
        let ledger = try Ledger.inMemory()
        var entries: [LedgerEntry] = []
        for i in 0..<8 {
            let record = UsageRecord(timestamp: at.addingTimeInterval(Double(-i) * 3600), provider: "openai", model: "o3-mini",
                                     effort: .high, tokens: TokenCounts(input: 100, output: 3_000, reasoning: 2_800), source: "test")
            entries.append(LedgerEntry(record: record, dedupKey: "k\(i)"))
        }
        try ledger.insert(entries, pricing: prices)
        let estimate = try Estimator(prices: prices, ledger: ledger)
            .estimate(text: "hello world", options: .init(model: "o3-mini", effort: .high, at: at))
        let f = try #require(estimate.requests.first).forecast
        #expect(f.visibleMedian == 200 && f.reasoningMedian == 2_800)
        #expect(f.visibleBasis == .history(requests: 8) && f.reasoningBasis == .history(requests: 8))
    }

    @Test("a prompt plus max output beyond the context window is warned about")
    func contextWindowWarning() throws {
        // gpt-4o: 128,000 context, 16,384 max output. 120,000 × "hello" ≈ 120,000 tokens.
        let prompt = String(repeating: "hello ", count: 120_000)
        let estimate = try Estimator(prices: prices, ledger: nil).estimate(text: prompt, options: .init(model: "gpt-4o", at: at))
        let r = try #require(estimate.requests.first)
        #expect(r.inputTokens > 111_616, "over 128,000 − 16,384")
        #expect(r.warnings.contains { $0.contains("exceeds gpt-4o-2024-08-06's context window (128000)") })
    }

    @Test("an unknown model is an error that says what to do, never a $0 estimate")
    func unknownModel() throws {
        #expect(throws: EstimateError.self) {
            try Estimator(prices: prices, ledger: nil).estimate(text: "hi", options: .init(model: "gpt-99-turbo", at: at))
        }
        do {
            _ = try Estimator(prices: prices, ledger: nil).estimate(text: "hi", options: .init(model: "gpt-99-turbo", at: at))
        } catch let error as EstimateError {
            #expect(error.message.contains("'gpt-99-turbo'") && error.message.contains("tokenledger prices list"))
            #expect(error.exitStatus == .usage)
        }
    }

    @Test("a non-OpenAI model gets a labelled approximate count")
    func approximateForClaude() throws {
        let estimate = try Estimator(prices: prices, ledger: nil)
            .estimate(text: "hello world", options: .init(model: "claude-sonnet-4-5", at: at))
        let r = try #require(estimate.requests.first)
        #expect(r.inputIsApproximate && r.counting.hasPrefix("approximate"))
        #expect(estimate.warnings.contains { $0.contains("approximation") })
        #expect(r.modelID != nil && r.expected.total != nil)
    }
}
