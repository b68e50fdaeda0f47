import Testing
import TokenLedgerPricing

@Suite("Unpriced records counted by cause")
struct UnpricedCauseCountTests {
    let unknown = "no price table lists the model 'gpt-9' (by id or alias); see 'tokenledger prices list'."
    let early = "o3 has no price on 2020-01-01 (its first price starts 2025-04-16)."

    @Test("counts land under their cause, causes in report order, models sorted and named once")
    func addKeepsOrder() {
        var causes: [UnpricedCauseCount] = []
        causes.add(reason: early, model: "o3", requests: 2)
        causes.add(reason: unknown, model: "gpt-9", requests: 1)
        causes.add(reason: unknown, model: "gpt-8", records: 2, requests: 40)
        causes.add(reason: unknown, model: "gpt-9", requests: 1)
        #expect(causes.map(\.cause) == [.unknownModel, .beforeFirstPrice])
        #expect(causes[0].records == 4 && causes[0].requests == 42 && causes[0].models == ["gpt-8", "gpt-9"])
        #expect(causes[1].records == 1 && causes[1].requests == 2 && causes[1].models == ["o3"])
        // The same as grouping the rows at once (what reports and budgets do).
        #expect(causes == UnpricedCauseCount.group([(early, "o3", 1, 2), (unknown, "gpt-9", 1, 1), (unknown, "gpt-8", 2, 40), (unknown, "gpt-9", 1, 1)]))
    }

    @Test("merging two batches' counts adds records and requests once per cause, models united")
    func mergeBatches() {
        var first: [UnpricedCauseCount] = []
        first.add(reason: unknown, model: "gpt-9", requests: 1)
        var second: [UnpricedCauseCount] = []
        second.add(reason: unknown, model: "gpt-8", requests: 3)
        second.add(reason: unknown, model: "gpt-7", requests: 1)
        second.add(reason: early, model: "o3", requests: 1)
        first.add(second)
        #expect(first.map(\.cause) == [.unknownModel, .beforeFirstPrice])
        #expect(first[0].records == 3 && first[0].requests == 5 && first[0].models == ["gpt-7", "gpt-8", "gpt-9"])
        #expect(first[1].records == 1)
    }
}
