import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerTokenizer

@Suite("Token encodings: known answers, golden parity with tiktoken, round trips")
struct TokenEncodingTests {
    static func o200k() throws -> TokenEncoding { try TokenEncoding.named(.o200kBase) }
    static func cl100k() throws -> TokenEncoding { try TokenEncoding.named(.cl100kBase) }

    @Test("'hello world' is [24912, 2375] in o200k_base and [15339, 1917] in cl100k_base")
    func helloWorld() throws {
        #expect((try Self.o200k()).encode("hello world") == [24912, 2375])
        #expect((try Self.cl100k()).encode("hello world") == [15339, 1917])
        #expect((try Self.o200k()).count("hello world") == 2)
    }

    @Test("empty text has no tokens")
    func empty() throws {
        #expect((try Self.o200k()).encode("").isEmpty)
        #expect((try Self.cl100k()).count("") == 0)
    }

    @Test("special-token text is ordinary by default and one id when allowed")
    func specialTokens() throws {
        let text = "a<|endoftext|>b"
        #expect(!(try Self.o200k()).encode(text).contains(199_999))
        #expect((try Self.o200k()).encode(text, allowSpecial: true) == (try Self.o200k()).encode("a") + [199_999] + (try Self.o200k()).encode("b"))
        #expect((try Self.cl100k()).encode("<|endoftext|>", allowSpecial: true) == [100_257])
        #expect((try Self.cl100k()).encode("<|endofprompt|><|fim_suffix|>", allowSpecial: true) == [100_276, 100_260])
        #expect((try Self.o200k()).encode("<|endofprompt|>", allowSpecial: true) == [200_018])
        #expect((try Self.o200k()).decode([199_999]) == "<|endoftext|>")
    }

    static func goldenCases() throws -> [(name: String, text: String)] {
        let data = try String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/cases.jsonl"), encoding: .utf8)
        return try data.split(separator: "\n").map { line in
            let value = try JSONParser.parse(String(line))
            return (value["name"]?.string ?? "?", value["text"]?.string ?? "")
        }
    }

    static func goldenIds(_ name: EncodingName) throws -> [[Int]] {
        let data = try String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/expected-\(name.rawValue).jsonl"), encoding: .utf8)
        return try data.split(separator: "\n").map { line in
            try JSONParser.parse(String(line)).array?.compactMap(\.int) ?? []
        }
    }

    @Test("every golden case encodes exactly as the reference does (tiktoken 0.14, the publisher's tokenizer)", arguments: EncodingName.available)
    func goldenParity(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        let cases = try Self.goldenCases()
        let expected = try Self.goldenIds(name)
        #expect(cases.count == expected.count)
        #expect(cases.count > 1000)
        var mismatches = 0
        for (c, ids) in zip(cases, expected) {
            let got = encoding.encode(c.text)
            if got != ids {
                mismatches += 1
                if mismatches <= 20 { Issue.record("\(name) \(c.name.debugDescription): got \(got), tiktoken \(ids)") }
            }
            #expect(encoding.count(c.text) == ids.count)
        }
        #expect(mismatches == 0)
    }

    @Test("decode(encode(s)) == s for every golden case", arguments: EncodingName.available)
    func roundTrip(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        for c in try Self.goldenCases() {
            // Qwen decodes to the NFC form it encoded.
            #expect(encoding.decode(encoding.encode(c.text)) == encoding.normalized(c.text), "\(c.name)")
        }
    }

    @Test("every vocabulary token's bytes look up to its own rank", arguments: EncodingName.available)
    func everyTokenRoundTrips(_ name: EncodingName) throws {
        let vocab = try TokenEncoding.named(name).vocabulary
        let expected: [EncodingName: Int] = [.o200kBase: 199_998, .cl100kBase: 100_256, .o200kHarmony: 199_998, .llama3: 128_000,
                                             .llama4: 200_000, .qwen: 151_643, .qwen3_6: 248_044, .tekken: 130_072,
                                             .deepseek: 127_997]
        #expect(vocab.tokenCount == expected[name])
        var wrong = 0
        for rank in 0..<vocab.tokenCount {
            let bytes = vocab.bytes(of: rank)
            if vocab.rank(bytes.baseAddress!, bytes.count) != UInt32(rank) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test("the bundled vocabulary decodes back to the .tiktoken file named in SHA256SUMS", arguments: EncodingName.available)
    func vocabularyChecksum(_ name: EncodingName) throws {
        let sums = try String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/SHA256SUMS"), encoding: .utf8)
        let expected = sums.split(separator: "\n").first { $0.hasSuffix("  \(name.resource).tiktoken") }.map { String($0.prefix(64)) }
        let text = try TokenEncoding.named(name).vocabulary.tiktokenText()
        #expect(SHA256.hexDigest(of: text) == expected)
    }

    @Test("1M spaces and 1 MB of one letter encode without trouble and round-trip")
    func pathological() throws {
        let spaces = String(repeating: " ", count: 1_000_000)
        let ids = (try Self.o200k()).encode(spaces)
        #expect((try Self.o200k()).decode(ids) == spaces)
        let letters = String(repeating: "a", count: 1_000_000)
        #expect((try Self.cl100k()).decode((try Self.cl100k()).encode(letters)) == letters)
    }

    @Test("encode keeps every id of a text with more tokens than half its bytes (past the room it reserves)")
    func denseText() throws {
        for encoding in [try Self.o200k(), try Self.cl100k()] {
            let text = String(repeating: "a1", count: 20_000) + "é"
            let ids = encoding.encode(text)
            let pair = encoding.encode("a") + encoding.encode("1")
            #expect(pair.count == 2)
            #expect(ids.count == 40_000 + encoding.encode("é").count)
            #expect(Array(ids[39_996..<40_000]) == pair + pair)
            #expect(ids.count == encoding.count(text))
            #expect(encoding.decode(ids) == text)
        }
    }

    @Test("a key with a long token's first 12 bytes but another tail is not that token", arguments: EncodingName.available)
    func longTokenTails(_ name: EncodingName) throws {
        let vocab = try TokenEncoding.named(name).vocabulary
        var checked = 0
        var wrong = 0
        for rank in 0..<vocab.tokenCount where vocab.bytes(of: rank).count > CompactVocabulary.inlineBytes {
            var key = Array(vocab.bytes(of: rank))
            key[key.count - 1] ^= 0x01
            let found = key.withUnsafeBufferPointer { vocab.rank($0.baseAddress!, $0.count) }
            checked += 1
            if found != CompactVocabulary.absent && Array(vocab.bytes(of: Int(found))) != key { wrong += 1 }
        }
        #expect(checked > 3_000)
        #expect(wrong == 0)
    }

    @Test("unknown ids do not decode")
    func unknownIds() throws {
        #expect((try Self.o200k()).decode([5_000_000]) == nil)
        #expect((try Self.cl100k()).decode([-1]) == nil)
    }
}
