/// A small direct-mapped cache of the pieces of one encode call (one thread) and their ids: pieces of
/// 3–16 bytes with 1–3 ids in one table, pieces of 17–32 bytes with up to 7 ids in a second. Real text
/// repeats its common pieces (" the", "self", " return", "\n    ", Cyrillic and Greek words), so most
/// pieces are answered by one load from 512 KB that stays near the core, instead of a vocabulary
/// lookup (up to three dependent loads scattered over several MB) or a whole merge.
///
/// Exact by construction: an entry holds the piece's full bytes and length and the ids the merge
/// produced for exactly those bytes; a piece's ids depend on nothing else. A colliding piece simply
/// replaces the entry.
///
/// Cost: 0.5–1.25 MB allocated and zeroed per call (40–100 µs), so only texts of `worthFrom` bytes or
/// more use one; a hit is one hash and one 32- or 64-byte entry. The short table grows with the text
/// (more text, more distinct pieces): 8192 entries under 2 MiB, 16384 under 4 MiB, 32768 beyond. On the
/// 16.8 MB docs+code corpus 16384 entries took ids from 195 to 201 MB/s and 32768 to 204–207 (A/B,
/// load 3–5; 65536: no better); before the vocabulary's long table (when a miss cost less) 16384 and
/// two-way sets of 4096 had measured no faster.
struct PieceCache {
    struct Entry {
        var k0: UInt64
        var k1: UInt64
        var meta: UInt32 // length | id count << 8; 0 = empty
        var id0: UInt32
        var id1: UInt32
        var id2: UInt32
    }

    /// log2 of the short table's entries for a text of `n` bytes: 13 under 2 MiB, 14 under 4 MiB, then 15.
    static func bits(forBytes n: Int) -> Int { min(15, max(13, Int.bitWidth - n.leadingZeroBitCount - 8)) }
    static let worthFrom = 32 * 1024
    static let maxLength = 16
    /// The second table: pieces of 17–32 bytes (words in Cyrillic, Greek, Arabic…, short CJK
    /// clauses) and up to 7 ids, in 64-byte entries of 16 words: key bytes in words 0–7, length |
    /// count << 8 in word 8, ids in words 9–15.
    static let longBits = 12
    static let maxLongLength = 32

    private let entries: UnsafeMutablePointer<Entry>
    private let longEntries: UnsafeMutablePointer<UInt32>
    private let shift: UInt64

    /// A cache sized for a text (or batch of texts) of `textBytes` bytes.
    init(forBytes textBytes: Int = 0) {
        let bits = PieceCache.bits(forBytes: textBytes)
        shift = UInt64(64 - bits)
        let bytes = MemoryLayout<Entry>.stride << bits
        let longBytes = 64 << PieceCache.longBits
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes + longBytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes + longBytes)
        entries = raw.assumingMemoryBound(to: Entry.self)
        longEntries = (raw + bytes).assumingMemoryBound(to: UInt32.self)
    }

    func deallocate() { UnsafeMutableRawPointer(entries).deallocate() }

    /// `encode` for pieces of 17–32 bytes; `readable` says 32 bytes from `piece` may be loaded.
    @inline(__always)
    func encodeLong<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, readable: Bool, _ vocab: CompactVocabulary,
                                     into sink: inout Sink) {
        var k = SIMD4<UInt64>()
        if readable {
            let raw = UnsafeRawPointer(piece)
            k = SIMD4(raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                      raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            if n < 24 {
                k[2] &= (1 << UInt64(8 * (n - 16))) &- 1
                k[3] = 0
            } else if n < 32 {
                k[3] &= (1 << UInt64(8 * (n - 24))) &- 1
            }
        } else {
            for i in 0..<n { k[i >> 3] |= UInt64(piece[i]) << UInt64(8 * (i & 7)) }
        }
        let h = (k[0] &* 0x9E37_79B9_7F4A_7C15) ^ (k[1] &* 0xC2B2_AE3D_27D4_EB4F) ^ (k[2] &* 0x1656_67B1_9E37_79F9)
            ^ (k[3] &+ UInt64(n)) &* 0xBF58_476D_1CE4_E5B9
        let entry = longEntries + 16 * Int(truncatingIfNeeded: h >> UInt64(64 - PieceCache.longBits))
        let stored = UnsafeRawPointer(entry).load(as: SIMD4<UInt64>.self)
        if stored == k && entry[8] & 0xFF == UInt32(n) {
            for i in 0..<Int(entry[8] >> 8) { sink.append(entry[9 + i]) }
            return
        }
        fillLong(entry, k, piece, n, vocab, into: &sink)
    }

    /// A miss of `encodeLong`: merge, emit, remember. Out of line, so the hit path stays small
    /// enough to inline into the piece loop.
    @inline(never)
    func fillLong<Sink: TokenSink>(_ entry: UnsafeMutablePointer<UInt32>, _ k: SIMD4<UInt64>, _ piece: UnsafePointer<UInt8>, _ n: Int,
                                   _ vocab: CompactVocabulary, into sink: inout Sink) {
        var ids = FewIds()
        BytePairMerge.encode(piece, n, vocab, into: &ids)
        for i in 0..<ids.count { sink.append(ids.ids[i]) }
        if ids.count <= 7 {
            UnsafeMutableRawPointer(entry).storeBytes(of: k, as: SIMD4<UInt64>.self)
            entry[8] = UInt32(n) | UInt32(ids.count) << 8
            for i in 0..<ids.count { entry[9 + i] = ids.ids[i] }
        }
    }

    /// Encodes `piece[0..<n]` (3 ≤ n ≤ 16) into `sink` from the cache, or by `BytePairMerge` and
    /// remembers it. `readable` says 16 bytes from `piece` may be loaded (the text goes on that far).
    @inline(__always)
    func encode<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, readable: Bool, _ vocab: CompactVocabulary,
                                 into sink: inout Sink) {
        var k0: UInt64, k1: UInt64
        if readable {
            let raw = UnsafeRawPointer(piece)
            k0 = raw.loadUnaligned(as: UInt64.self)
            k1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            if n < 8 {
                k0 &= (1 << UInt64(8 * n)) &- 1
                k1 = 0
            } else if n < 16 {
                k1 &= (1 << UInt64(8 * (n - 8))) &- 1
            }
        } else {
            (k0, k1) = PieceCache.keyAtTheEnd(piece, n)
        }
        let h = (k0 &* 0x9E37_79B9_7F4A_7C15) ^ (k1 &+ UInt64(n)) &* 0xC2B2_AE3D_27D4_EB4F
        let entry = entries + Int(truncatingIfNeeded: h >> shift)
        let meta = UInt32(n)
        if entry.pointee.k0 == k0 && entry.pointee.k1 == k1 && entry.pointee.meta & 0xFF == meta {
            emit(entry.pointee, into: &sink)
            return
        }
        fill(entry, k0, k1, piece, n, vocab, into: &sink)
    }

    /// A miss of `encode`: merge, emit, remember (pieces of up to 3 ids). Out of line, so the hit
    /// path stays small enough to inline into the piece loop.
    @inline(never)
    func fill<Sink: TokenSink>(_ entry: UnsafeMutablePointer<Entry>, _ k0: UInt64, _ k1: UInt64, _ piece: UnsafePointer<UInt8>, _ n: Int,
                               _ vocab: CompactVocabulary, into sink: inout Sink) {
        var ids = FewIds()
        BytePairMerge.encode(piece, n, vocab, into: &ids)
        for i in 0..<ids.count { sink.append(ids.ids[i]) }
        if ids.count <= 3 {
            entry.pointee = Entry(k0: k0, k1: k1, meta: UInt32(n) | UInt32(ids.count) << 8, id0: ids.ids[0], id1: ids.ids[1], id2: ids.ids[2])
        }
    }

    /// The key of a piece within 16 bytes of the text's end, byte by byte (rare; out of line so the
    /// hit path stays small enough to inline into the piece loop).
    @inline(never)
    static func keyAtTheEnd(_ piece: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        var k0: UInt64 = 0, k1: UInt64 = 0
        for i in 0..<min(n, 8) { k0 |= UInt64(piece[i]) << UInt64(8 * i) }
        if n > 8 { for i in 8..<n { k1 |= UInt64(piece[i]) << UInt64(8 * (i - 8)) } }
        return (k0, k1)
    }

    @inline(__always)
    private func emit<Sink: TokenSink>(_ entry: Entry, into sink: inout Sink) {
        let count = entry.meta >> 8
        sink.append(entry.id0)
        if count > 1 { sink.append(entry.id1) }
        if count > 2 { sink.append(entry.id2) }
    }
}

/// The ids of one piece of at most 32 bytes (so at most 32 ids), without allocating.
struct FewIds: TokenSink {
    var ids = SIMD32<UInt32>()
    var count = 0
    @inline(__always) mutating func append(_ rank: UInt32) {
        ids[count] = rank
        count += 1
    }
}
