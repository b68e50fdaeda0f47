import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

/// Format detection looks for a quoted name (`"custom_id"`) only among a head's quote-to-quote stretches
/// of its length (`QuotedStretches`): it must find every place a byte-by-byte search finds, no other,
/// in order, and `FileHead.contains` must answer as a search of all the bytes does.
@Suite("quoted stretches")
struct QuotedStretchesTests {
    /// Every offset where `needle` occurs, one position at a time.
    static func naiveAll(_ needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        var found: [Int] = []
        var from = 0
        while let at = ByteSearchTests.naive(needle, in: haystack, from: from) {
            found.append(at)
            from = at + 1
        }
        return found
    }

    static func stretchesAll(_ needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        let stretches = QuotedStretches(haystack)
        var found: [Int] = []
        needle.withUnsafeBytes { n in
            stretches.each(n, in: haystack) { at in
                found.append(at)
                return true
            }
        }
        return found
    }

    @Test("random heads and quoted needles: the same places as a byte-by-byte search")
    func randomAgreesWithNaive() {
        var rng = SplitMix64(seed: 2412)
        let alphabet = Array("\"ab:s{}\\ ".utf8)
        let inside = Array("ab:s{}\\ ".utf8)
        var checked = 0
        var hits = 0
        for _ in 0..<6000 {
            let head = (0..<Int(rng.next() % 120)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let needle = [UInt8(ascii: "\"")] + (0..<Int(rng.next() % 4)).map { _ in inside[Int(rng.next() % UInt64(inside.count))] }
                + [UInt8(ascii: "\"")]
            #expect(needle.withUnsafeBytes { QuotedStretches.fits($0) })
            let naive = Self.naiveAll(needle, in: head)
            let text = String(decoding: needle, as: UTF8.self)
            #expect(Self.stretchesAll(needle, in: head) == naive, "\(text) in \(String(decoding: head, as: UTF8.self))")
            #expect(FileHead(head).contains(text) == !naive.isEmpty, "\(text) in \(String(decoding: head, as: UTF8.self))")
            checked += 1
            hits += naive.isEmpty ? 0 : 1
        }
        // Both answers must have been exercised many times.
        #expect(checked == 6000)
        #expect(hits > 500 && hits < 5500)
    }

    @Test("needles it does not answer, and edges: overlapping, first and last bytes, empty name, long stretches")
    func edges() {
        func fits(_ s: String) -> Bool { Array(s.utf8).withUnsafeBytes { QuotedStretches.fits($0) } }
        #expect(fits(#""sessionId""#) && fits(#""""#))
        #expect(!fits(#""msg_"#) && !fits("spend") && !fits(#"""a""#) && !fits("\"") && !fits(""))
        #expect(!fits("\"" + String(repeating: "a", count: QuotedStretches.longest) + "\""))
        #expect(fits("\"" + String(repeating: "a", count: QuotedStretches.longest - 1) + "\""))
        let head = Array(#""a"a"a""""sessionId":"x","#.utf8)
        for needle in [#""a""#, #""""#, #""sessionId""#, #""x""#, #"":""#, #""zz""#] {
            #expect(Self.stretchesAll(Array(needle.utf8), in: head) == Self.naiveAll(Array(needle.utf8), in: head), "\(needle)")
        }
        #expect(Self.stretchesAll(Array(#""a""#.utf8), in: head) == [0, 2, 4])
        let long = "\"" + String(repeating: "b", count: QuotedStretches.longest - 1) + "\""
        #expect(FileHead(Array(("{" + long + ":1}").utf8)).contains(long))
        #expect(FileHead([]).contains(#""a""#) == false)
    }
}
