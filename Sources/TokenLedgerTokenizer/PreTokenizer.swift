/// tiktoken's split patterns, hand-written as scanners over the UTF-8 bytes of valid text.
///
/// `cl100kEnd(at:)` / `o200kEnd(at:)` return where the regex match starting at `i` ends, reproducing the regex's
/// leftmost-first alternation and its backtracking exactly (Unicode scalars, never graphemes). Cost:
/// O(length of the piece) per call, so a whole text is O(n); no allocation.
///
/// cl100k_base:
///     '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
/// o200k_base:
///     [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// (tiktoken 0.14, `tiktoken_ext/openai_public.py`.) `(?i)` in the regex crate folds `s` with `ſ` (U+017F).
struct PreTokenizer {
    enum Pattern { case cl100k, o200k }

    let pattern: Pattern
    let text: UnsafePointer<UInt8>
    let count: Int
    let classes: UnicodeClasses
    let ascii: UnsafePointer<UInt8>

    static let L = UnicodeClasses.letter
    static let N = UnicodeClasses.number
    static let S = UnicodeClasses.space
    static let U = UnicodeClasses.upper
    static let W = UnicodeClasses.lower

    init(pattern: Pattern, text: UnsafePointer<UInt8>, count: Int, classes: UnicodeClasses) {
        self.pattern = pattern
        self.text = text
        self.count = count
        self.classes = classes
        ascii = classes.blocks + Int(classes.index[0]) << 8
    }

    /// The class flags and UTF-8 length of the scalar starting at byte `i` (< count).
    @inline(__always)
    func scalar(at i: Int) -> (flags: UInt8, length: Int) {
        let b0 = text[i]
        if b0 < 0x80 { return (ascii[Int(b0)], 1) }
        if b0 < 0xE0 {
            let v = UInt32(b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F)
            return (classes.flags(v), 2)
        }
        if b0 < 0xF0 {
            let v = UInt32(b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F)
            return (classes.flags(v), 3)
        }
        let v = UInt32(b0 & 0x07) << 18 | UInt32(text[i + 1] & 0x3F) << 12 | UInt32(text[i + 2] & 0x3F) << 6
            | UInt32(text[i + 3] & 0x3F)
        return (classes.flags(v), 4)
    }

    @inline(__always)
    func isNewline(_ i: Int) -> Bool { text[i] == 0x0A || text[i] == 0x0D }

    /// End of the run of scalars having any of `flags`, starting at `i`.
    @inline(__always)
    func runEnd(from i: Int, matching flags: UInt8) -> Int {
        var j = i
        while j < count {
            let s = scalar(at: j)
            if s.flags & flags == 0 { break }
            j += s.length
        }
        return j
    }

    /// End of the run of `[^\s\p{L}\p{N}]` scalars starting at `i`.
    @inline(__always)
    func punctuationEnd(from i: Int) -> Int {
        var j = i
        while j < count {
            let s = scalar(at: j)
            if s.flags & (PreTokenizer.S | PreTokenizer.L | PreTokenizer.N) != 0 { break }
            j += s.length
        }
        return j
    }

    /// Length of a case-insensitive `s` (s, S, ſ) at `i`, else 0.
    @inline(__always)
    func letterS(at i: Int) -> Int {
        guard i < count else { return 0 }
        let b = text[i]
        if b == 0x73 || b == 0x53 { return 1 }
        if b == 0xC5 && i + 1 < count && text[i + 1] == 0xBF { return 2 }
        return 0
    }

    @inline(__always)
    func isLetter(_ i: Int, _ lower: UInt8) -> Bool {
        i < count && (text[i] | 0x20) == lower
    }

    /// Length of `(?i:'s|'t|'re|'ve|'m|'ll|'d)` (o200k) or `'(?i:[sdmt]|ll|ve|re)` (cl100k) at `i`, else 0.
    /// Both accept the same strings.
    @inline(__always)
    func contraction(at i: Int) -> Int {
        guard i + 1 < count, text[i] == 0x27 else { return 0 }
        let s = letterS(at: i + 1)
        if s > 0 { return 1 + s }
        let c = text[i + 1] | 0x20
        if c == 0x74 || c == 0x6D || c == 0x64 { // t m d
            return (text[i + 1] >= 0x41 && text[i + 1] <= 0x7A) ? 2 : 0
        }
        if (c == 0x72 || c == 0x76) && isLetter(i + 1, c) && isLetter(i + 2, 0x65) { return 3 } // re ve
        if c == 0x6C && isLetter(i + 1, 0x6C) && isLetter(i + 2, 0x6C) { return 3 } // ll
        return 0
    }

    // MARK: cl100k_base

    @inline(__always)
    func cl100kEnd(at i: Int) -> Int {
        asciiEnd(at: i, o200k: false) ?? cl100kGeneralEnd(at: i)
    }

    /// `cl100kEnd` for any scalars (the regex, alternative by alternative).
    func cl100kGeneralEnd(at i: Int) -> Int {
        let L = PreTokenizer.L, N = PreTokenizer.N, S = PreTokenizer.S
        let c = scalar(at: i)
        // '(?i:[sdmt]|ll|ve|re)
        if text[i] == 0x27 {
            let k = contraction(at: i)
            if k > 0 { return i + k }
        }
        // [^\r\n\p{L}\p{N}]?+\p{L}++
        if c.flags & L != 0 { return runEnd(from: i + c.length, matching: L) }
        if c.flags & N == 0 && !isNewline(i) {
            let j = i + c.length
            if j < count {
                let d = scalar(at: j)
                if d.flags & L != 0 { return runEnd(from: j + d.length, matching: L) }
            }
        }
        // \p{N}{1,3}+
        if c.flags & N != 0 { return digitsEnd(from: i) }
        // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
        if text[i] == 0x20 && i + 1 < count && scalar(at: i + 1).flags & (S | L | N) == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + 1), slash: false)
        }
        if c.flags & (S | L | N) == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + c.length), slash: false)
        }
        // Whitespace: \s++$ | \s*[\r\n] | \s+(?!\S) | \s
        return cl100kWhitespaceEnd(from: i, length: c.length)
    }

    /// `\s++$|\s*[\r\n]|\s+(?!\S)|\s` at a whitespace scalar `i` of `length` bytes.
    @inline(__always)
    func cl100kWhitespaceEnd(from i: Int, length: Int) -> Int {
        let run = whitespaceRun(from: i)
        if run.end == count { return count }
        if run.afterLastNewline > 0 { return run.afterLastNewline }
        if run.lastStart > i { return run.lastStart }
        return i + length
    }

    // MARK: o200k_base

    @inline(__always)
    func o200kEnd(at i: Int) -> Int {
        asciiEnd(at: i, o200k: true) ?? o200kGeneralEnd(at: i)
    }

    /// `o200kEnd` for any scalars (the regex, alternative by alternative).
    func o200kGeneralEnd(at i: Int) -> Int {
        let L = PreTokenizer.L, N = PreTokenizer.N, S = PreTokenizer.S
        let c = scalar(at: i)
        let prefixable = c.flags & (L | N) == 0 && !isNewline(i)
        // Alternative 1: prefix, then upper*, lower+ — first with the prefix, then without it.
        if prefixable, let e = upperLowerEnd(from: i + c.length) { return e + contraction(at: e) }
        if let e = upperLowerEnd(from: i) { return e + contraction(at: e) }
        // Alternative 2: prefix, then upper+, lower*.
        if prefixable, let e = upperRunEnd(from: i + c.length) { return e + contraction(at: e) }
        if let e = upperRunEnd(from: i) { return e + contraction(at: e) }
        // \p{N}{1,3}
        if c.flags & N != 0 { return digitsEnd(from: i) }
        // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        if text[i] == 0x20 && i + 1 < count && scalar(at: i + 1).flags & (S | L | N) == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + 1), slash: true)
        }
        if c.flags & (S | L | N) == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + c.length), slash: true)
        }
        // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
        return o200kWhitespaceEnd(from: i)
    }

    /// The match at `i` for the usual all-ASCII pieces (English and code), or nil when a scalar that
    /// decides it is not ASCII, or a cl100k piece starts with `'` (the general path then decides from
    /// scratch). The same alternatives in the same order, specialised to ASCII: `\p{L}` is
    /// `[A-Za-z]`, `\p{N}` is `[0-9]`, Lu and Ll are disjoint, so o200k's two letter alternatives are
    /// `prefix? [A-Z]* [a-z]*` with at least one letter (nothing to backtrack into); the scalar after
    /// the optional prefix being ASCII and not a letter rules out the letter alternatives. Cost: about
    /// one compare per byte and one table load per piece.
    @inline(__always)
    func asciiEnd(at i: Int, o200k: Bool) -> Int? {
        let L = PreTokenizer.L, N = PreTokenizer.N, S = PreTokenizer.S
        let b = text[i]
        guard b < 0x80, o200k || b != 0x27 else { return nil }
        let flags = ascii[Int(b)]
        var j = i
        if flags & (L | N) == 0 && b != 0x0A && b != 0x0D { j += 1 } // the one-scalar prefix
        let letters = j
        if o200k {
            j = asciiRunEnd(from: asciiRunEnd(from: j, 0x41, 0x5A, fold: false), 0x61, 0x7A, fold: false)
        } else {
            j = asciiRunEnd(from: j, 0x61, 0x7A, fold: true)
        }
        if j < count && text[j] >= 0x80 { return nil } // a non-ASCII letter or mark may continue
        if j > letters { return o200k ? j + contraction(at: j) : j }
        // No letters after the prefix: digits, punctuation or whitespace.
        if flags & N != 0 {
            var k = i + 1
            while k < i + 3 && k < count && text[k] &- 0x30 < 10 { k += 1 }
            if k < i + 3 && k < count && text[k] >= 0x80 { return nil } // a non-ASCII digit may follow
            return k
        }
        // ' ?[^\s\p{L}\p{N}]+' then '[\r\n/]*' (o200k) or '[\r\n]*' (cl100k)
        var k = i
        if b == 0x20 && j < count && ascii[Int(text[j])] & (S | L | N) == 0 { k = j }
        if k > i || flags & (S | L | N) == 0 {
            k += 1
            while k < count {
                let c = text[k]
                if c >= 0x80 { return nil }
                if ascii[Int(c)] & (S | L | N) != 0 { break }
                k += 1
            }
            return newlinesEnd(from: k, slash: o200k)
        }
        return o200k ? o200kWhitespaceEnd(from: i) : cl100kWhitespaceEnd(from: i, length: 1)
    }

    /// The end of the run of bytes in `lo...hi` (with `fold`, ASCII letters of either case folded to
    /// lower case first) starting at `j`. Eight bytes per step (a word test, then one
    /// trailing-zero count), so a word costs no branch per letter.
    @inline(__always)
    func asciiRunEnd(from start: Int, _ lo: UInt8, _ hi: UInt8, fold: Bool) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones << 7
        var j = start
        while j + 8 <= count {
            let x = UInt64(littleEndian: UnsafeRawPointer(text + j).loadUnaligned(as: UInt64.self))
            var y = x & ~high // no carries between bytes below; non-ASCII bytes are cleared by ~x
            if fold { y |= ones << 5 }
            let inRange = (y &+ ones &* UInt64(0x80 - lo)) & ~(y &+ ones &* UInt64(0x7F - hi)) & ~x & high
            let outside = ~inRange & high
            if outside != 0 { return j + outside.trailingZeroBitCount >> 3 }
            j += 8
        }
        while j < count && (fold ? text[j] | 0x20 : text[j]) &- lo <= hi - lo { j += 1 }
        return j
    }

    /// `\s*[\r\n]+|\s+(?!\S)|\s+` at a whitespace scalar `i`.
    @inline(__always)
    func o200kWhitespaceEnd(from i: Int) -> Int {
        let run = whitespaceRun(from: i)
        if run.afterLastNewline > 0 { return run.afterLastNewline }
        if run.end == count { return count }
        if run.lastStart > i { return run.lastStart }
        return run.end
    }

    /// `[U]*[W]+` from `k` with the regex's backtracking, or nil if it cannot match.
    @inline(__always)
    func upperLowerEnd(from k: Int) -> Int? {
        let U = PreTokenizer.U, W = PreTokenizer.W
        var j = k
        var lastLowerEnd = -1
        while j < count {
            let s = scalar(at: j)
            if s.flags & U == 0 {
                // The greedy upper run stops here; a lower-only scalar (Ll) starts the lower run.
                if s.flags & W != 0 { return runEnd(from: j + s.length, matching: W) }
                break
            }
            j += s.length
            if s.flags & W != 0 { lastLowerEnd = j }
        }
        // Backtrack: the last scalar of the upper run that is also lower ends a one-scalar lower run.
        return lastLowerEnd >= 0 ? lastLowerEnd : nil
    }

    /// `[U]+[W]*` from `k`, or nil.
    @inline(__always)
    func upperRunEnd(from k: Int) -> Int? {
        guard k < count else { return nil }
        let first = scalar(at: k)
        guard first.flags & PreTokenizer.U != 0 else { return nil }
        let upperEnd = runEnd(from: k + first.length, matching: PreTokenizer.U)
        return runEnd(from: upperEnd, matching: PreTokenizer.W)
    }

    // MARK: Shared pieces

    @inline(__always)
    func digitsEnd(from i: Int) -> Int {
        var j = i
        for _ in 0..<3 {
            guard j < count else { break }
            let s = scalar(at: j)
            if s.flags & PreTokenizer.N == 0 { break }
            j += s.length
        }
        return j
    }

    /// `[\r\n]*` (cl100k) or `[\r\n/]*` (o200k) from `i`.
    @inline(__always)
    func newlinesEnd(from i: Int, slash: Bool) -> Int {
        var j = i
        while j < count {
            let b = text[j]
            if b == 0x0A || b == 0x0D || (slash && b == 0x2F) { j += 1 } else { break }
        }
        return j
    }

    /// The whitespace run from `i`: its end, the end of its last `\r`/`\n` (0 if none), and where its
    /// last scalar starts.
    @inline(__always)
    func whitespaceRun(from i: Int) -> (end: Int, afterLastNewline: Int, lastStart: Int) {
        var j = i
        var afterNewline = 0
        var lastStart = i
        while j < count {
            let b = text[j]
            if b == 0x20 {
                // Indentation: runs of spaces, eight bytes per step.
                j = asciiRunEnd(from: j + 1, 0x20, 0x20, fold: false)
                lastStart = j - 1
                continue
            }
            if b == 0x09 {
                lastStart = j
                j += 1
                continue
            }
            if b == 0x0A || b == 0x0D {
                lastStart = j
                j += 1
                afterNewline = j
                continue
            }
            let s = scalar(at: j)
            if s.flags & PreTokenizer.S == 0 { break }
            lastStart = j
            j += s.length
        }
        return (j, afterNewline, lastStart)
    }
}
