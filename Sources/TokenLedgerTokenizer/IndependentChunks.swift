import Dispatch

/// Where a long text may be cut so that encoding the parts separately gives exactly the ids of
/// encoding it whole, and the parallel encode that uses those cuts.
///
/// Why a cut is exact: the split scanners (`PreTokenizer`) only look forward, so once the sequential
/// scan starts a piece at byte p the pieces from p on do not depend on anything before p. A cut at p
/// is therefore exact iff the sequential scan starts a piece at p, i.e. iff no piece contains both
/// byte p-1 and byte p. We cut only where byte p-1 is `\n` and the scalar at p is neither White_Space
/// nor `/`. A piece containing that `\n` is, in either pattern, one of:
/// - letters with an optional one-scalar prefix: the prefix class `[^\r\n\p{L}\p{N}]` excludes `\n`,
///   and the letters and contractions cannot contain it: impossible;
/// - `\p{N}{1,3}`: impossible;
/// - ` ?[^\s\p{L}\p{N}]+` followed by `[\r\n/]*` (o200k) or `[\r\n]*` (cl100k): the `\n` is in the
///   tail, which cannot take a scalar that is not `\r`, `\n` or `/`;
/// - `\s*[\r\n]+`, `\s++$`, `\s*[\r\n]`, `\s+(?!\S)`, `\s+`, `\s`: whitespace only.
/// None can continue into a non-space, non-`/` scalar, so the piece holding p-1 ends at p. Special
/// tokens (`<|…|>`) contain no `\n`, so with `allowSpecial` none straddles a cut either.
///
/// Cost: finding cuts looks at a few bytes per cut (a scan to the next newline); the parallel encode
/// adds one thread hop per chunk and, for ids, one concatenation.
enum IndependentChunks {
    /// Texts shorter than this are encoded on one thread when the caller does not say.
    static let parallelThreshold = 1 << 20
    /// No chunk is cut shorter than this (thread start-up and cache warm-up cost more).
    static let minimumChunk = 128 << 10

    /// Byte offsets `0 = c0 < c1 < … < ck = n` at which `text[0..<n]` may be encoded in independent
    /// parts, aiming at `parts` parts of similar size. Fewer cuts when the text has no exact place
    /// near a target (one long line).
    static func cuts(_ text: UnsafePointer<UInt8>, _ n: Int, parts: Int, classes: UnicodeClasses,
                     minimumChunk: Int = IndependentChunks.minimumChunk) -> [Int] {
        var cuts = [0]
        guard parts > 1, n >= 2 * minimumChunk else { return [0, n] }
        let step = max(n / parts, minimumChunk)
        let scanner = PreTokenizer(pattern: .o200k, text: text, count: n, classes: classes)
        var target = step
        while target < n - minimumChunk {
            var p = max(target, cuts.last! + 1)
            var found = -1
            while p < n {
                if text[p - 1] == 0x0A && startsPieceAfterNewline(scanner, at: p) {
                    found = p
                    break
                }
                p += 1
            }
            guard found > 0, found < n - minimumChunk / 4 else { break }
            cuts.append(found)
            target = found + step
        }
        cuts.append(n)
        return cuts
    }

    /// True when the scalar at `p` (right after a `\n`) is neither White_Space nor `/`.
    @inline(__always)
    static func startsPieceAfterNewline(_ scanner: PreTokenizer, at p: Int) -> Bool {
        let b = scanner.text[p]
        if b < 0x80 { return b > 0x20 && b != 0x2F } // controls below 0x21: refused, never wrong
        return scanner.scalar(at: p).flags & PreTokenizer.S == 0
    }

    /// Runs `body` on each chunk `cuts[i]..<cuts[i+1]` on up to `threads` threads; results in chunk order.
    static func map<T>(_ cuts: [Int], threads: Int, _ body: (Int, Int) -> T) -> [T] {
        let chunks = cuts.count - 1
        if chunks <= 1 || threads <= 1 { return (0..<chunks).map { body(cuts[$0], cuts[$0 + 1]) } }
        let results = UnsafeMutablePointer<T?>.allocate(capacity: chunks)
        results.initialize(repeating: nil, count: chunks)
        defer {
            results.deinitialize(count: chunks)
            results.deallocate()
        }
        withoutActuallyEscaping(body) { body in
            // Each iteration writes only its own slot, and concurrentPerform returns after all of them.
            let shared = Unchecked((body: body, results: results))
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                shared.value.results[i] = shared.value.body(cuts[i], cuts[i + 1])
            }
        }
        return (0..<chunks).map { results[$0]! }
    }
}

/// A value handed to `concurrentPerform`'s workers, which touch disjoint parts of it.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
