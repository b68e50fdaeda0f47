import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerImporters

@Suite("LiteLLM spend-log adapter")
struct LiteLLMAdapterTests {
    let adapter = LiteLLMAdapter()
    static let csv = "fixtures/logs/litellm/spend_logs.csv"
    static let json = "fixtures/logs/litellm/spend_logs.json"
    static let jsonl = "fixtures/logs/litellm/spend_logs.jsonl"
    static let keyHash = "e4670a541c21" // SHA-256 of the exported (already hashed) api_key, first 12 hex digits

    func run(_ path: String, zone: TimeZone? = nil) throws -> AdapterHarness.Output {
        let url = AdapterHarness.fixture(path)
        var context = ImportContext(file: url, tags: ["env": "test"])
        if let zone { context.naiveTimeZone = zone }
        return try AdapterHarness.run(adapter, file: url, context: context)
    }

    @Test func csvExport() throws {
        let out = try run(Self.csv)
        // Lines: 2 = request 0001, 3 = the same row exported twice, 4-6 = one row whose metadata spans
        // three lines, 7 = failure, 8 = prompt_tokens "abc", 9 = an old-shape row, 10 = cache hit.
        #expect(out.entries.map { $0.location?.line } == [2, 3, 4, 9])
        #expect(out.malformed.map(\.line) == [8])
        #expect(out.skipped == 2)
        let kept = LedgerSimulation.kept(out.entries)
        #expect(kept.map(\.dedupKey) == ["litellm:chatcmpl-lt-0001", "litellm:msg_01LITELLMAAAAAAAAAAAAAA", "litellm:chatcmpl-lt-0006"])
        let r = kept.map(\.record)
        // 2500 prompt incl. 2048 cached → 452 uncached.
        #expect(r[0].tokens == TokenCounts(input: 452, cacheRead: 2048, output: 250))
        #expect(r[0].reportedCost == Money(decimalText: "0.00040375"))
        #expect(r[0].provider == "openai")
        #expect(r[0].model == "gpt-4o-2024-08-06")
        #expect(r[0].apiKeyHash == Self.keyHash)
        #expect(r[0].tags == ["prod": "true", "feature": "search", "team": "team-a", "env": "test"])
        #expect(r[0].sessionID == "sess-0001")
        #expect(r[0].requestID == "chatcmpl-lt-0001")
        #expect(r[0].timestamp == Timestamp.parse("2026-11-23T10:00:00.123Z")) // naive → UTC by default
        // Anthropic through LiteLLM: 7020 prompt = 20 uncached + 5000 read + 2000 written.
        #expect(r[1].tokens == TokenCounts(input: 20, cacheRead: 5000, cacheWrite5m: 2000, output: 300))
        #expect(r[1].provider == "anthropic")
        #expect(r[1].reportedCost == Money(decimalText: "0.0138"))
        #expect(r[2].tokens == TokenCounts(input: 1000, output: 1500))
        #expect(r[2].tags == ["env": "test"])
        // input 452+20+1000 = 1472; read 2048+5000 = 7048; written 2000; output 250+300+1500 = 2050.
        #expect(LedgerSimulation.totals(out.entries) == TokenCounts(input: 1472, cacheRead: 7048, cacheWrite5m: 2000, output: 2050))
        let spend = r.compactMap(\.reportedCost).reduce(Money.zero, +)
        #expect(spend == Money(decimalText: "0.02190375")) // 0.00040375 + 0.0138 + 0.0077
    }

    @Test func naiveStartTimesUseTheConfiguredZone() throws {
        let out = try run(Self.csv, zone: TimeZone(identifier: "America/New_York"))
        #expect(out.records.first?.timestamp == Timestamp.parse("2026-11-23T15:00:00.123Z")) // EST = UTC−5
    }

    @Test func jsonArrayExport() throws {
        let out = try run(Self.json)
        #expect(out.entries.map { $0.location?.line } == [2, 13, 29]) // each element's first line
        #expect(out.malformed.map(\.line) == [24])                  // the element without request_id
        let r = out.records
        #expect(r[0].tokens == TokenCounts(input: 452, cacheRead: 2048, output: 250))
        #expect(r[0].timestamp == Timestamp.parse("2026-11-23T10:00:00.123Z"))
        // Gemini via Vertex: 1200 prompt incl. 1000 cached; 700 completion incl. 500 reasoning.
        #expect(r[1].tokens == TokenCounts(input: 200, cacheRead: 1000, output: 700, reasoning: 500))
        #expect(r[1].provider == "google")
        // The float text 1.7749999999999998e-05 is finer than a picodollar: rounded half-even to $0.000017750000.
        #expect(r[1].reportedCost?.picodollars == 17_750_000)
        #expect(r[2].tokens == TokenCounts(input: 300, output: 40))
        #expect(r[2].apiKeyHash == nil)
        // The CSV and JSON exports overlap on request 0001: together they hold 5 distinct requests.
        let both = try run(Self.csv).entries + out.entries
        #expect(LedgerSimulation.kept(both).count == 5)
    }

    @Test func jsonLinesExport() throws {
        let out = try run(Self.jsonl)
        #expect(out.entries.map { $0.location?.line } == [1, 3])
        #expect(out.malformed.map(\.line) == [2])
        #expect(out.records[0].tokens == TokenCounts(input: 1000, output: 400))
        #expect(out.records[0].tags["batch-job"] == "true")
        #expect(out.records[0].reportedCost == Money(decimalText: "0.0021"))
        #expect(out.records[1].tokens == TokenCounts(input: 300, output: 150))
        #expect(out.records[1].reportedCost == Money(decimalText: "0.000615"))
        #expect(out.totals == TokenCounts(input: 1300, output: 550))
    }

    @Test func detection() throws {
        for path in [Self.csv, Self.json, Self.jsonl] {
            let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture(path)).prefix(65536))
            #expect(adapter.detect(fileName: URL(fileURLWithPath: path).lastPathComponent, head: head) == 90)
        }
        #expect(adapter.detect(fileName: "a.csv", head: Array("timestamp,model,input\n".utf8)) == 0)
    }
}

@Suite("Reported cost text")
struct ReportedCostTextTests {
    @Test func exactRoundedOrRejected() {
        #expect(LogSupport.money("0.0138") == Money(decimalText: "0.0138"))
        #expect(LogSupport.money("$2.50") == Money(decimalText: "2.5"))
        #expect(LogSupport.money("1.5e-05")?.picodollars == 15_000_000)
        // 17 significant digits of a float: rounded half-even at the picodollar.
        #expect(LogSupport.money("0.00012345678901234567")?.picodollars == 123_456_789)
        #expect(LogSupport.money("0.0000000000005")?.picodollars == 0)   // exactly half → even (0)
        #expect(LogSupport.money("0.0000000000015")?.picodollars == 2)   // exactly half → even (2)
        #expect(LogSupport.money("1e-60") == .zero)                      // no overflow on tiny exponents
        #expect(LogSupport.money("n/a") == nil)
    }
}
