import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters
import TokenLedgerLedger

/// The adapter makes strings only of what it keeps, from the line's bytes, and remembers a session's
/// id, folder, branch and model from the line before (`RepeatedText`); the dedup key is copied from
/// the ids' bytes. Whatever it emits must be what the same rules give from the line parsed whole.
@Suite("Claude Code fields read from the line's bytes")
struct ClaudeCodeLineFieldsTests {
    /// A JSON member's value as written in the line (bytes, so a value may hold bytes that are not UTF-8);
    /// nil leaves the member out.
    typealias Pool = [[UInt8]?]

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let sessions: Pool = [json(#""s-1""#), json(#""s-1""#), json(#""s-2""#), json(#""s-\u0031""#), json(#""s-\/1""#),
                                 json(#""s-1""#) + [], Array(#""s-"#.utf8) + [0xE2, 0x82] + json(#"""#), json("7"), json("null"), nil]
    static let folders: Pool = [json(#""/home/dev/src/shop""#), json(#""/home/dev/src/shop""#), json(#""/home/dev/src/shop/""#),
                                json(#""C:\\src\\app""#), json(#""/home/dev/src/sh\u006fp""#), json(#""/home/dev/src/cart""#),
                                Array(#""/x/"#.utf8) + [0xC3] + json(#"""#), json(#""""#), json("null"), nil]
    static let branches: Pool = [json(#""main""#), json(#""main""#), json(#"" main ""#), json(#""HEAD""#), json(#""feat/x""#),
                                 json(#""ma\u0069n""#), json(#""""#), json("1"), nil]
    static let models: Pool = [json(#""claude-opus-4-6""#), json(#""claude-opus-4-6""#), json(#""claude-sonnet-4-5""#),
                               json(#""claude-opus-4-\u0036""#), json(#""<synthetic>""#), json(#""""#), json("3"), nil]
    static let times: Pool = [json(#""2026-01-01T00:00:00Z""#), json(#""2026-01-01T00:00:00.5+01:00""#),
                              json(#""2026-01-01T00:00:0\u0030Z""#), json(#"" 2026-01-02 10:00 UTC ""#), json(#""yesterday""#),
                              json("1767225600"), nil]
    static let messageIDs: Pool = [json(#""msg_01""#), json(#""msg_02""#), json(#""msg_\u0030""#),
                                   Array(#""msg_"#.utf8) + [0xF0, 0x9F] + json(#"""#), json("5"), nil]
    static let requestIDs: Pool = [json(#""req_01""#), json(#""req_02""#), json(#""req_\"q""#), Array(#""req_"#.utf8) + [0xE2] + json(#"""#),
                                   json("null"), nil]
    static let uuids: Pool = [json(#""u-1""#), json(#""u-\u0032""#), nil, nil]
    static let types: Pool = [json(#""assistant""#), json(#""assistant""#), json(#""assist\u0061nt""#), json(#""user""#), nil]
    static let roles: Pool = [json(#""assistant""#), json(#""assistant""#), json(#""user""#), nil]

    /// The record fields and key as the adapter's rules give them from the line parsed whole.
    struct Expected: Equatable, CustomStringConvertible {
        var key: String
        var model: String
        var timestamp: Date?
        var requestID: String?
        var sessionID: String?
        var project: String?
        var branch: String?
        var description: String { "\(key) \(model) \(String(describing: timestamp)) \(requestID ?? "-") \(sessionID ?? "-") \(project ?? "-") \(branch ?? "-")" }
    }

    enum Outcome: Equatable {
        case entry(Expected)
        case malformed(String)
        case skipped
    }

    static func expected(_ line: [UInt8]) throws -> Outcome {
        // The adapter's filter: a line without the bytes "assistant" (in quotes) is not read.
        guard line.withUnsafeBytes({ ByteSearch("\"assistant\"").offset(in: $0) != nil }) else { return .skipped }
        let full = try JSONParser.parse(line)
        let type = full["type"]?.string, role = full[path: "message", "role"]?.string
        guard type == "assistant" || (type == nil && role == "assistant") else { return .skipped }
        let model = full[path: "message", "model"]?.string ?? ""
        if model == "<synthetic>" { return .skipped }
        if model.isEmpty { return .malformed("an assistant message with usage has no message.model") }
        guard let time = full["timestamp"]?.string, let timestamp = Timestamp.parse(time) else {
            return .malformed("the line has no readable timestamp")
        }
        let m = full[path: "message", "id"]?.string, r = full["requestId"]?.string
        let session = full["sessionId"]?.string
        let key: String
        if let m, let r { key = "anthropic:\(m):\(r)" }
        else if let m { key = "anthropic:\(m)" }
        else if let u = full["uuid"]?.string { key = "claude-code:\(u)" }
        else if let session { key = "claude-code:\(session):\(time)" }
        else { return .malformed("an assistant message has no message.id, uuid or sessionId to identify it") }
        return .entry(Expected(key: key, model: model, timestamp: timestamp, requestID: r ?? m, sessionID: session,
                               project: LogSupport.project(fromWorkingDirectory: full["cwd"]?.string),
                               branch: RepositoryName.branch(full["gitBranch"]?.string)))
    }

    @Test("random lines through one parser: every record, key and reason as from the whole parse")
    func sameAsTheWholeParse() throws {
        var rng = SplitMix64(seed: 24)
        func pick(_ pool: Pool) -> [UInt8]? { pool[Int(rng.next() % UInt64(pool.count))] }
        var lines: [[UInt8]] = []
        for _ in 0..<3000 {
            var members: [[UInt8]] = []
            func add(_ name: String, _ value: [UInt8]?) { if let value { members.append(Self.json("\"\(name)\":") + value) } }
            add("parentUuid", Self.json(#""p""#))
            add("sessionId", pick(Self.sessions))
            add("cwd", pick(Self.folders))
            add("gitBranch", pick(Self.branches))
            var message: [[UInt8]] = []
            func addMessage(_ name: String, _ value: [UInt8]?) { if let value { message.append(Self.json("\"\(name)\":") + value) } }
            addMessage("id", pick(Self.messageIDs))
            addMessage("role", pick(Self.roles))
            addMessage("model", pick(Self.models))
            addMessage("content", Self.json(#"[{"type":"text","text":"the assistant said \"hi\""}]"#))
            addMessage("usage", Self.json(#"{"input_tokens":3,"output_tokens":5}"#))
            add("message", Self.json("{") + Array(message.joined(separator: Self.json(","))) + Self.json("}"))
            add("requestId", pick(Self.requestIDs))
            add("type", pick(Self.types))
            add("uuid", pick(Self.uuids))
            add("timestamp", pick(Self.times))
            lines.append(Self.json("{") + Array(members.joined(separator: Self.json(","))) + Self.json("}"))
        }
        let context = ImportContext(file: URL(fileURLWithPath: "/tmp/claude/projects/p/s.jsonl"))
        let out = AdapterHarness.run(ClaudeCodeAdapter(), bytes: Array(lines.joined(separator: [0x0A])) + [0x0A], context: context, state: nil)
        var entries = out.entries.makeIterator()
        var malformed = out.malformed.makeIterator()
        var skipped = 0, kinds = Set<String>()
        for (n, line) in lines.enumerated() {
            let text = String(decoding: line, as: UTF8.self)
            switch try Self.expected(line) {
            case .skipped:
                skipped += 1
                kinds.insert("skipped")
            case .malformed(let reason):
                let got = malformed.next()
                #expect(got?.line == n + 1 && got?.reason == reason, "line \(n + 1): \(text)")
                kinds.insert(reason)
            case .entry(let want):
                guard let e = entries.next() else {
                    Issue.record("no record for line \(n + 1): \(text)")
                    return
                }
                let r = e.record
                let got = Expected(key: e.dedupKey, model: r.model, timestamp: r.timestamp, requestID: r.requestID,
                                   sessionID: r.sessionID, project: r.project, branch: r.branch)
                #expect(got == want, "line \(n + 1): \(text)")
                #expect(r.repository == want.project)
                kinds.insert("entry")
            }
        }
        #expect(entries.next()?.dedupKey == nil)
        #expect(malformed.next()?.line == nil)
        #expect(out.skipped == skipped)
        #expect(kinds.count == 5)  // records, skips and all three reasons were met
    }
}
