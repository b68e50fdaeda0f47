import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

@Suite("openai-costs adapter")
struct OpenAICostsAdapterTests {
    let adapter = OpenAICostsAdapter()

    func usd(_ text: String) -> Money? { Money(decimalText: text) }

    @Test("a Costs API page: exact amounts, the model from the line item, batch line items, provider-level items")
    func jsonPage() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-costs/costs_page.json"))
        #expect(out.malformed.isEmpty && out.skipped == 0)
        let r = out.records
        #expect(r.map(\.model) == ["gpt-4o-mini-2024-07-18", "o3-2025-04-16", "openai", "gpt-4.1-2025-04-14"])
        #expect(r.map(\.isBatch) == [false, true, false, false])
        // 0.06000000000000001 rounds at the picodollar to 0.06; 1.2345678901234567 → 1.234567890123.
        #expect(r.map(\.reportedCost) == [usd("0.06"), usd("1.234567890123"), usd("0.5"), usd("59200")])
        #expect(r.compactMap(\.reportedCost).sum() == usd("59201.794567890123"))
        #expect(r.allSatisfy { $0.isAggregate && $0.tokens == TokenCounts() && $0.requestCount == 0 && $0.project == "proj_abc" })
        #expect(r[2].tags["line_item"] == "web search tool calls")
        #expect(out.entries[0].dedupKey == "openai-costs:1764028800:1764115200:gpt-4o-mini-2024-07-18, input:proj_abc:-")
        #expect(r[3].timestamp == Date(timeIntervalSince1970: 1_764_115_200))
    }

    @Test("ungrouped pages as JSON Lines: an error skipped, a cut page reported, a repeated page, an amount as text")
    func jsonLines() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-costs/costs_pages.jsonl"))
        #expect(out.entries.map { $0.location?.line } == [1, 4, 5])
        #expect(out.malformed.map(\.line) == [3])
        #expect(out.skipped == 1)
        #expect(out.records.map(\.reportedCost) == [usd("12.5"), usd("12.5"), usd("7.25")])
        #expect(out.records.allSatisfy { $0.model == "openai" && $0.project == nil })
        #expect(out.entries[0].dedupKey == out.entries[1].dedupKey)
    }

    @Test("the cost CSV by header name: 17-decimal amounts, \"59200.0\", quoted commas, a bad amount")
    func csvExport() throws {
        let out = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-costs/costs_export.csv"))
        #expect(out.entries.map { $0.location?.line } == [2, 3, 5, 6])
        #expect(out.malformed.map(\.line) == [4])
        #expect(out.records.map(\.reportedCost) == [usd("0.06"), usd("59200"), usd("59200"), usd("0.1")])
        #expect(out.records[3].model == "openai" && out.records[3].project == "proj_xyz")
        #expect(out.records[3].tags["line_item"] == "Assistants API | file search")
        let page = try AdapterHarness.run(adapter, file: AdapterHarness.fixture("fixtures/logs/openai-costs/costs_page.json"))
        #expect(out.entries[0].dedupKey == page.entries[0].dedupKey) // the export overlaps the API: counted once
    }

    @Test("line items that name a model")
    func lineItems() {
        #expect(OpenAICostsAdapter.model(ofLineItem: "o3-mini-2025-01-31, input") == ("o3-mini-2025-01-31", false))
        #expect(OpenAICostsAdapter.model(ofLineItem: "gpt-4o-2024-08-06, batch input") == ("gpt-4o-2024-08-06", true))
        #expect(OpenAICostsAdapter.model(ofLineItem: "web search tool calls") == (nil, false))
        #expect(OpenAICostsAdapter.model(ofLineItem: nil) == (nil, false))
    }

    @Test("detection tells cost files from usage files")
    func detection() throws {
        let csv = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-costs/costs_export.csv")))
        let page = try [UInt8](Data(contentsOf: AdapterHarness.fixture("fixtures/logs/openai-costs/costs_page.json")))
        #expect(adapter.detect(fileName: "costs.csv", head: csv) == 95)
        #expect(adapter.detect(fileName: "costs.json", head: page) == 95)
        #expect(OpenAIUsageAdapter().detect(fileName: "costs.csv", head: csv) == 0)
        #expect(OpenAIUsageAdapter().detect(fileName: "costs.json", head: page) == 0)
    }
}
