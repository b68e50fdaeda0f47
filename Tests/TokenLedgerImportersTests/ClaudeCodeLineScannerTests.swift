import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

@Suite("Claude Code line scanner")
struct ClaudeCodeLineScannerTests {
    /// The line scanned, with its string members made into strings from the line's bytes.
    struct Scanned {
        var line: ClaudeCodeLine
        var bytes: [UInt8]
        func text(_ field: KeyPath<ClaudeCodeLine, ClaudeCodeText?>) -> String? {
            bytes.withUnsafeBytes { line[keyPath: field]?.string(in: $0) }
        }
        var usage: JSONValue? { line.usage }
        var plainUsage: ClaudeCodeUsage? { line.plainUsage }
        var costUSD: JSONValue? { line.costUSD }
        var isSidechain: Bool { line.isSidechain }
    }

    static func scan(_ text: String) throws -> Scanned {
        let bytes = Array(text.utf8)
        return Scanned(line: try bytes.withUnsafeBytes { try ClaudeCodeLineScanner.scan($0) }, bytes: bytes)
    }

    @Test func agreesWithTheFullParserOnEveryFixtureLine() throws {
        for path in [ClaudeCodeAdapterTests.main, ClaudeCodeAdapterTests.subagent, ClaudeCodeAdapterTests.legacy] {
            let text = try String(contentsOf: AdapterHarness.fixture(path), encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let full = try? JSONParser.parse(String(line)) else {
                    #expect(throws: ClaudeCodeLineScanner.Failure.self) { try Self.scan(String(line)) }
                    continue
                }
                let fast = try Self.scan(String(line))
                #expect(fast.text(\.type) == full["type"]?.string)
                #expect(fast.text(\.timestamp) == full["timestamp"]?.string)
                #expect(fast.text(\.requestID) == full["requestId"]?.string)
                #expect(fast.text(\.sessionID) == full["sessionId"]?.string)
                #expect(fast.text(\.cwd) == full["cwd"]?.string)
                #expect(fast.text(\.gitBranch) == full["gitBranch"]?.string)
                #expect(fast.text(\.uuid) == full["uuid"]?.string)
                #expect(fast.text(\.role) == full[path: "message", "role"]?.string)
                #expect(fast.isSidechain == (full["isSidechain"]?.bool ?? false))
                #expect(fast.text(\.messageID) == full[path: "message", "id"]?.string)
                #expect(fast.text(\.model) == full[path: "message", "model"]?.string)
                // The usage is read member by member when it has the plain shape, else parsed whole.
                if let plain = fast.plainUsage, let usage = full[path: "message", "usage"] {
                    #expect(fast.usage == nil)
                    #expect(plain == ClaudeCodeUsageTests.fields(of: usage))
                } else {
                    #expect(fast.usage == full[path: "message", "usage"])
                }
                #expect(fast.costUSD == full["costUSD"])
            }
        }
    }

    @Test func skipsTrickyContentWithoutBeingFooledByIt() throws {
        // Content holding escaped quotes, a trailing escaped backslash, brackets in strings, and a
        // nested "usage" key inside a tool input; the real usage comes after it.
        let line = #"{"type":"assistant","message":{"content":[{"type":"tool_use","input":{"usage":{"input_tokens":999},"code":"print(\"}]\") \\","x":"\\\""}}],"id":"m1","model":"claude-opus-4-6","usage":{"input_tokens":7,"output_tokens":1.5e1}},"costUSD":0.10,"timestamp":"2026-01-01T00:00:00Z","cwd":"C:\\src\\app"}"#
        let s = try Self.scan(line)
        #expect(s.usage?["input_tokens"] == .number("7"))
        #expect(s.usage?["output_tokens"] == .number("1.5e1"))
        #expect(s.text(\.messageID) == "m1")
        #expect(s.costUSD == .number("0.10"))
        #expect(s.text(\.cwd) == "C:\\src\\app")
        #expect(LogSupport.project(fromWorkingDirectory: s.text(\.cwd)) == "app")
    }

    @Test func everyCutShortPrefixFails() throws {
        let text = try String(contentsOf: AdapterHarness.fixture(ClaudeCodeAdapterTests.main), encoding: .utf8)
        let line = Array(text.split(separator: "\n")[4].utf8) // msg_A's final line
        for n in 0..<line.count {
            let ok = (try? line[0..<n].withUnsafeBytes { try ClaudeCodeLineScanner.scan($0) }) != nil
            #expect(!ok, "prefix of \(n) bytes was accepted")
        }
        #expect((try? line.withUnsafeBytes { try ClaudeCodeLineScanner.scan($0) }) != nil)
    }
}

extension ClaudeCodeLineScannerTests {
    /// Where a string ends by the rule the scanner must keep: the first quote after the opening one
    /// that an even number of backslashes (zero included) precedes.
    static func endByCountingBackslashes(_ b: [UInt8], openingAt quote: Int) -> Int? {
        var q = quote + 1
        while q < b.count {
            if b[q] == 0x22 {
                var backslashes = 0
                var k = q - 1
                while k > quote, b[k] == 0x5C { backslashes += 1; k -= 1 }
                if backslashes % 2 == 0 { return q + 1 }
            }
            q += 1
        }
        return nil
    }

    @Test("a string ends at the same quote as counting the backslashes before each quote, at every length")
    func stringEndsAgreeWithBackslashCounting() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("ab\"\\\\é{\t".utf8)
        for length in 0..<600 {
            let body = (0..<(length % 40 + length / 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let line = Array("x\"".utf8) + body + (length % 3 == 0 ? [] : Array("\"tail".utf8))
            let got = line.withUnsafeBytes { ClaudeCodeLineScanner.endOfString(in: $0, openingAt: 1) }
            let end = Self.endByCountingBackslashes(line, openingAt: 1)
            #expect(got?.end == end, "\(String(decoding: line, as: UTF8.self))")
            if let end { #expect(got?.plain == line[2..<(end - 1)].allSatisfy { $0 != 0x5C && $0 >= 0x20 }) }
        }
        // Eight-byte steps: a quote or backslash at each position of a step, and the bytes ending mid-escape.
        for at in 0..<20 {
            for mark in [UInt8(0x22), 0x5C, 0x0A] {
                var line = Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 24) + Array("\"".utf8)
                line[1 + at] = mark
                let got = line.withUnsafeBytes { ClaudeCodeLineScanner.endOfString(in: $0, openingAt: 0) }
                #expect(got?.end == Self.endByCountingBackslashes(line, openingAt: 0), "mark \(mark) at \(at)")
            }
        }
        let cut = Array(#""abcdefgh\"#.utf8)
        #expect(cut.withUnsafeBytes { ClaudeCodeLineScanner.endOfString(in: $0, openingAt: 0) } == nil)
    }
}
