import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

/// `ByteSearch` (what format detection and the Claude Code line filter search with) must find exactly
/// the first occurrence a byte-by-byte search finds, wherever the needle sits and whatever surrounds it.
@Suite("byte search")
struct ByteSearchTests {
    /// The first offset at or after `from` where `needle` occurs, one position at a time.
    static func naive(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, from >= 0, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        for at in from...(haystack.count - needle.count) where haystack[at..<(at + needle.count)].elementsEqual(needle) {
            return at
        }
        return nil
    }

    static func search(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        haystack.withUnsafeBytes { h in needle.withUnsafeBytes { ByteSearch.offset(of: $0, in: h, from: from) } }
    }

    @Test("random haystacks over a small alphabet: the same first hit as a byte-by-byte search")
    func randomAgreesWithNaive() {
        var rng = SplitMix64(seed: 24)
        let alphabet = Array("\"ab:s{}\\".utf8)
        for _ in 0..<4000 {
            let haystack = (0..<Int(rng.next() % 90)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let needle = (0..<(1 + Int(rng.next() % 7))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let from = Int(rng.next() % 10)
            #expect(Self.search(needle, in: haystack, from: from) == Self.naive(needle, in: haystack, from: from),
                    "\(String(decoding: needle, as: UTF8.self)) in \(String(decoding: haystack, as: UTF8.self)) from \(from)")
        }
    }

    @Test("a needle at the very start, at the very end, cut by the end, and repeated with itself")
    func edges() {
        let needle = Array("\"sessionId\"".utf8)
        let hay = Array(#""sessionId":"a","x":"session","sessionId""#.utf8)
        #expect(Self.search(needle, in: hay, from: 0) == 0)
        #expect(Self.search(needle, in: hay, from: 1) == hay.count - needle.count)
        #expect(Self.search(needle, in: Array(hay.dropLast()), from: 1) == nil)
        #expect(Self.search(Array("aab".utf8), in: Array("aaaab".utf8), from: 0) == 2)
        #expect(Self.search(Array("abab".utf8), in: Array("abaabab".utf8), from: 0) == 3)
        #expect(Self.search(needle, in: [], from: 0) == nil)
        #expect(Self.search(needle, in: needle, from: 0) == 0)
    }

    @Test("a search made once for a needle finds what the one-off search finds")
    func preparedSearch() {
        let search = ByteSearch("\"assistant\"")
        let line = Array(#"{"type":"user","content":"an \"assistant\" word","role":"assistant"}"#.utf8)
        let once = line.withUnsafeBytes { search.offset(in: $0) }
        #expect(once == Self.naive(Array("\"assistant\"".utf8), in: line, from: 0))
        #expect(once == line.count - 12)
        #expect(line.withUnsafeBytes { search.offset(in: UnsafeRawBufferPointer(rebasing: $0[0..<(line.count - 2)])) } == nil)
    }
}

@Suite("detection's path and branch helpers")
struct DetectionHelperTests {
    @Test("a path's file name is NSString's lastPathComponent")
    func fileNameIsNSStringsLastComponent() {
        let paths = ["/home/dev/.claude/projects/-home-dev-src-shop/6f1d.jsonl", "/a/b/", "/", "", "wire.jsonl", "a//b", "//x",
                     "/tmp/dir.d/sessions.db", "relative/file.csv", "/trailing//", "/ünï/cödé.json", "x/"]
        for path in paths {
            #expect(LogSupport.fileName(of: path) == (path as NSString).lastPathComponent, "\(path)")
        }
    }

    @Test("a branch is trimmed of blanks; empty and a detached HEAD are none")
    func branchNames() {
        #expect(RepositoryName.branch("main") == "main")
        #expect(RepositoryName.branch("feature/x-1") == "feature/x-1")
        #expect(RepositoryName.branch(" main\t") == "main")
        #expect(RepositoryName.branch("\u{00A0}dev\u{2003}") == "dev")
        #expect(RepositoryName.branch("fix/ü") == "fix/ü")
        #expect(RepositoryName.branch("HEAD") == nil)
        #expect(RepositoryName.branch(" HEAD ") == nil)
        #expect(RepositoryName.branch("   ") == nil)
        #expect(RepositoryName.branch("") == nil)
        #expect(RepositoryName.branch(nil) == nil)
    }
}
