import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerImporters

@Suite("Claude Code adapter")
struct ClaudeCodeAdapterTests {
    let adapter = ClaudeCodeAdapter()
    static let root = "fixtures/logs/claude-code/projects/"
    static let session = "6f1d2c3a-1111-4aaa-8bbb-000000000001"
    static let main = root + "-home-dev-src-shop/\(session).jsonl"
    static let subagent = root + "-home-dev-src-shop/\(session)/subagents/agent-a1b2c3.jsonl"
    static let legacy = root + "-home-dev-src-legacy/3c9e7a10-2222-4ccc-8ddd-000000000002.jsonl"

    func run(_ path: String, project: String? = nil) throws -> AdapterHarness.Output {
        let url = AdapterHarness.fixture(path)
        return try AdapterHarness.run(adapter, file: url, context: ImportContext(file: url, project: project))
    }

    @Test func mainSessionKeepsTheFinalLineOfEachResponse() throws {
        let out = try run(Self.main)
        // Lines 3-5 are one response (msg_A) written per content block; 7 = msg_B; 10 = msg_D.
        #expect(out.entries.map { $0.location?.line } == [3, 4, 5, 7, 10])
        #expect(out.malformed.map(\.line) == [9])          // the line cut short
        #expect(out.skipped == 5)                         // summary, 2 user lines, <synthetic> error, system
        #expect(out.entries.map(\.supersedeRank) == [9, 9, 1241, 191, 81]) // output × 2 + 1 (main chain)
        let kept = LedgerSimulation.kept(out.entries)
        #expect(kept.map(\.dedupKey) == [
            "anthropic:msg_01AAAAAAAAAAAAAAAAAAAAAA:req_011AAAAAAAAAAAAAAAAAAAAA",
            "anthropic:msg_01BBBBBBBBBBBBBBBBBBBBBB:req_011BBBBBBBBBBBBBBBBBBBBB",
            "anthropic:msg_01DDDDDDDDDDDDDDDDDDDDDD:req_011DDDDDDDDDDDDDDDDDDDDD",
        ])
        let a = kept[0].record
        #expect(a.tokens == TokenCounts(input: 12, cacheRead: 10000, cacheWrite5m: 3000, cacheWrite1h: 2000, output: 620, reasoning: 180))
        #expect(a.model == "claude-sonnet-4-5-20250929")
        #expect(a.provider == "anthropic")
        #expect(a.source == "claude-code")
        #expect(a.project == "shop")
        #expect(a.sessionID == Self.session)
        #expect(a.requestID == "req_011AAAAAAAAAAAAAAAAAAAAA")
        #expect(a.serviceTier == "standard")
        #expect(a.timestamp == Timestamp.parse("2026-11-20T09:00:09.870Z"))
        #expect(a.reportedCost == nil)
        let b = kept[1].record
        #expect(b.tokens == TokenCounts(input: 3, cacheRead: 15000, cacheWrite1h: 800, output: 95))
        #expect(b.units.webSearchCalls == 2)
        #expect(b.serviceTier == "fast")
        // Kept totals: input 12+3+8 = 23; cache read 10000+15000+16000 = 41000; 5m 3000; 1h 2000+800 = 2800;
        // output 620+95+40 = 755; reasoning 180.
        #expect(LedgerSimulation.totals(out.entries) == TokenCounts(
            input: 23, cacheRead: 41000, cacheWrite5m: 3000, cacheWrite1h: 2800, output: 755, reasoning: 180))
    }

    @Test func subagentCopyLosesToTheMainChain() throws {
        let main = try run(Self.main)
        let sub = try run(Self.subagent)
        #expect(sub.entries.count == 2)
        #expect(sub.skipped == 1)
        #expect(sub.entries.map(\.supersedeRank) == [420, 190]) // sidechain: output × 2 + 0
        // Whichever file is read first, msg_B keeps the main-chain copy (rank 191 > 190).
        for order in [main.entries + sub.entries, sub.entries + main.entries] {
            let kept = LedgerSimulation.kept(order)
            #expect(kept.count == 4)
            let b = kept.first { $0.dedupKey.hasPrefix("anthropic:msg_01BBBB") }
            #expect(b?.supersedeRank == 191)
            #expect(b?.location?.file.hasSuffix("\(Self.session).jsonl") == true)
        }
        let s = sub.entries[0].record
        #expect(s.tokens == TokenCounts(input: 6, cacheWrite5m: 1200, output: 210))
        #expect(s.model == "claude-haiku-4-5-20251001")
    }

    @Test func legacyLinesKeepTheirCostAndCacheCreationCountsAsFiveMinute() throws {
        let out = try run(Self.legacy, project: "override")
        #expect(out.entries.count == 2)
        #expect(out.malformed.isEmpty)
        #expect(out.skipped == 1)
        let r = out.records
        #expect(r[0].tokens == TokenCounts(input: 100, cacheWrite5m: 2000, output: 300))
        #expect(r[0].reportedCost == Money(decimalText: "0.0123456789"))
        #expect(r[0].reportedCost?.picodollars == 12_345_678_900)
        #expect(r[1].tokens == TokenCounts(input: 50, cacheRead: 2000, output: 80))
        #expect(r[1].reportedCost == Money(decimalText: "0.00186"))
        #expect(r[1].serviceTier == nil)
        #expect(r.allSatisfy { $0.project == "override" }) // --project wins over cwd
    }

    @Test func allFixturesTogether() throws {
        let entries = try [Self.main, Self.subagent, Self.legacy].flatMap { try run($0).entries }
        // Hand total over the 6 distinct responses (A, B, D, S1, L1, L2):
        // input 12+3+8+6+100+50 = 179; cache read 10000+15000+16000+2000 = 43000;
        // 5m 3000+1200+2000 = 6200; 1h 2000+800 = 2800; output 620+95+40+210+300+80 = 1345; reasoning 180.
        #expect(LedgerSimulation.kept(entries).count == 6)
        #expect(LedgerSimulation.totals(entries) == TokenCounts(
            input: 179, cacheRead: 43000, cacheWrite5m: 6200, cacheWrite1h: 2800, output: 1345, reasoning: 180))
        let cost = LedgerSimulation.kept(entries).compactMap(\.record.reportedCost).reduce(Money.zero, +)
        #expect(cost == Money(decimalText: "0.0142056789"))
    }

    @Test func aBadTokenCountIsMalformedAndNeighboursStillRead() {
        let good = #"{"type":"assistant","sessionId":"s","uuid":"u1","timestamp":"2026-11-20T10:00:00Z","requestId":"r1","message":{"id":"m1","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2}}}"#
        let bad = #"{"type":"assistant","sessionId":"s","uuid":"u2","timestamp":"2026-11-20T10:00:00Z","requestId":"r2","message":{"id":"m2","model":"claude-opus-4-6","usage":{"input_tokens":"lots","output_tokens":2}}}"#
        let thinkingTooBig = #"{"type":"assistant","sessionId":"s","uuid":"u3","timestamp":"2026-11-20T10:00:00Z","requestId":"r3","message":{"id":"m3","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2,"output_tokens_details":{"thinking_tokens":5}}}}"#
        let text = [good, bad, "garbage", thinkingTooBig, good.replacingOccurrences(of: "r1", with: "r4")].joined(separator: "\n") + "\n"
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/x.jsonl")))
        #expect(out.malformed.map(\.line) == [2, 3, 4])
        #expect(out.entries.map { $0.location?.line } == [1, 5])
        #expect(out.entries.map(\.dedupKey) == ["anthropic:m1:r1", "anthropic:m1:r4"])
    }

    @Test func detectsSessionFilesOnly() throws {
        let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.main)))
        #expect(adapter.detect(fileName: "x.jsonl", head: head) == 95)
        #expect(adapter.detect(fileName: "x.json", head: head) == 0)
        let codex = Array(#"{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"x"}}"#.utf8)
        #expect(adapter.detect(fileName: "rollout.jsonl", head: codex) == 0)
    }

    @Test func discoversDefaultRootsAndSubagentFilesInAFakeHome() throws {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("cc-home-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: tmp) }
        let home = tmp.appendingPathComponent("home")
        func place(_ fixture: String, at relative: String) throws {
            let dest = tmp.appendingPathComponent(relative)
            try fm.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: AdapterHarness.fixture(fixture), to: dest)
        }
        try place(Self.legacy, at: "home/.claude/projects/-home-dev-src-legacy/l.jsonl")
        try place(Self.main, at: "home/.config/claude/projects/-home-dev-src-shop/\(Self.session).jsonl")
        try place(Self.subagent, at: "home/.config/claude/projects/-home-dev-src-shop/\(Self.session)/subagents/agent-a1b2c3.jsonl")
        try place(Self.main, at: "cfgA/projects/p/\(Self.session).jsonl")
        let env = ["HOME": home.path, "CLAUDE_CONFIG_DIR": tmp.path + "/cfgA, " + tmp.path + "/missing"]
        let roots = adapter.defaultRoots(paths: Paths(environment: env))
        #expect(roots.map(\.path) == [
            tmp.path + "/cfgA/projects", tmp.path + "/missing/projects", home.path + "/.config/claude/projects",
            home.path + "/.claude/projects",
        ].map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        // Walk the roots that exist, as the pipeline does, and check every session file, subagents included, is ours.
        var found: [String] = []
        for root in roots where fm.fileExists(atPath: root.path) {
            let walker = fm.enumerator(at: root, includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                guard url.pathExtension == "jsonl" else { continue }
                let head = try [UInt8](Data(contentsOf: url).prefix(65536))
                #expect(adapter.detect(fileName: url.lastPathComponent, head: head) >= 80)
                found.append(url.lastPathComponent)
            }
        }
        #expect(found.sorted() == ["\(Self.session).jsonl", "\(Self.session).jsonl", "agent-a1b2c3.jsonl", "l.jsonl"])
        // With no CLAUDE_CONFIG_DIR only the two home locations remain (XDG_CONFIG_HOME replaces ~/.config).
        #expect(adapter.defaultRoots(paths: Paths(environment: ["HOME": home.path])).count == 2)
        #expect(adapter.defaultRoots(paths: Paths(environment: ["HOME": home.path, "XDG_CONFIG_HOME": "/x"])).map(\.path)
            == ["/x/claude/projects", home.path + "/.config/claude/projects", home.path + "/.claude/projects"])
        #expect(adapter.defaultRoots(paths: Paths(environment: [:])).isEmpty)
    }
}
