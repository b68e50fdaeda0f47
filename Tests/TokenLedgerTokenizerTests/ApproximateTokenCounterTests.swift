import Foundation
import Testing
@testable import TokenLedgerTokenizer

@Suite("The labelled approximation for models without a public tokenizer")
struct ApproximateTokenCounterTests {
    @Test("model families: Claude, Gemini and others are approximated; unknown names are not")
    func families() {
        #expect(ApproximateTokenCounter.family(ofModel: "claude-sonnet-4-5-20250929") == "claude")
        #expect(ApproximateTokenCounter.family(ofModel: "anthropic/claude-3.5-haiku") == "claude")
        #expect(ApproximateTokenCounter.family(ofModel: "gemini-2.5-pro") == "gemini")
        #expect(ApproximateTokenCounter.family(ofModel: "meta-llama/llama-3.1-70b-instruct") == "llama")
        #expect(ApproximateTokenCounter.family(ofModel: "mistral-large-latest") == "mistral")
        #expect(ApproximateTokenCounter.family(ofModel: "my-private-model") == nil)
    }

    @Test("small texts: words, digit runs, punctuation, CJK")
    func smallTexts() {
        #expect(ApproximateTokenCounter.estimate("") == 0)
        #expect(ApproximateTokenCounter.estimate("hello world") == 2)
        #expect(ApproximateTokenCounter.estimate("internationalization") == 4) // 20 letters: 1 + ceil(13/6)
        #expect(ApproximateTokenCounter.estimate("1234567") == 3)
        #expect(ApproximateTokenCounter.estimate("你好世界") == 3)
    }

    /// The error stated in the README: within ±6% of o200k_base on every fixture corpus.
    @Test("within 6% of o200k_base on each fixture corpus", arguments: ["prose.txt", "code.txt", "markdown.md", "cjk.txt", "scripts.txt"])
    func corpusError(_ file: String) throws {
        let text = try String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/corpora/\(file)"), encoding: .utf8)
        let exact = Double(try TokenEncoding.named(.o200kBase).count(text))
        let approx = Double(ApproximateTokenCounter.estimate(text))
        #expect(abs(approx - exact) / exact < 0.06, "\(file): \(approx) vs \(exact)")
    }
}
