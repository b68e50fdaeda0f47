import Foundation
import Testing
@testable import TokenLedgerTokenizer

@Suite("Whole-character start of the merge (CharacterPremerge) gives the byte-level merge's ids")
struct CharacterPremergeTests {
    /// tiktoken's byte_pair_merge as written: single bytes, repeatedly merge the lowest-ranked pair
    /// (leftmost on ties). Quadratic, no shortcuts: the reference the fast paths must equal.
    static func referenceMerge(_ piece: [UInt8], _ vocab: CompactVocabulary) -> [Int] {
        piece.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            var starts = Array(0...piece.count)
            while starts.count > 2 {
                var best = CompactVocabulary.absent
                var at = -1
                for k in 0..<(starts.count - 2) {
                    let r = vocab.rank(base + starts[k], starts[k + 2] - starts[k])
                    if r < best { best = r; at = k }
                }
                if at < 0 { break }
                starts.remove(at: at + 1)
            }
            return (0..<(starts.count - 1)).map { Int(vocab.rank(base + starts[$0], starts[$0 + 1] - starts[$0])) }
        }
    }

    static func ours(_ piece: [UInt8], _ vocab: CompactVocabulary) -> [Int] {
        piece.withUnsafeBufferPointer { p in
            var list = TokenList()
            BytePairMerge.encode(p.baseAddress!, p.count, vocab, into: &list)
            return list.ids
        }
    }

    @Test("every clause of the CJK corpus, and random runs of CJK, kana, hangul and punctuation",
          arguments: EncodingName.available)
    func piecesMatchReference(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        let vocab = encoding.vocabulary
        let corpus = try String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/corpora/cjk.txt"), encoding: .utf8)
        // The corpus's clauses (split at ASCII and ideographic punctuation / newlines, as o200k roughly does).
        var pieces = corpus.split(whereSeparator: { "\n，。、：；！？".contains($0) }).map { Array($0.utf8) }
        let alphabet = Array("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可のはにをがとでてたし한국어입니다，。「」 a")
        var state: UInt64 = 42
        for _ in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = 2 + Int(state >> 33) % 60
            var run = ""
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                run.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            pieces.append(Array(run.utf8))
        }
        var premerged = 0
        let chars = vocab.premerge.entries(vocab)
        for piece in pieces {
            #expect(Self.ours(piece, vocab) == Self.referenceMerge(piece, vocab), "\(String(decoding: piece, as: UTF8.self))")
            premerged += piece.indices.filter { piece[$0] >> 4 == 0xE && BytePairMerge.firstPart(piece, piece.count, at: $0, vocab, chars).0 == 3 }.count
        }
        // The shortcut is in use (most corpus characters start whole), not silently off.
        #expect(premerged > 1000)
    }

    @Test("a table entry is the character's own rank")
    func entriesAreCharacterRanks() throws {
        for name in EncodingName.available {
            let vocab = try TokenEncoding.named(name).vocabulary
            let chars = vocab.premerge.entries(vocab)
            for cp in [0x4E2D, 0x7684, 0x3067, 0xD55C, 0xFF0C] where chars[cp] != 0 {
                let bytes = Array(String(UnicodeScalar(UInt32(cp))!).utf8)
                #expect(chars[cp] & CharacterPremerge.rankMask - 1 == bytes.withUnsafeBufferPointer { vocab.rank($0.baseAddress!, 3) })
            }
        }
    }
}
