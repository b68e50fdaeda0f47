/// A small direct-mapped cache of pieces of 3–16 bytes and the 1–3 ids they encode to, owned by one
/// encode call (one thread): real text repeats its common pieces (" the", "self", " return", "\n    ")
/// so most pieces are answered by one load from 256 KB that stays in the L2 cache, instead of a
/// vocabulary lookup (2–3 loads scattered over several MB) or a whole merge.
///
/// Exact by construction: an entry holds the piece's full bytes and length and the ids the merge
/// produced for exactly those bytes; a piece's ids depend on nothing else. A colliding piece simply
/// replaces the entry.
///
/// Cost: 256 KB allocated and zeroed per call (~20 µs), so only texts of `worthFrom` bytes or more use
/// one; a hit is one hash of two words and one 32-byte entry. 8192 entries: 16384 (simulated hit rate
/// on the docs+code corpus 92.8% instead of 90.6%) and two-way sets of 4096 (92.4%) measured no faster.
struct PieceCache {
    struct Entry {
        var k0: UInt64
        var k1: UInt64
        var meta: UInt32 // length | id count << 8; 0 = empty
        var id0: UInt32
        var id1: UInt32
        var id2: UInt32
    }

    static let bits = 13
    static let worthFrom = 32 * 1024
    static let maxLength = 16

    private let entries: UnsafeMutablePointer<Entry>

    init() {
        let bytes = MemoryLayout<Entry>.stride << PieceCache.bits
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        entries = raw.assumingMemoryBound(to: Entry.self)
    }

    func deallocate() { entries.deallocate() }

    /// Encodes `piece[0..<n]` (3 ≤ n ≤ 16) into `sink` from the cache, or by `BytePairMerge` and
    /// remembers it. `readable` says 16 bytes from `piece` may be loaded (the text goes on that far).
    @inline(__always)
    func encode<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, readable: Bool, _ vocab: CompactVocabulary,
                                 into sink: inout Sink) {
        var k0: UInt64 = 0, k1: UInt64 = 0
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
            for i in 0..<min(n, 8) { k0 |= UInt64(piece[i]) << UInt64(8 * i) }
            if n > 8 { for i in 8..<n { k1 |= UInt64(piece[i]) << UInt64(8 * (i - 8)) } }
        }
        let h = (k0 &* 0x9E37_79B9_7F4A_7C15) ^ (k1 &+ UInt64(n)) &* 0xC2B2_AE3D_27D4_EB4F
        let entry = entries + Int(truncatingIfNeeded: h >> UInt64(64 - PieceCache.bits))
        let meta = UInt32(n)
        if entry.pointee.k0 == k0 && entry.pointee.k1 == k1 && entry.pointee.meta & 0xFF == meta {
            emit(entry.pointee, into: &sink)
            return
        }
        var ids = FewIds()
        BytePairMerge.encode(piece, n, vocab, into: &ids)
        for i in 0..<ids.count { sink.append(ids.ids[i]) }
        if ids.count <= 3 {
            entry.pointee = Entry(k0: k0, k1: k1, meta: meta | UInt32(ids.count) << 8, id0: ids.ids[0], id1: ids.ids[1], id2: ids.ids[2])
        }
    }

    @inline(__always)
    private func emit<Sink: TokenSink>(_ entry: Entry, into sink: inout Sink) {
        let count = entry.meta >> 8
        sink.append(entry.id0)
        if count > 1 { sink.append(entry.id1) }
        if count > 2 { sink.append(entry.id2) }
    }
}

/// The ids of one piece of at most 16 bytes (so at most 16 ids), without allocating.
struct FewIds: TokenSink {
    var ids = SIMD16<UInt32>()
    var count = 0
    @inline(__always) mutating func append(_ rank: UInt32) {
        ids[count] = rank
        count += 1
    }
}
