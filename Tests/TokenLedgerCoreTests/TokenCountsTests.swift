import Testing
import TokenLedgerCore

@Suite("Token counts refuse what no bill can contain")
struct TokenCountsTests {
    @Test("negative and implausibly large counts are inconsistencies, checked before any sum")
    func bounds() {
        #expect(TokenCounts(input: 10, cacheRead: 5, output: 3, reasoning: 2).countsInRange)
        #expect(TokenCounts(input: 10, output: 3).inconsistency == nil)
        let huge = TokenCounts(input: Int.max, cacheRead: Int.max, output: 5)
        #expect(!huge.countsInRange)
        #expect(huge.inconsistency == "input tokens are implausibly large (\(Int.max))")
        #expect(TokenCounts(input: -1).inconsistency == "input tokens are negative (-1)")
        #expect(TokenCounts(input: TokenCounts.plausibleMaximum).countsInRange)
        #expect(!TokenCounts(output: TokenCounts.plausibleMaximum + 1).countsInRange)
        #expect(TokenCounts(input: 5, imageInput: 6).inconsistency == "audio+image input tokens exceed uncached input tokens")
    }
}
