/// A labelled approximation of token counts for model families without a public tokenizer
/// (Claude, Gemini, Grok, the Mistral and Llama models no bundled encoding covers, …). Never exact:
/// every place that shows it says "approximate".
///
/// Heuristic, per script class of each Unicode scalar (constants fitted to o200k_base on the fixture
/// corpora; docs/guide.md "Approximation" has the measured error):
///  - Latin words (ASCII letters and Latin-script letters): one token per word of up to 7 letters,
///    plus one per further 6 letters of the same word;
///  - digits: one token per run of up to 3;
///  - ASCII punctuation and symbols: one token per 1.6 scalars; spaces and tabs are free;
///  - newlines: one per line break run;
///  - CJK ideographs, kana: 0.75 tokens each; Hangul syllables: 0.9 each;
///  - other letters and marks (Cyrillic, Greek, Arabic, Hebrew, Indic, Thai, …): one per 2 scalars;
///  - anything else (emoji, symbols): one per scalar.
package enum ApproximateTokenCounter {
    /// The approximated family a model name belongs to, or nil for models we know nothing about.
    public static func family(ofModel model: String) -> String? {
        let m = model.lowercased()
        let families: [(String, [String])] = [
            ("claude", ["claude", "anthropic/", "anthropic."]),
            ("gemini", ["gemini", "google/", "gemma"]),
            ("llama", ["llama", "meta-llama/", "meta/"]),
            ("mistral", ["mistral", "mixtral", "codestral", "ministral", "magistral", "pixtral", "devstral"]),
            ("deepseek", ["deepseek"]),
            ("qwen", ["qwen"]),
            ("grok", ["grok", "x-ai/", "xai/"]),
            ("cohere", ["command", "cohere/"]),
        ]
        for (family, prefixes) in families where prefixes.contains(where: { m.hasPrefix($0) || m.contains("/" + $0) }) {
            return family
        }
        return nil
    }

    /// Where a family's tokenizer differs from the default heuristic.
    package struct Rules: Sendable, Equatable {
        /// Every digit is a token of its own, and a space before a number is one more.
        var splitsDigits: Bool
        /// Tokens per line-break run.
        var lineBreak: Double

        static let standard = Rules(splitsDigits: false, lineBreak: 1)
        /// Gemini's SentencePiece tokenizer (shared with Gemma) splits numbers into single digits, as the Gemma
        /// report documents; the line-break cost is what Gemini's bills show (docs/request-counting.md: 147
        /// public Gemini 2.x request/usage pairs, text-only ones within about 3 % with these two rules).
        static let gemini = Rules(splitsDigits: true, lineBreak: 2)
    }

    /// The approximate token count of `text`. Cost: one pass over its scalars, no allocation.
    public static func estimate(_ text: String) -> Int { estimate(text, rules: .standard) }

    /// The approximate token count of `text` under a family's `rules`.
    package static func estimate(_ text: String, rules: Rules) -> Int {
        var units = 0.0
        var wordLength = 0
        var digitRun = 0
        var punctuation = 0
        var inNewlines = false
        func endWord() {
            if wordLength > 0 { units += 1 + Double((max(wordLength - 7, 0) + 5) / 6) }
            wordLength = 0
        }
        var spaceBeforeDigits = false
        var previousWasSpace = false
        func endDigits() {
            units += rules.splitsDigits ? Double(digitRun + (spaceBeforeDigits ? 1 : 0)) : Double((digitRun + 2) / 3)
            digitRun = 0
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let isLatinLetter = (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0xC0 && v <= 0x24F && v != 0xD7 && v != 0xF7)
            if isLatinLetter { wordLength += 1 } else { endWord() }
            let isDigit = v >= 0x30 && v <= 0x39
            if isDigit {
                if digitRun == 0 { spaceBeforeDigits = previousWasSpace }
                digitRun += 1
            } else if digitRun > 0 {
                endDigits()
            }
            previousWasSpace = v == 0x20
            let isNewline = v == 0x0A || v == 0x0D
            if isNewline && !inNewlines { units += rules.lineBreak }
            inNewlines = isNewline
            if isLatinLetter || isDigit || isNewline || v == 0x20 || v == 0x09 { continue }
            if v < 0x80 {
                punctuation += 1
            } else if (v >= 0x3040 && v <= 0x30FF) || (v >= 0x3400 && v <= 0x9FFF) || (v >= 0xF900 && v <= 0xFAFF)
                        || (v >= 0x20000 && v <= 0x3FFFF) {
                units += 0.75
            } else if v >= 0xAC00 && v <= 0xD7AF {
                units += 0.9
            } else if (v >= 0x3000 && v <= 0x303F) || (v >= 0xFF00 && v <= 0xFFEF) {
                units += 1 // CJK punctuation, full-width forms
            } else if scalar.properties.isAlphabetic || scalar.properties.generalCategory == .nonspacingMark
                        || scalar.properties.generalCategory == .spacingMark {
                units += 0.5
            } else {
                units += 1
            }
        }
        endWord()
        if digitRun > 0 { endDigits() }
        units += Double(punctuation) / 1.6
        return Int(units.rounded())
    }
}
