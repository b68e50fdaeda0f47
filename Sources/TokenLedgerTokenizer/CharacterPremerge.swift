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
/// Cost: built once per vocabulary and process after 256 KB of CJK-like pieces (one pass over all
/// tokens: ~4–5 ms for o200k, ~2 ms for cl100k; 256 KB plus 128 KB for the two-character tokens);
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
    /// Bytes of CJK-like pieces merged while the table did not exist yet.
    private let pending = Atomic<Int>(0)
    /// The table is built once this many bytes of CJK-like pieces have been merged: building costs
    /// about what it saves on 0.7 MB, so a one-line prompt never pays for it.
    static let buildAfter = 256 * 1024

    deinit {
        let bits = table.load(ordering: .acquiring)
        if bits != 0 { UnsafeMutableRawPointer(bitPattern: bits)?.deallocate() }
    }

    /// The 65536-entry table indexed by code point, built on the first call; the two-character
    /// token table (`pairRank`) follows it in the same allocation.
    @inline(__always)
    func entries(_ vocab: CompactVocabulary) -> UnsafePointer<UInt32> {
        let bits = table.load(ordering: .acquiring)
        if bits != 0, let p = UnsafePointer<UInt32>(bitPattern: bits) { return p }
        return build(vocab)
    }

    /// The table if it exists or `n` more bytes of CJK-like pieces make it worth building; else nil
    /// (the merge then starts from single bytes, with the same result).
    @inline(__always)
    func entries(_ vocab: CompactVocabulary, for n: Int) -> UnsafePointer<UInt32>? {
        let bits = table.load(ordering: .acquiring)
        if bits != 0 { return UnsafePointer<UInt32>(bitPattern: bits) }
        let seen = pending.wrappingAdd(n, ordering: .relaxed).newValue
        return seen >= CharacterPremerge.buildAfter ? build(vocab) : nil
    }

    private func build(_ vocab: CompactVocabulary) -> UnsafePointer<UInt32> {
        let fresh = CharacterPremerge.compute(vocab)
        let (won, current) = table.compareExchange(expected: 0, desired: Int(bitPattern: fresh),
                                                   ordering: .acquiringAndReleasing)
        if won { return UnsafePointer(fresh) }
        UnsafeMutableRawPointer(fresh).deallocate()
        return UnsafePointer<UInt32>(bitPattern: current)!
    }

    @inline(__always)
    static func pairSlot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    /// The rank of the token made of the two 3-byte characters `a` `b` (code points), or `absent`:
    /// one hash probe of a 64–128 KB table instead of the general 6-byte lookup.
    @inline(__always)
    static func pairRank(_ entries: UnsafePointer<UInt32>, _ a: Int, _ b: Int) -> UInt32 {
        let mask = Int(entries[65536])
        let slots = UnsafeRawPointer(entries + 65538).assumingMemoryBound(to: UInt64.self)
        let key = UInt64(a << 16 | b)
        var slot = pairSlot(key, mask)
        while true {
            let entry = slots[slot]
            if entry == 0 { return CompactVocabulary.absent }
            if entry & 0xFFFF_FFFF == key { return UInt32(truncatingIfNeeded: entry >> 32) &- 1 }
            slot = (slot + 1) & mask
        }
    }

    static func compute(_ vocab: CompactVocabulary) -> UnsafeMutablePointer<UInt32> {
        let absent = CompactVocabulary.absent
        // Minimum rank of tokens of length ≥ 2 starting with byte x followed by an ASCII (class 0) or
        // lead (1) byte: start1[class << 8 | x]; ending with x preceded by an ASCII (0) or continuation
        // (1) byte: end1. The same for two bytes x y and length ≥ 3 (start2, end2: class << 16 | x << 8 | y),
        // and for tokens longer than 3 bytes starting / ending with a 3-byte character (by code point).
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: 2 * 512 + 7 * 65536)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: absent, count: 2 * 512 + 7 * 65536)
        let start1 = scratch, end1 = scratch + 512
        let start2 = scratch + 1024, end2 = start2 + 2 * 65536
        let startChar = end2 + 2 * 65536, endChar = startChar + 65536
        let charRank = endChar + 65536 // rank of each 3-byte character that is a token
        @inline(__always) func lower(_ p: UnsafeMutablePointer<UInt32>, _ i: Int, _ r: UInt32) { if r < p[i] { p[i] = r } }
        @inline(__always) func codePoint(_ t: UnsafePointer<UInt8>) -> Int? {
            guard t[0] & 0xF0 == 0xE0, t[1] & 0xC0 == 0x80, t[2] & 0xC0 == 0x80 else { return nil }
            return (Int(t[0]) & 0x0F) << 12 | (Int(t[1]) & 0x3F) << 6 | Int(t[2]) & 0x3F
        }
        var pairTokens: [UInt64] = [] // tokens of exactly two 3-byte characters: a << 16 | b | (rank + 1) << 32
        for r in 0..<vocab.tokenCount {
            let from = Int(vocab.offsets[r])
            let n = Int(vocab.offsets[r + 1]) - from
            guard n >= 2 else { continue }
            let t = vocab.blob + from
            let rank = UInt32(r)
            let after1 = t[1] < 0x80 ? 0 : t[1] >= 0xC0 ? 1 : -1
            if after1 >= 0 { lower(start1, after1 << 8 | Int(t[0]), rank) }
            let before1 = t[n - 2] < 0x80 ? 0 : t[n - 2] < 0xC0 ? 1 : -1
            if before1 >= 0 { lower(end1, before1 << 8 | Int(t[n - 1]), rank) }
            guard n >= 3 else { continue }
            if n == 3, let cp = codePoint(t) { charRank[cp] = rank }
            let after2 = t[2] < 0x80 ? 0 : t[2] >= 0xC0 ? 1 : -1
            if after2 >= 0 { lower(start2, after2 << 16 | Int(t[0]) << 8 | Int(t[1]), rank) }
            let before2 = t[n - 3] < 0x80 ? 0 : t[n - 3] < 0xC0 ? 1 : -1
            if before2 >= 0 { lower(end2, before2 << 16 | Int(t[n - 2]) << 8 | Int(t[n - 1]), rank) }
            guard n > 3 else { continue }
            let head = codePoint(t), tail = codePoint(t + n - 3)
            if let cp = head { lower(startChar, cp, rank) }
            if let cp = tail { lower(endChar, cp, rank) }
            if n == 6, let a = head, let b = tail { pairTokens.append(UInt64(a << 16 | b) | UInt64(r + 1) << 32) }
        }
        // Tokens that are exactly two 3-byte characters, keyed by their code points (open addressing,
        // load ≤ 0.5): slot = key | (rank + 1) << 32.
        var slots = 16
        while slots < 2 * pairTokens.count { slots <<= 1 }
        let words = 65536 / 2 + 1 + slots
        let raw = UnsafeMutableRawPointer.allocate(byteCount: words * 8, alignment: 8)
        raw.initializeMemory(as: UInt64.self, repeating: 0, count: words)
        let out = raw.assumingMemoryBound(to: UInt32.self)
        out[65536] = UInt32(slots - 1)
        let pairSlots = (raw + 65536 * 4 + 8).assumingMemoryBound(to: UInt64.self)
        for token in pairTokens {
            var slot = pairSlot(token & 0xFFFF_FFFF, slots - 1)
            while pairSlots[slot] != 0 { slot = (slot + 1) & (slots - 1) }
            pairSlots[slot] = token
        }
        for cp in 0x800..<0x10000 where !(0xD800...0xDFFF).contains(cp) {
            let b0 = UInt8(0xE0 | cp >> 12), b1 = UInt8(0x80 | (cp >> 6) & 0x3F), b2 = UInt8(0x80 | cp & 0x3F)
            let first = min(vocab.pairRanks[Int(b0) << 8 | Int(b1)], vocab.pairRanks[Int(b1) << 8 | Int(b2)])
            guard first != absent else { continue }
            let rc = charRank[cp]
            guard rc != absent else { continue }
            let m = max(first, rc)
            guard startChar[cp] > m, endChar[cp] > m else { continue }
            let x0 = Int(b0), x01 = Int(b0) << 8 | Int(b1), x2 = Int(b2), x12 = Int(b1) << 8 | Int(b2)
            var entry = rc + 1
            if end1[x0] > m && end2[x01] > m { entry |= asciiBefore }
            if end1[256 | x0] > m && end2[65536 | x01] > m { entry |= continuationBefore }
            if start1[x2] > m && start2[x12] > m { entry |= asciiAfter }
            if start1[256 | x2] > m && start2[65536 | x12] > m { entry |= leadAfter }
            out[cp] = entry
        }
        return out
    }
}
