import Foundation
import Testing
@testable import TokenLedgerTokenizer

@Suite("Cutting a text for parallel encoding never changes its ids")
struct IndependentChunksTests {
    /// The fixture corpora and every golden case, one after another on separate lines: prose, code,
    /// Markdown, CJK, 20 scripts, whitespace of every kind, CRLF and newline runs, `/` after newlines.
    static let text: String = {
        var parts: [String] = []
        for name in ["prose.txt", "code.txt", "markdown.md", "cjk.txt", "scripts.txt"] {
            parts.append((try? String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/corpora/\(name)"), encoding: .utf8)) ?? "")
        }
        let cases = (try? String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/cases.jsonl"), encoding: .utf8)) ?? ""
        for line in cases.split(separator: "\n") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               let text = object["text"] as? String, text.utf8.count < 30_000 {
                parts.append(text)
            }
        }
        return parts.joined(separator: "\n")
    }()

    /// Cuts of the text as the encoding scans it (after Qwen's NFC, as `encode` cuts it).
    static func cuts(_ text: String, _ encoding: TokenEncoding, parts: Int) -> [Int] {
        var text = encoding.normalized(text)
        return text.withUTF8 { IndependentChunks.cuts($0.baseAddress!, $0.count, parts: parts, classes: encoding.classes, minimumChunk: 1) }
    }

    /// Byte offsets where the sequential scan starts a piece.
    static func pieceStarts(_ text: String, _ encoding: TokenEncoding) -> Set<Int> {
        var starts = Set<Int>()
        var offset = 0
        for piece in encoding.pieces(text) {
            starts.insert(offset)
            offset += piece.utf8.count
        }
        return starts
    }

    static func chunkwise(_ text: String, _ encoding: TokenEncoding, _ cuts: [Int], allowSpecial: Bool = false) -> [Int] {
        let bytes = Array(text.utf8)
        var ids: [Int] = []
        for i in 0..<(cuts.count - 1) {
            ids += encoding.encode(String(decoding: bytes[cuts[i]..<cuts[i + 1]], as: UTF8.self), allowSpecial: allowSpecial, threads: 1)
        }
        return ids
    }

    @Test("the fixtures hold enough text to cut", arguments: EncodingName.available)
    func fixturesAreLoaded(_ name: EncodingName) throws {
        #expect(Self.text.utf8.count > 100_000)
        #expect(Self.cuts(Self.text, try TokenEncoding.named(name), parts: 4000).count > 500)
    }

    @Test("every cut the splitter may choose is where the sequential scan starts a piece", arguments: EncodingName.available)
    func cutsArePieceStarts(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        let text = encoding.normalized(Self.text)
        let starts = Self.pieceStarts(text, encoding)
        // As many parts as there are bytes: every allowed position after a newline becomes a cut.
        let cuts = Self.cuts(text, encoding, parts: text.utf8.count)
        let wrong = cuts.filter { !starts.contains($0) && $0 != text.utf8.count }
        #expect(wrong.isEmpty, "cuts inside a piece at byte offsets \(wrong.prefix(10))")
    }

    @Test("ids encoded chunk by chunk equal the ids of the whole text, with and without special tokens",
          arguments: EncodingName.available)
    func chunkwiseEqualsWhole(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        let text = encoding.normalized(Self.text + "\n<|endoftext|>\n" + Self.text.prefix(5000))
        let whole = encoding.encode(text, threads: 1)
        for parts in [2, 7, 64, 1000] {
            let cuts = Self.cuts(text, encoding, parts: parts)
            #expect(cuts.count > min(parts, 50) / 2, "only \(cuts.count - 1) chunks for \(parts) parts")
            #expect(Self.chunkwise(text, encoding, cuts) == whole)
        }
        let cuts = Self.cuts(text, encoding, parts: 1000)
        #expect(Self.chunkwise(text, encoding, cuts, allowSpecial: true) == encoding.encode(text, allowSpecial: true, threads: 1))
    }

    @Test("the parallel encode and count equal the single-threaded ones", arguments: EncodingName.available)
    func parallelEqualsSequential(_ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        // Over the 1 MiB threshold, so the default splits it.
        var big = ""
        while big.utf8.count < IndependentChunks.parallelThreshold + 1000 { big += Self.text + "\n" }
        let single = encoding.encode(big, threads: 1)
        #expect(encoding.encode(big) == single)
        #expect(encoding.encode(big, threads: 3) == single)
        #expect(encoding.count(big) == single.count)
        #expect(encoding.count(big, allowSpecial: true, threads: 2) == encoding.count(big, allowSpecial: true, threads: 1))
    }

    @Test("--jsonl over 1 MiB, counted in parallel batches, gives each line's own count, bad lines in place")
    func parallelJSONLines() throws {
        let counter = try TextTokenCounter(encoding: "o200k_base")
        let texts = Self.text.split(separator: "\n").map(String.init)
        var lines: [String] = []
        var bytes = 0
        var k = 0
        while bytes < IndependentChunks.parallelThreshold + 1000 {
            let text = texts[k % texts.count]
            let line = k % 997 == 5 ? "not json" : String(decoding: try JSONSerialization.data(withJSONObject: ["text": text]), as: UTF8.self)
            lines.append(line)
            bytes += line.utf8.count + 1
            k += 1
        }
        let results = counter.countJSONLines(lines.joined(separator: "\n"), source: "big.jsonl", field: "text", ids: true)
        #expect(results.count == lines.count)
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let count):
                #expect(count == counter.count(texts[i % texts.count], ids: true), "line \(i + 1)")
            case .failure(let error):
                #expect(i % 997 == 5 && error.message.hasPrefix("big.jsonl:\(i + 1): not valid JSON"), "\(error.message)")
            }
        }
    }

    /// The positions the splitter refuses are not a formality: cutting there changes the ids.
    @Test("a cut before whitespace or / after a newline would change the ids; the splitter never makes one",
          arguments: [
            ("x;\n/y", EncodingName.o200kBase),   // o200k: ";\n/" is one piece
            ("a\n\n\nb", EncodingName.o200kBase), // "\n\n\n" is one piece and one token
            ("a\n\nb", EncodingName.cl100kBase),   // "\n\n" likewise
          ])
    func refusedCuts(_ text: String, _ name: EncodingName) throws {
        let encoding = try TokenEncoding.named(name)
        let newline = Array(text.utf8).firstIndex(of: 0x0A)! + 1
        #expect(Self.chunkwise(text, encoding, [0, newline, text.utf8.count]) != encoding.encode(text, threads: 1))
        #expect(!Self.cuts(text, encoding, parts: text.utf8.count).contains(newline))
    }
}
