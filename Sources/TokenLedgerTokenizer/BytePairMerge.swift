/// Where BPE output goes: a list of ids, or just a count (no allocation).
protocol TokenSink {
    mutating func append(_ rank: UInt32)
}

struct TokenCounter: TokenSink {
    var count = 0
    @inline(__always) mutating func append(_ rank: UInt32) { count += 1 }
}

struct TokenList: TokenSink {
    var ids: [Int] = []
    @inline(__always) mutating func append(_ rank: UInt32) { ids.append(Int(rank)) }
}

/// The ids of one `encode` call written straight into reserved room (the result array's storage):
/// one compare per id, where `Array.append` also calls the runtime's uniqueness check. Ids past the
/// room (text with more than one token per two bytes) go to `overflow`, appended once at the end.
struct IdWriter: TokenSink {
    let base: UnsafeMutablePointer<Int>
    let capacity: Int
    var count = 0
    var overflow: [Int] = []

    @inline(__always) mutating func append(_ rank: UInt32) {
        if count < capacity {
            base[count] = Int(rank)
            count += 1
        } else {
            overflow.append(Int(rank))
        }
    }
}

// Why the core is shaped as it is (each choice with its measurement, and what was tried and dropped):
// docs/tokenizer-tuning.md.

/// tiktoken's `byte_pair_merge`: repeatedly merge the adjacent pair whose bytes have the lowest rank
/// (leftmost on ties) until no adjacent pair is a token.
///
/// Parts start as single bytes, except 3-byte characters `CharacterPremerge` allows to start whole.
/// Two paths with identical results: for pieces up to `shortPiece` bytes a flat array scan,
/// O(n·m) for m merges (like tiktoken); for longer pieces a linked list plus a min-heap keyed by
/// (rank, start), O(n log n) — so 1 MB of one letter or of spaces stays linear-ish. Ranks of pairs
/// longer than the longest token are never looked up.
enum BytePairMerge {
    static let shortPiece = 24
    static let stackPiece = 2048

    @inline(__always)
    static func encode<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary, into sink: inout Sink) {
        let whole = vocab.rank(piece, n)
        if whole != CompactVocabulary.absent {
            sink.append(whole)
            return
        }
        if n <= shortPiece {
            shortMerge(piece, n, vocab, into: &sink)
        } else if n <= stackPiece {
            // Medium pieces (CJK runs, long words): the heap path on stack buffers, no allocation.
            withUnsafeTemporaryAllocation(of: Part.self, capacity: n) { parts in
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * n + 16) { keys in
                    var heap = MinHeap(buffer: keys.baseAddress!, capacity: keys.count)
                    longMerge(piece, n, vocab, parts: parts.baseAddress!, queue: &heap, into: &sink)
                }
            }
        } else {
            if n > 4 * SegmentedMerge.segment && SegmentedMerge.encode(piece, n, vocab, into: &sink) { return }
            var heap = MinHeap(capacity: 2 * n)
            defer { heap.deallocate() }
            longMerge(piece, n, vocab, queue: &heap, into: &sink)
        }
    }

    /// A piece starting with a 3-byte character, or with one after a space or quote: worth joining
    /// whole characters (CJK clauses). Any other piece starts from single bytes.
    @inline(__always)
    static func cjkLike(_ piece: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        piece[0] >> 4 == 0xE || (n > 1 && piece[1] >> 4 == 0xE)
    }

    /// The part starting at byte `k` before any merge: one byte, or a whole 3-byte character that
    /// `CharacterPremerge` allows here. Returns its width and rank.
    @inline(__always)
    static func firstPart(_ piece: UnsafePointer<UInt8>, _ n: Int, at k: Int, _ vocab: CompactVocabulary,
                          _ chars: UnsafePointer<UInt32>) -> (Int, UInt32) {
        let b0 = piece[k]
        guard b0 & 0xF0 == 0xE0, k + 3 <= n, piece[k + 1] & 0xC0 == 0x80, piece[k + 2] & 0xC0 == 0x80 else {
            return (1, vocab.byteRanks[Int(b0)])
        }
        let entry = chars[(Int(b0) & 0x0F) << 12 | (Int(piece[k + 1]) & 0x3F) << 6 | Int(piece[k + 2]) & 0x3F]
        var need: UInt32 = 0
        if k > 0 {
            let b = piece[k - 1]
            need |= b < 0x80 ? CharacterPremerge.asciiBefore : b < 0xC0 ? CharacterPremerge.continuationBefore : CharacterPremerge.never
        }
        if k + 3 < n {
            let b = piece[k + 3]
            need |= b < 0x80 ? CharacterPremerge.asciiAfter : b >= 0xC0 ? CharacterPremerge.leadAfter : CharacterPremerge.never
        }
        guard entry != 0, entry & need == need else { return (1, vocab.byteRanks[Int(b0)]) }
        return (3, (entry & CharacterPremerge.rankMask) - 1)
    }

    /// `vocab.rank`, with keys of exactly two 3-byte characters (CJK pairs) from the small pair table.
    @inline(__always)
    static func rank(_ key: UnsafePointer<UInt8>, _ count: Int, _ vocab: CompactVocabulary, _ chars: UnsafePointer<UInt32>) -> UInt32 {
        if count == 6 && key[0] >> 4 == 0xE && key[3] >> 4 == 0xE {
            let all = key[1] & key[2] & key[4] & key[5], any = key[1] | key[2] | key[4] | key[5]
            if all & 0x80 != 0 && any & 0x40 == 0 {
                let a = (Int(key[0]) & 0x0F) << 12 | (Int(key[1]) & 0x3F) << 6 | Int(key[2]) & 0x3F
                let b = (Int(key[3]) & 0x0F) << 12 | (Int(key[4]) & 0x3F) << 6 | Int(key[5]) & 0x3F
                return CharacterPremerge.pairRank(chars, a, b)
            }
        }
        return vocab.rank(key, count)
    }

    static func shortMerge<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary, into sink: inout Sink) {
        let absent = CompactVocabulary.absent
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: n + 1) { starts in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * (n + 1)) { buffer in
                let pairRank = buffer.baseAddress!        // rank of part k merged with part k+1
                let tokenRank = buffer.baseAddress! + (n + 1) // rank of part k itself
                var parts = 0 // parts 0..<parts, starts[parts] == n
                // CJK-like pieces: whole characters where CharacterPremerge allows; others: single bytes.
                let cjk = cjkLike(piece, n) ? vocab.premerge.entries(vocab, for: n) : nil
                if let chars = cjk {
                    var s = 0
                    while s < n {
                        let (width, token) = firstPart(piece, n, at: s, vocab, chars)
                        starts[parts] = Int32(s)
                        tokenRank[parts] = token
                        parts += 1
                        s += width
                    }
                    starts[parts] = Int32(n)
                    for k in 0..<parts {
                        let s = Int(starts[k])
                        pairRank[k] = k + 1 < parts ? rank(piece + s, Int(starts[k + 2]) - s, vocab, chars) : absent
                    }
                } else {
                    for k in 0..<n {
                        starts[k] = Int32(k)
                        tokenRank[k] = vocab.byteRanks[Int(piece[k])]
                        pairRank[k] = k + 1 < n ? vocab.pairRanks[Int(piece[k]) << 8 | Int(piece[k + 1])] : absent
                    }
                    starts[n] = Int32(n)
                    parts = n
                }
                while true {
                    var minRank = absent
                    var at = 0
                    for k in 0..<(parts - 1) where pairRank[k] < minRank {
                        minRank = pairRank[k]
                        at = k
                    }
                    if minRank == absent { break }
                    tokenRank[at] = minRank
                    // Remove part at+1.
                    var k = at + 1
                    while k < parts {
                        starts[k] = starts[k + 1]
                        tokenRank[k] = tokenRank[k + 1]
                        pairRank[k] = pairRank[k + 1]
                        k += 1
                    }
                    parts -= 1
                    func rankOfPair(_ k: Int) -> UInt32 {
                        guard k + 1 < parts else { return absent }
                        let s = Int(starts[k])
                        if let cjk { return rank(piece + s, Int(starts[k + 2]) - s, vocab, cjk) }
                        return vocab.rank(piece + s, Int(starts[k + 2]) - s)
                    }
                    if at > 0 { pairRank[at - 1] = rankOfPair(at - 1) }
                    pairRank[at] = rankOfPair(at)
                }
                for k in 0..<parts { sink.append(tokenRank[k]) }
            }
        }
    }

    /// One part of a long piece, named by its start byte; 16 bytes so a merge touches one cache line per part.
    struct Part {
        var next: Int32      // the following part's start (n at the end)
        var prev: Int32      // the previous part's start (-1 at the start, -2 once merged away)
        var pairRank: UInt32 // rank of this part merged with the next
        var tokenRank: UInt32
    }

    static func longMerge<Queue: MergeQueue, Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary,
                                                              queue heap: inout Queue, into sink: inout Sink) {
        let parts = UnsafeMutablePointer<Part>.allocate(capacity: n)
        defer { parts.deallocate() }
        longMerge(piece, n, vocab, parts: parts, queue: &heap, into: &sink)
    }

    static func longMerge<Queue: MergeQueue, Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary,
                                                              parts: UnsafeMutablePointer<Part>,
                                                              queue heap: inout Queue, into sink: inout Sink) {
        let absent = CompactVocabulary.absent
        // Parts: single bytes, except 3-byte characters that CharacterPremerge proves are whole
        // before anything else touches them (two of every three merges of a CJK run).
        let cjk = cjkLike(piece, n) ? vocab.premerge.entries(vocab, for: n) : nil
        if let chars = cjk {
            var k = 0
            var prev = -1
            while k < n {
                let (width, token) = firstPart(piece, n, at: k, vocab, chars)
                parts[k] = Part(next: Int32(k + width), prev: Int32(prev), pairRank: absent, tokenRank: token)
                prev = k
                k += width
            }
            k = 0
            while k < n {
                let a = Int(parts[k].next)
                if a < n {
                    let r = rank(piece + k, Int(parts[a].next) - k, vocab, chars)
                    parts[k].pairRank = r
                    if r != absent { heap.append(UInt64(r) << 32 | UInt64(k)) }
                }
                k = a
            }
        } else {
            for k in 0..<n {
                let r = k + 1 < n ? vocab.pairRanks[Int(piece[k]) << 8 | Int(piece[k + 1])] : absent
                parts[k] = Part(next: Int32(k + 1), prev: Int32(k - 1), pairRank: r, tokenRank: vocab.byteRanks[Int(piece[k])])
                if r != absent { heap.append(UInt64(r) << 32 | UInt64(k)) }
            }
        }
        heap.heapify()
        @inline(__always) func rankOfPair(_ s: Int) -> UInt32 {
            let a = Int(parts[s].next)
            guard a < n else { return absent }
            if let cjk { return rank(piece + s, Int(parts[a].next) - s, vocab, cjk) }
            return vocab.rank(piece + s, Int(parts[a].next) - s)
        }
        while let top = heap.pop() {
            let r = UInt32(truncatingIfNeeded: top >> 32)
            let s = Int(top & 0xFFFF_FFFF)
            // Stale entries: the part was merged away, or its pair was re-ranked since.
            guard parts[s].prev != -2, parts[s].pairRank == r else { continue }
            let dead = Int(parts[s].next)
            let after = parts[dead].next
            parts[dead].prev = -2
            parts[s].tokenRank = r
            parts[s].next = after
            if Int(after) < n { parts[Int(after)].prev = Int32(s) }
            let own = rankOfPair(s)
            parts[s].pairRank = own
            if own != absent { heap.push(UInt64(own) << 32 | UInt64(s)) }
            let p = Int(parts[s].prev)
            if p >= 0 {
                let left = rankOfPair(p)
                parts[p].pairRank = left
                if left != absent { heap.push(UInt64(left) << 32 | UInt64(p)) }
            }
        }
        var s = 0
        while s < n {
            sink.append(parts[s].tokenRank)
            s = Int(parts[s].next)
        }
    }
}

/// The priority queue of (rank, start) merge keys used for long pieces.
protocol MergeQueue {
    mutating func append(_ x: UInt64)
    mutating func heapify()
    mutating func push(_ x: UInt64)
    mutating func pop() -> UInt64?
}

/// A binary min-heap of `UInt64` keys (rank in the high half, start in the low half) in one fixed
/// buffer: at most n initial pairs plus 2 per merge, and a merge removes a part, so 3n bounds it.
struct MinHeap: MergeQueue {
    private let items: UnsafeMutablePointer<UInt64>
    private let capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity + 16
        items = .allocate(capacity: self.capacity)
    }

    /// A heap in a buffer the caller owns (and frees); do not call `deallocate`.
    init(buffer: UnsafeMutablePointer<UInt64>, capacity: Int) {
        self.capacity = capacity
        items = buffer
    }

    func deallocate() { items.deallocate() }

    /// Adds without ordering; call `heapify()` before the first `pop`.
    @inline(__always) mutating func append(_ x: UInt64) {
        items[count] = x
        count += 1
    }

    /// Floyd's bottom-up heap construction, O(n).
    mutating func heapify() {
        var i = count / 2
        while i > 0 {
            i -= 1
            siftDown(from: i, items[i])
        }
    }

    @inline(__always) mutating func push(_ x: UInt64) {
        precondition(count < capacity)
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            let p = items[parent]
            if p <= x { break }
            items[i] = p
            i = parent
        }
        items[i] = x
    }

    @inline(__always) mutating func pop() -> UInt64? {
        guard count > 0 else { return nil }
        let top = items[0]
        count -= 1
        if count > 0 { siftDown(from: 0, items[count]) }
        return top
    }

    @inline(__always) private mutating func siftDown(from start: Int, _ x: UInt64) {
        var i = start
        while true {
            let l = 2 * i + 1
            if l >= count { break }
            var c = l
            var v = items[l]
            if l + 1 < count {
                let w = items[l + 1]
                if w < v { c = l + 1; v = w }
            }
            if v >= x { break }
            items[i] = v
            i = c
        }
        items[i] = x
    }
}
