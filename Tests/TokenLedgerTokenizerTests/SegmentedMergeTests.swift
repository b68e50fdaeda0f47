import Foundation
import Testing
@testable import TokenLedgerTokenizer

@Suite("Segmented merge of very long pieces equals the whole-piece merge")
struct SegmentedMergeTests {
    static func wholeAndSegmented(_ text: String, _ name: EncodingName) throws -> (whole: [Int], segmented: [Int]?) {
        let vocab = try TokenEncoding.named(name).vocabulary
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let p = UnsafePointer(buffer.baseAddress!)
            var whole = TokenList()
            var heap = MinHeap(capacity: 2 * buffer.count)
            defer { heap.deallocate() }
            BytePairMerge.longMerge(p, buffer.count, vocab, queue: &heap, into: &whole)
            var segmented = TokenList()
            let ok = SegmentedMerge.encode(p, buffer.count, vocab, into: &segmented)
            return (whole.ids, ok ? segmented.ids : nil)
        }
    }

    static func randomLowercase(_ n: Int, seed: UInt64) -> String {
        var state = seed
        return String(decoding: (0..<n).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(97 + (state >> 33) % 26)
        }, as: UTF8.self)
    }

    @Test("one letter, spaces, random lowercase, digits-and-letters: segmentation is accepted and exact",
          arguments: EncodingName.available)
    func pathological(_ name: EncodingName) throws {
        let inputs = [
            String(repeating: "a", count: 100_000),
            String(repeating: " ", count: 100_000),
            Self.randomLowercase(100_000, seed: 1),
            Self.randomLowercase(70_001, seed: 2),
            String(repeating: "ab", count: 50_000),
            String(repeating: "xyzzy", count: 20_000),
        ]
        for text in inputs {
            let result = try Self.wholeAndSegmented(text, name)
            #expect(result.segmented != nil, "segmentation was refused for a \(text.utf8.count)-byte piece")
            #expect(result.segmented == nil || result.segmented! == result.whole)
        }
    }
}
