import Foundation
import Testing
import TokenLedger

/// The code of the DocC articles (Sources/TokenLedger/TokenLedger.docc), run with the values they claim.
/// Each `// doc: NAME` … `// end doc` region is the code block of article NAME.md, byte for byte after
/// indentation: `scripts/docs --check` fails when an article's block and its region differ, so an
/// article's example is code that compiles and does what the article says.
@Suite("DocC article examples")
struct DocumentationExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("CountingTokens: ids and counts equal tiktoken's; a chat request's prompt tokens")
    func countingTokens() throws {
        // doc: CountingTokens
        let o200k = try TokenEncoding.named(.o200kBase)
        let ids = o200k.encode("hello world")        // [24912, 2375], as tiktoken
        let count = o200k.count("hello world")       // 2, without building the id array
        let text = o200k.decode(ids)                 // "hello world"

        let body = try JSONParser.parse(#"{"model":"gpt-4o","messages":[{"role":"user","content":"Say hi"}]}"#)
        let prompt = try ChatTokenCounter.count(request: body, model: "gpt-4o")
        print(prompt.total)                          // 9: the message, its framing and the reply's start
        // end doc
        #expect(ids == [24912, 2375] && count == 2 && text == "hello world")
        #expect(prompt.total == 9)
    }

    @Test("PricingUsage: a record's cost from the bundled tables, and an unknown model left unpriced")
    func pricingUsage() throws {
        // doc: PricingUsage
        let book = try PriceBook.bundled()
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_764_000_000), provider: "openai", model: "gpt-4o",
            tokens: TokenCounts(input: 1_000_000, output: 100_000), source: "example")
        let bill = book.cost(of: record)
        print(bill.total?.decimalString ?? "unpriced")    // 3.5: $2.50 per million in, $10 per million out

        var unknown = record
        unknown.model = "my-own-model"
        print(book.cost(of: unknown).total == nil)        // true: unknown is not zero
        // end doc
        #expect(bill.total == Money(decimalText: "3.5"))
        #expect(book.cost(of: unknown).total == nil)
    }

    @Test("EstimatingARequest: input counted, output and reasoning forecast, cost at p90")
    func estimatingARequest() throws {
        // doc: EstimatingARequest
        let estimator = Estimator(prices: try PriceBook.bundled(), ledger: nil)
        let estimate = try estimator.estimate(
            text: "Summarise the attached design in three bullet points.",
            options: .init(model: "o3-mini", effort: .high))
        print(estimate.inputTokens)                  // 17: the text's 11 o200k_base tokens, framed as one user message
        if let cost = estimate.p90Cost, cost > Money(decimalText: "0.50")! {
            print("this call may cost \(cost.displayString); asking first")
        }
        // end doc
        // 11 text tokens + 3 per message + 1 role + 3 for the reply's start, one less for a reasoning model
        // without tools (docs/request-counting.md).
        #expect(estimate.inputTokens == 11 + 3 + 1 + 3 - 1)
        #expect(try #require(estimate.p90Cost) > Money(decimalText: "0")!)
    }

    @Test("ImportingAndReporting: a log imported once, reported by model, budget checked")
    func importingAndReporting() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-docs-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledgerURL = folder.appendingPathComponent("ledger.sqlite")
        let logURL = Self.root.appendingPathComponent("fixtures/logs/openai-chat/responses.jsonl")

        // doc: ImportingAndReporting
        let ledger = try Ledger.open(at: ledgerURL)
        let pipeline = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled())
        let first = try pipeline.run(paths: [logURL])
        let again = try pipeline.run(paths: [logURL])
        print(first.imported, again.imported)        // 5 0: every request once, however often it is imported

        let report = try ledger.spendReport(for: ReportQuery(groupBy: [.model]))
        print(report.renderMarkdown())               // one row per model, the total, and any unpriced line

        let budget = Budget(name: "team", period: .month, limit: Money(decimalText: "100")!)
        let result = try BudgetChecker(budgets: [budget], ledger: ledger).check(at: Date(), dryRun: true)
        print(result.exitStatus)                     // what `tokenledger budget check` would exit with
        // end doc
        #expect(first.imported == 5 && again.imported == 0 && again.duplicates == 0)
        #expect(report.rows.reduce(0) { $0 + $1.usage.requests } == 5)
        #expect(result.readings.count == 1)
    }
}
