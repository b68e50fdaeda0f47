import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

@Suite("Claude Code line scanner")
struct ClaudeCodeLineScannerTests {
    static func scan(_ text: String) throws -> ClaudeCodeLine {
        var copy = text
        return try copy.withUTF8 { try ClaudeCodeLineScanner.scan(UnsafeRawBufferPointer($0)) }
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
                #expect(fast.type == full["type"]?.string)
                #expect(fast.timestamp == full["timestamp"]?.string)
                #expect(fast.requestID == full["requestId"]?.string)
                #expect(fast.sessionID == full["sessionId"]?.string)
                #expect(fast.cwd == full["cwd"]?.string)
                #expect(fast.isSidechain == (full["isSidechain"]?.bool ?? false))
                #expect(fast.messageID == full[path: "message", "id"]?.string)
                #expect(fast.model == full[path: "message", "model"]?.string)
                #expect(fast.usage == full[path: "message", "usage"])
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
        #expect(s.messageID == "m1")
        #expect(s.costUSD == .number("0.10"))
        #expect(s.cwd == "C:\\src\\app")
        #expect(LogSupport.project(fromWorkingDirectory: s.cwd) == "app")
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
