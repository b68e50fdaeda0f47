import Synchronization

/// Which 3-byte UTF-8 characters (CJK, kana, hangul, most symbols) the merge may join into one part
/// before it starts, and in which neighbourhoods: for long CJK pieces this removes two of every
/// three merges.
///
/// Why it is exact: let c = b0 b1 b2 be a character that is a token (rank rc) and let M be the larger
/// rank of the two merges that build it alone (the first of b0b1 / b1b2, then rc). Until c is whole,
/// one of its inner pairs with rank ≤ M is always available, so the whole-piece merge completes c
/// before any merge of rank > M touches it. The first merge joining a proper part of c with a
/// neighbour makes a token that ends in b0 or b0b1, or starts with b2 or b1b2, with a neighbour's
/// byte next to it; a merge of the whole c with a neighbour makes a token that starts or ends with c.
/// If every such token has rank > M, the merge sequence with c joined up front differs from the
/// original only by the inner merges of c, so the output is identical. Pieces are valid UTF-8 (they
/// come from a Swift string split at scalar boundaries), so the byte before c is ASCII or a
/// continuation byte and the byte after it is ASCII or a lead byte; the table keeps one verdict per
/// side and neighbour class, each taken as the minimum over all tokens that could occur there.
///
/// Cost: built on first use per vocabulary (one pass over all tokens, ~2 ms for o200k, 256 KB);
/// a lookup is one load indexed by the code point.
final class CharacterPremerge: Sendable {
    /// `entry & rankMask` = rank + 1 (0: never pre-merge); the flag bits say where it is allowed.
    static let asciiBefore: UInt32 = 1 << 20
    static let continuationBefore: UInt32 = 1 << 21
    static let asciiAfter: UInt32 = 1 << 22
    static let leadAfter: UInt32 = 1 << 23
    /// A flag no entry has: the neighbour byte cannot occur next to a whole character.
    static let never: UInt32 = 1 << 24
    static let rankMask: UInt32 = (1 << 20) - 1

    private let table = Atomic<Int>(0)

    deinit {
        let bits = table.load(ordering: .acquiring)
        if bits != 0 { UnsafeMutablePointer<UInt32>(bitPattern: bits)?.deallocate() }
    }

    /// The 65536-entry table indexed by code point, built on the first call.
    @inline(__always)
    func entries(_ vocab: CompactVocabulary) -> UnsafePointer<UInt32> {
        let bits = table.load(ordering: .acquiring)
        if bits != 0, let p = UnsafePointer<UInt32>(bitPattern: bits) { return p }
        return build(vocab)
    }

    private func build(_ vocab: CompactVocabulary) -> UnsafePointer<UInt32> {
        let fresh = CharacterPremerge.compute(vocab)
        let (won, current) = table.compareExchange(expected: 0, desired: Int(bitPattern: fresh),
                                                   ordering: .acquiringAndReleasing)
        if won { return UnsafePointer(fresh) }
        fresh.deallocate()
        return UnsafePointer<UInt32>(bitPattern: current)!
    }

    static func compute(_ vocab: CompactVocabulary) -> UnsafeMutablePointer<UInt32> {
        let absent = CompactVocabulary.absent
        // Minimum rank of tokens of length ≥ 2 (≥ 3) starting with byte x (bytes x y) followed by an
        // ASCII [0] or a lead [1] byte; ending with x (x y) preceded by an ASCII [0] or a continuation
        // [1] byte. And of tokens longer than 3 bytes starting / ending with a 3-byte character.
        var start1 = [[UInt32]](repeating: [UInt32](repeating: absent, count: 256), count: 2)
        var end1 = start1
        var start2 = [[UInt32]](repeating: [UInt32](repeating: absent, count: 65536), count: 2)
        var end2 = start2
        var startChar = [UInt32](repeating: absent, count: 65536)
        var endChar = [UInt32](repeating: absent, count: 65536)
        @inline(__always) func afterClass(_ b: UInt8) -> Int? { b < 0x80 ? 0 : b >= 0xC0 ? 1 : nil }
        @inline(__always) func beforeClass(_ b: UInt8) -> Int? { b < 0x80 ? 0 : b < 0xC0 ? 1 : nil }
        @inline(__always) func codePoint(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
            guard t[i] & 0xF0 == 0xE0, t[i + 1] & 0xC0 == 0x80, t[i + 2] & 0xC0 == 0x80 else { return nil }
            return (Int(t[i]) & 0x0F) << 12 | (Int(t[i + 1]) & 0x3F) << 6 | Int(t[i + 2]) & 0x3F
        }
        for r in 0..<vocab.tokenCount {
            let t = vocab.bytes(of: r)
            let n = t.count
            let rank = UInt32(r)
            if n >= 2 {
                if let a = afterClass(t[1]) { start1[a][Int(t[0])] = min(start1[a][Int(t[0])], rank) }
                if let b = beforeClass(t[n - 2]) { end1[b][Int(t[n - 1])] = min(end1[b][Int(t[n - 1])], rank) }
            }
            if n >= 3 {
                if let a = afterClass(t[2]) {
                    let k = Int(t[0]) << 8 | Int(t[1])
                    start2[a][k] = min(start2[a][k], rank)
                }
                if let b = beforeClass(t[n - 3]) {
                    let k = Int(t[n - 2]) << 8 | Int(t[n - 1])
                    end2[b][k] = min(end2[b][k], rank)
                }
            }
            if n > 3 {
                if let cp = codePoint(t, 0) { startChar[cp] = min(startChar[cp], rank) }
                if let cp = codePoint(t, n - 3) { endChar[cp] = min(endChar[cp], rank) }
            }
        }
        let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 65536)
        out.initialize(repeating: 0, count: 65536)
        for cp in 0x800..<0x10000 where !(0xD800...0xDFFF).contains(cp) {
            let b0 = UInt8(0xE0 | cp >> 12), b1 = UInt8(0x80 | (cp >> 6) & 0x3F), b2 = UInt8(0x80 | cp & 0x3F)
            let bytes = [b0, b1, b2]
            let rc = bytes.withUnsafeBufferPointer { vocab.rank($0.baseAddress!, 3) }
            let first = min(vocab.pairRanks[Int(b0) << 8 | Int(b1)], vocab.pairRanks[Int(b1) << 8 | Int(b2)])
            guard rc != absent, first != absent else { continue }
            let m = max(first, rc)
            let whole = min(startChar[cp], endChar[cp])
            guard whole > m else { continue }
            var entry = rc + 1
            if end1[0][Int(b0)] > m && end2[0][Int(b0) << 8 | Int(b1)] > m { entry |= asciiBefore }
            if end1[1][Int(b0)] > m && end2[1][Int(b0) << 8 | Int(b1)] > m { entry |= continuationBefore }
            if start1[0][Int(b2)] > m && start2[0][Int(b1) << 8 | Int(b2)] > m { entry |= asciiAfter }
            if start1[1][Int(b2)] > m && start2[1][Int(b1) << 8 | Int(b2)] > m { entry |= leadAfter }
            out[cp] = entry
        }
        return out
    }
}
