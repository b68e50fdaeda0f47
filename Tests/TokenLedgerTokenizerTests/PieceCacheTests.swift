import Foundation
import Testing
@testable import TokenLedgerTokenizer

@Suite("The piece cache gives exactly the ids of the merge")
struct PieceCacheTests {
    @Test("fixture text three times over: with the cache (hits from the second pass on) equals without it, at each table size",
          arguments: EncodingName.available, [0, 3 << 20, 64 << 20])
    func cachedEqualsUncached(_ name: EncodingName, sizedFor bytes: Int) throws {
        let encoding = try TokenEncoding.named(name)
        // As the encoding scans it (Qwen: NFC), so the rank-level calls below see the same bytes as `encode`.
        var text = encoding.normalized(IndependentChunksTests.text + "\n" + IndependentChunksTests.text + "\n" + IndependentChunksTests.text)
        #expect(text.utf8.count >= PieceCache.worthFrom)
        let (cached, uncached, cachedWithSpecials, uncachedWithSpecials) = text.withUTF8 { utf8 in
            let base = utf8.baseAddress!, n = utf8.count
            let cache = PieceCache(forBytes: bytes)
            defer { cache.deallocate() }
            var a = TokenList(), b = TokenList(), c = TokenList(), d = TokenList()
            encoding.encodeOrdinary(base, n, cache: cache, into: &a)
            encoding.encodeOrdinary(base, n, cache: nil, into: &b)
            encoding.encodeWithSpecials(base, n, cache: cache, into: &c)
            encoding.encodeWithSpecials(base, n, cache: nil, into: &d)
            return (a.ids, b.ids, c.ids, d.ids)
        }
        #expect(cached.count > 30_000)
        #expect(cached == uncached)
        #expect(cachedWithSpecials == uncachedWithSpecials)
        var ids = uncached
        encoding.shift(&ids) // ranks → ids (Tekken, DeepSeek)
        #expect(encoding.encode(text, threads: 1) == ids)
    }

    @Test("the short table grows with the text: 8192 entries under 2 MiB, 16384 under 4 MiB, 32768 beyond")
    func sizing() {
        #expect([0, 32 << 10, (2 << 20) - 1, 2 << 20, (4 << 20) - 1, 4 << 20, 1 << 30].map(PieceCache.bits(forBytes:))
                == [13, 13, 13, 14, 14, 15, 15])
    }

    @Test("a piece at the very end of the text (no 16 or 32 readable bytes) is keyed by its own bytes only")
    func pieceAtTheEnd() throws {
        let encoding = try TokenEncoding.named(.o200kBase)
        let filler = String(repeating: "plain words here, характеристика and thermodynamics\n", count: 1000)
        for tail in [" the", " thermodynamics", " tokenizer", "abc", " caf\u{E9}", " характеристика", " характеристикам"] {
            #expect(encoding.encode(filler + tail, threads: 1) == encoding.encode(filler, threads: 1) + encoding.encode(tail, threads: 1))
        }
    }
}
