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

/// tiktoken's `byte_pair_merge`: repeatedly merge the adjacent pair whose bytes have the lowest rank
/// (leftmost on ties) until no adjacent pair is a token.
///
/// Two paths with identical results: for pieces up to `shortPiece` bytes a flat array scan,
/// O(n·m) for m merges (like tiktoken); for longer pieces a linked list plus a min-heap keyed by
/// (rank, start), O(n log n) — so 1 MB of one letter or of spaces stays linear-ish. Ranks of pairs
/// longer than the longest token are never looked up.
enum BytePairMerge {
    static let shortPiece = 64

    @inline(__always)
    static func encode<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary, into sink: inout Sink) {
        let whole = vocab.rank(piece, n)
        if whole != CompactVocabulary.absent {
            sink.append(whole)
            return
        }
        if n <= shortPiece {
            shortMerge(piece, n, vocab, into: &sink)
        } else {
            longMerge(piece, n, vocab, into: &sink)
        }
    }

    static func shortMerge<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary, into sink: inout Sink) {
        let absent = CompactVocabulary.absent
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: n + 1) { starts in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * (n + 1)) { buffer in
                let pairRank = buffer.baseAddress!        // rank of part k merged with part k+1
                let tokenRank = buffer.baseAddress! + (n + 1) // rank of part k itself
                for k in 0..<n {
                    starts[k] = Int32(k)
                    tokenRank[k] = vocab.byteRanks[Int(piece[k])]
                    pairRank[k] = k + 1 < n ? vocab.pairRanks[Int(piece[k]) << 8 | Int(piece[k + 1])] : absent
                }
                starts[n] = Int32(n)
                var parts = n // parts 0..<parts, starts[parts] == n
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
                        return vocab.rank(piece + s, Int(starts[k + 2]) - s)
                    }
                    if at > 0 { pairRank[at - 1] = rankOfPair(at - 1) }
                    pairRank[at] = rankOfPair(at)
                }
                for k in 0..<parts { sink.append(tokenRank[k]) }
            }
        }
    }

    static func longMerge<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, _ n: Int, _ vocab: CompactVocabulary, into sink: inout Sink) {
        let absent = CompactVocabulary.absent
        // Parts are named by their start byte; next[s] is the following part's start (n at the end).
        var next = [Int32](repeating: 0, count: n)
        var prev = [Int32](repeating: -1, count: n)
        var pairRank = [UInt32](repeating: absent, count: n)
        var tokenRank = [UInt32](repeating: absent, count: n)
        var heap = MinHeap()
        heap.reserve(n)
        for k in 0..<n {
            next[k] = Int32(k + 1)
            prev[k] = Int32(k - 1)
            tokenRank[k] = vocab.byteRanks[Int(piece[k])]
            if k + 1 < n {
                let r = vocab.pairRanks[Int(piece[k]) << 8 | Int(piece[k + 1])]
                pairRank[k] = r
                if r != absent { heap.push(UInt64(r) << 32 | UInt64(k)) }
            }
        }
        func rankOfPair(_ s: Int) -> UInt32 {
            let a = Int(next[s])
            guard a < n else { return absent }
            let b = Int(next[a])
            return vocab.rank(piece + s, b - s)
        }
        while let top = heap.pop() {
            let r = UInt32(top >> 32)
            let s = Int(top & 0xFFFF_FFFF)
            // Stale entries: the part was merged away (prev of a dead part is set to -2) or re-ranked.
            guard prev[s] != -2, pairRank[s] == r else { continue }
            let dead = Int(next[s])
            tokenRank[s] = r
            next[s] = next[dead]
            prev[dead] = -2
            if Int(next[s]) < n { prev[Int(next[s])] = Int32(s) }
            pairRank[s] = rankOfPair(s)
            if pairRank[s] != absent { heap.push(UInt64(pairRank[s]) << 32 | UInt64(s)) }
            let p = Int(prev[s])
            if p >= 0 {
                pairRank[p] = rankOfPair(p)
                if pairRank[p] != absent { heap.push(UInt64(pairRank[p]) << 32 | UInt64(p)) }
            }
        }
        var s = 0
        while s < n {
            sink.append(tokenRank[s])
            s = Int(next[s])
        }
    }
}

/// A binary min-heap of `UInt64` keys (rank in the high half, start in the low half).
struct MinHeap {
    private var items: [UInt64] = []

    mutating func reserve(_ n: Int) { items.reserveCapacity(n) }

    mutating func push(_ x: UInt64) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= x { break }
            items[i] = items[parent]
            i = parent
        }
        items[i] = x
    }

    mutating func pop() -> UInt64? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        let count = items.count
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= count { break }
            var c = l
            if l + 1 < count && items[l + 1] < items[l] { c = l + 1 }
            if items[c] >= last { break }
            items[i] = items[c]
            i = c
        }
        items[i] = last
        return top
    }
}
