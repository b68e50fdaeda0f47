import Testing
@testable import TokenLedgerTokenizer

@Suite("Split rules: the pieces each encoding's pattern cuts, worked out by hand from the regexes")
struct PreTokenizerTests {
    func o200k(_ text: String) throws -> [String] { try TokenEncoding.named(.o200kBase).pieces(text) }
    func cl100k(_ text: String) throws -> [String] { try TokenEncoding.named(.cl100kBase).pieces(text) }

    @Test("a space joins the following word; digits go in threes; spaces before a word leave one for it")
    func basics() throws {
        #expect(try o200k("hello world") == ["hello", " world"])
        #expect(try cl100k("12345 678") == ["123", "45", " ", "678"])
        #expect(try o200k("x   y") == ["x", "  ", " y"])
    }

    @Test("contractions: separate in cl100k, a suffix of the word in o200k, any case, and ſ counts as s")
    func contractions() throws {
        #expect(try cl100k("I'm here") == ["I", "'m", " here"])
        #expect(try o200k("I'm here") == ["I'm", " here"])
        #expect(try cl100k("THEY'LL") == ["THEY", "'LL"])
        #expect(try o200k("it'ſ") == ["it'ſ"])
        #expect(try o200k("don’t") == ["don", "’t"]) // a curly apostrophe is punctuation
    }

    @Test("o200k splits by letter case: upper* lower+ first, then upper+ lower*")
    func letterCase() throws {
        #expect(try o200k("HELLOworld") == ["HELLOworld"])
        #expect(try o200k("helloWORLD") == ["hello", "WORLD"])
        #expect(try cl100k("helloWORLD") == ["helloWORLD"])
        #expect(try o200k("CamelCase") == ["Camel", "Case"])
    }

    @Test("trailing whitespace: cl100k keeps a final run whole, o200k ends it at the last newline")
    func trailingWhitespace() throws {
        #expect(try cl100k("a\n  ") == ["a", "\n  "])
        #expect(try o200k("a\n  ") == ["a", "\n", "  "])
        #expect(try o200k("a\r\n\r\nb") == ["a", "\r\n\r\n", "b"])
    }

    @Test("punctuation takes trailing newlines, and in o200k slashes too")
    func punctuation() throws {
        #expect(try o200k("!!\n/x") == ["!!\n/", "x"])
        #expect(try cl100k("!!\n/x") == ["!!\n", "/x"])
        #expect(try o200k("path/to/file\n") == ["path", "/to", "/file", "\n"])
    }

    @Test("scalars, not graphemes: a combining mark and a ZWJ emoji sequence split by scalar class")
    func scalars() throws {
        #expect(try o200k("e\u{301}!") == ["e\u{301}", "!"])
        #expect(try cl100k("e\u{301}t") == ["e", "\u{301}t"])
        #expect(try o200k("👍🏽 ok") == ["👍🏽", " ok"])
    }

    /// Letter runs of every length around the 8-byte steps, between every kind of neighbour the fast
    /// path must hand back (non-ASCII letters, marks, digits, ſ) or decide itself.
    static func boundaryTexts() -> [String] {
        let letters = "HelloWorldABCdefGHIjklMNOpqrSTUvwxYZ"
        var texts: [String] = []
        for head in ["", " ", "(", "\t", "\n", "'", "é", "1"] {
            for n in 0...20 {
                for tail in ["", "é", "É", "'s", "'S", "'ll", "'ſ", "1", "12345", "٣", "²", " ", "  x", "\n", "\r\n", ".", "./\n", "\u{301}", "中", "\u{A0}"] {
                    texts.append(head + letters.prefix(n) + tail)
                }
            }
        }
        return texts
    }

    @Test("the ASCII fast path ends every match where the general scanner does, at every scalar of every golden case",
          arguments: EncodingName.available.filter { $0.pattern != .deepseek }) // DeepSeek's scanner has no fast path
    func asciiFastPathAgrees(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        var checked = 0
        var wrong: [String] = []
        for text in try TokenEncodingTests.goldenCases().map(\.text) + Self.boundaryTexts() {
            var text = text
            text.withUTF8 { utf8 in
                guard let base = utf8.baseAddress else { return }
                let scanner = PreTokenizer(pattern: name.pattern, text: base, count: utf8.count, classes: encoding.classes)
                for i in 0..<utf8.count where utf8[i] & 0xC0 != 0x80 {
                    guard let fast = scanner.asciiEnd(at: i) else { continue }
                    checked += 1
                    let general = scanner.generalEnd(at: i)
                    if fast != general && wrong.count < 10 {
                        wrong.append("\(String(decoding: UnsafeBufferPointer(rebasing: utf8[i...].prefix(24)), as: UTF8.self).debugDescription): fast \(fast - i), general \(general - i)")
                    }
                }
            }
        }
        #expect(checked > 100_000)
        #expect(wrong.isEmpty, "\(wrong)")
    }
}
