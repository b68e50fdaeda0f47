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

// Performance notes (1 MB inputs, release build, this 2-core machine under other builds' load):
// - Whole-piece lookup first: most English and code pieces are one token (prose ~180 MB/s).
// - Long pieces, binary heap over separate arrays, heap allocation: 1 MB random a-z 0.5–1.0 s; the
//   heap's pops missed cache on every level (55% of the time in `perf`).
// - Radix heap instead: no better (1.2 s vs 1.0 s in the same loaded conditions): the stall moved to
//   the scattered part lookups; dropped.
// - One 16-byte node per part (below): kept for locality; not separately measurable under the load.
// - Segmented merge with proved boundaries (SegmentedMerge.swift): 1 MB random a-z 77–90 ms, one
//   letter ~68 ms, spaces ~90 ms.
// - Medium pieces (25–2048 bytes: CJK runs) on stack buffers instead of the flat scan or allocation:
//   CJK 41 → 18 ms per MB. Flat-scan threshold 12/24/40/64 bytes: 24 best by a small margin.
// - memcmp → inline 8-byte compare in lookups: ~10% of CJK time was the libc call.
// - A 4096-entry (left rank, right rank) → rank memo in the segmented merge: one letter 68 → 56 ms,
//   spaces 104 → 72 ms (no more hashing of 128-byte keys), random a-z unchanged.
// - 16-byte hash slots holding the length and first 11 token bytes (one cache line per lookup
//   instead of slot + offsets + blob): no faster on CJK (17.3 vs 17.7 ms), slower on random a-z
//   (117 vs 92 ms) — the 8 MB table misses more than the 2 MB one; dropped.
// - Hash table density: load 0.76 (1 MB) CJK 17.7 → 23.6 ms; load 0.19 (4 MB) 17.4 ms: kept 0.38.
// - A second table for 3–5 byte tokens with the key inline (no blob access): CJK 17.7 → 16.6 ms,
//   random a-z 91 → 76 ms, prose 5.5 → 5.2 ms: kept (format v2, +1 MB file at load 0.53; the same
//   speed as at load 0.27 with 2 MB).
// - A 64 KB bit filter in front of the 3–5 byte table (rejects most absent keys in one load):
//   CJK 16.3 → 15.9 ms, random a-z 75 → 71 ms: kept (format v3).
// - Flat scan with SIMD8 minimum and block moves: slower (CJK 17.6 → 18.9 ms at 24 bytes, 24 ms at 64).
// - Whole 3-byte characters as the starting parts where CharacterPremerge proves the result is the
//   same (~75% of the CJK corpus's characters; the merges inside a character and their lookups go):
//   CJK o200k 16.1 → 10.9 ms, cl100k 13.9 → 9.4 ms; prose, code and the 1 MB worst cases unchanged
//   within ±2% (A/B of two release builds, interleaved, best of 7). Flat-scan pieces take this path
//   only when byte 0 or 1 is a 3-byte lead: doing it for every piece cost prose/code 3–10%.
// - Then most lookups are pairs of whole characters (6-byte keys, the general hashed table: slot,
//   offsets and blob, up to 3 misses). A 128 KB table of the 6374 two-character tokens keyed by the
//   two code points (one probe, key inline): CJK o200k 10.9 → 9.7 ms, cl100k 9.3 → 8.7 ms.
// - The table costs ~4.5 ms to build (o200k; a pass over every token): a cold `count` of one CJK line
//   went 22 → 27 ms. Now built only after 256 KB of CJK-like pieces (it saves ~6 ms per MB), so a
//   one-line prompt never pays; the benchmark's best-of-5 is the steady state.
//   With both, `tokenledger-bench tokenizer --only cjk` (median of 3): o200k 102 MB/s = 4.4× tiktoken
//   (was 62 MB/s, 2.7×), cl100k 114 MB/s = 5.6× (was 3.5×). Not tried: a cache of whole pieces (the
//   corpus repeats, it would flatter the figure), GitHub bpe's backtracking encoder (it needs a
//   per-token split table and a prefix automaton in the file format).
//   Final, with the 256 KB build threshold (median of 3): o200k 101 MB/s = 4.3×, cl100k 110 MB/s = 5.4×.
//
// Issue 14: the figures above came from 10 KB fixtures repeated to 1 MB (the same pieces hot in the CPU
// cache). On 8 MiB corpora of real, unrepeated text (`tokenledger-bench tokenizer`, Benchmarks/
// TokenizerCorpora.swift) single-threaded speed is set by cache misses on the vocabulary: a ≥ 6-byte
// lookup is three dependent loads (slot, offsets, blob) scattered over several MB (`perf annotate`:
// 37% / 17% / 21% of BytePairMerge.encode's samples on those three loads). Measured as MB/s of thread
// CPU time (wall time on this shared 2-core machine, load 5–9, varied ±40%), A/B of two release
// builds, interleaved, best of 5 × 2–3 rounds, docs+code corpus (16.8 MB):
// - PieceCache (8192 × 32 B, direct-mapped, pieces of 3–16 bytes → their 1–3 ids, one per encode
//   call of ≥ 32 KB): o200k count 133 → 173 MB/s, ids 113 → 135; cl100k count 137 → 175. Kept.
//   (Not done before because the repeated 1 MB files would have flattered it; the corpora now hold
//   no repetition beyond what real text has.) Simulated hit rate 90.6% of those pieces.
// - Cache of 16384 entries (simulated hit rate 92.8%): no faster (o200k count 151 vs 174); two-way
//   sets of 4096 × 2 (92.4%): no faster (167 vs 168). Dropped.
// - `encode` reserving n/2 ids instead of n/4 (real text has 0.26–0.40 tokens per byte, so n/4
//   reallocated and copied at the end): o200k ids 119 → 142 MB/s, cl100k 135 → 145. Kept.
// - `encode` writing ids straight into an array with room for one id per byte (no append checks):
//   o200k ids 144 → 149, cl100k 149 → 150 MB/s, within noise, and it reserves 8 bytes of address
//   space per input byte; dropped.
// - Remaining split (perf, docs+code o200k, before the long table): the piece-cache misses (whole-piece lookups and
//   merges) ~40%, the split scanner ~25%, cache hits ~15%. Not tried for lack of time: vocabulary
//   slots holding the blob offset and length (two dependent misses instead of three), prefetching
//   the next piece's slot (needs a C shim for __builtin_prefetch).
// - A second PieceCache table for pieces of 17–32 bytes (4096 × 64 B, up to 7 ids; 36% of the bytes
//   of the other-scripts corpus and 19% of CJK are in such pieces): scripts o200k ids 44 → 52 MB/s,
//   count 46 → 58; cl100k ids 59 → 67; CJK unchanged (its long pieces rarely repeat); docs+code not
//   slower (o200k ids 134 vs 146, count 149 vs 174). Kept.
//
// Issue 14, second pass. Decisions from cachegrind (one single-threaded encode of the 16.8 MB
// docs+code corpus, `tokenledger-bench tokenize --reps 1 --ids FILE`, D1 48 KB, L2 2 MB simulated as
// the last level: instructions and misses are exact and repeatable) and interleaved A/B of two
// release builds (same command with --reps 3, thread CPU time, best of 3 × 3–5 rounds, load 3–8).
// Before: 1,234M instructions, of which the split scanner 500M (30 per byte), the piece cache 247M,
// the piece loop 153M, merges and lookups ~260M; ids 153 MB/s, count 174–178 in the same runs.
// - An all-ASCII fast path in the scanner (PreTokenizer.asciiEnd, both patterns; the general scanner
//   only when a deciding scalar is not ASCII): scanner 500M → 401M; ids written through a pointer
//   into the result array's reserved storage (IdWriter; Array.append called the runtime's uniqueness
//   check per id, 23.5M): ids 153 → 167, count 178 → 191. Kept.
// - Vocabulary v4: tokens of 6+ bytes in 16-byte slots holding their first 12 bytes, one load
//   instead of slot → offsets → blob: lookups 133M → 95M instructions, L2 misses 401k → 306k;
//   ids 167 → 172–175, count 191 → 195–199; worst cases, CJK and scripts unchanged. Kept.
// - PieceCache's miss path out of line: 238M → 229M; ids 172 → 174. Kept.
// - Letter runs eight bytes at a time (word test + trailing-zero count): the scanner takes more
//   instructions (401M → 500M) but no data-dependent branch per letter: ids 174 → 177, count
//   198 → 201. Kept. Runs of spaces the same way: code corpus count 203 → 207, the rest unchanged. Kept.
// - The id array advised for 2 MB pages (HugePages): 35 MB of ids in 4 KB pages was ~8,600 page
//   faults, most of the ids/count gap: ids 177 → 186–193. Kept.
// - The ASCII fast path inlined into the piece loop, the general scanners out of line: ~+1%. Kept.
//   Then (perf, ids): scanner 28%, piece-cache hits 15%, long-table lookups 12% (L2 misses on its
//   4 MB), merges and short lookups 17%, the kernel zeroing fresh pages for the ids 10%, loop 6%.
// - So misses were worth more cache: the short PieceCache table grown with the text (16384 entries
//   from 2 MiB, 32768 from 4 MiB): ids 195 → 201 → 204–207, count 205 → 212 → 212–217; 65536 no
//   better. Kept.
// - The scanner and the piece-cache hit path were still a call per piece each (the scanner reached
//   through a closure, the cache's rare byte-by-byte key at the text's end made it too big to
//   inline): one piece loop per pattern calling the scanner directly, and that key out of line:
//   1,179M → 1,103M instructions; o200k ids 207 → 213 → 217–219, count 218 → 223 → 226–228; cl100k
//   ids 215 → 221. Kept. After: about 880M instructions for the tokenizer (from ~1,200M), L2 misses
//   about the same (1.35M vs 1.41M).
// - Both o200k letter runs ([A-Z]*[a-z]*) from one 8-byte load: the helper stayed a call per word,
//   1,103M → 1,168M instructions, no faster. Dropped. Not tried for lack of
// time: prefetching the next piece's vocabulary slot (needs a piece of lookahead in the loop and a
// C shim for __builtin_prefetch); a one-pass scanner (state machine) instead of alternatives tried in turn.

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
