import Testing
@testable import TokenLedgerPricing

@Suite("\"Did you mean\" suggestions for an unknown model name")
struct SuggestionTests {
    let book: PriceBook

    init() throws { book = try PriceBook.bundled() }

    @Test("punctuation and case do not matter; a typo finds the model; a family name finds its members")
    func close() {
        #expect(book.suggestions(for: "gpt4o") == ["gpt-4o"])
        #expect(book.suggestions(for: "302ai/GPT4O") == ["gpt-4o"])
        #expect(book.suggestions(for: "claude-sonet-4").first == "claude-sonnet-4")
        #expect(book.suggestions(for: "o3-mini-hihg").first == "o3-mini")
        // Three edits from both: the model itself first, then its text-to-speech sibling.
        #expect(book.suggestions(for: "gemini-2.5-pro-exp") == ["gemini-2.5-pro", "gemini-2.5-pro-tts"])
        #expect(book.suggestions(for: "claude-opus").count == 5)
    }

    @Test("nothing is suggested for a name that is close to none")
    func far() {
        #expect(book.suggestions(for: "gpt-9-ultra").isEmpty)
        #expect(book.suggestions(for: "llama-70b").isEmpty)
        #expect(book.suggestions(for: "--").isEmpty)
    }

    @Test("edit distance stops at its limit")
    func distance() {
        let a = Array("sonnet"), b = Array("sonet")
        #expect(PriceBook.editDistance(a, b, atMost: 1) == 1)
        #expect(PriceBook.editDistance(Array("abcdef"), Array("azcdyf"), atMost: 1) == nil)
        #expect(PriceBook.editDistance(Array("abcdef"), Array("azcdyf"), atMost: 2) == 2)
        #expect(PriceBook.editDistance([], Array("ab"), atMost: 2) == 2)
    }
}
