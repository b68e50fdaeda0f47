import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// No secrets, no prompts: what a log's text and keys may reach, and who may read the ledger.
@Suite("Security: keys and prompts stay out of the ledger and messages; the ledger is owner-only")
struct SecurityCLITests {
    static let key = "sk-proj-TESTSECRET0123456789abcdefghijklmnopqrstuvwxyzABCD"
    static let prompt = "PROMPT-CANARY please summarise the merger memo"
    static let answer = "ANSWER-CANARY the merger closes on Friday"
    static let canaries = ["TESTSECRET", "PROMPT-CANARY", "ANSWER-CANARY"]

    /// A chat log with the request (prompt, key, Authorization header) saved next to the response,
    /// one such line cut short, and a LiteLLM CSV export whose api_key column holds a raw key.
    func writeLogs(in dir: URL) throws -> [URL] {
        let request = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"\#(Self.prompt)"}],"api_key":"\#(Self.key)","headers":{"Authorization":"Bearer \#(Self.key)"}}"#
        func response(_ id: String) -> String {
            #"{"id":"chatcmpl-\#(id)","object":"chat.completion","created":1764000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"\#(Self.answer)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}}"#
        }
        let chat = dir.appendingPathComponent("chat.jsonl")
        let whole = #"{"request":\#(request),"response":\#(response("sec1"))}"#
        let cut = String(#"{"request":\#(request),"response":\#(response("sec2"))}"#.prefix(260))
        try (whole + "\n" + cut + "\n" + response("sec3") + "\n").write(to: chat, atomically: true, encoding: .utf8)

        let csv = dir.appendingPathComponent("spend_logs.csv")
        try """
            request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,custom_llm_provider,metadata,status
            req-sec-1,acompletion,\(Self.key),0.001,120,100,20,2026-11-23 10:00:00,2026-11-23 10:00:01,gpt-4o-mini,openai,{},success
            req-sec-2,acompletion,\(Self.key),0.001,120,abc,20,2026-11-23 10:01:00,2026-11-23 10:01:01,gpt-4o-mini,openai,{},success

            """.write(to: csv, atomically: true, encoding: .utf8)
        return [chat, csv]
    }

    /// Every byte of the ledger's files (database, WAL, shared memory), as text.
    func ledgerBytes(_ cli: CLIRunner) throws -> String {
        let path = cli.environment["XDG_DATA_HOME"]! + "/tokenledger/ledger.sqlite"
        var all = Data()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            all += try Data(contentsOf: URL(fileURLWithPath: path + suffix))
        }
        return String(decoding: all, as: UTF8.self)
    }

    @Test("a key and prompt text in logs reach neither the ledger's files, the quarantine, nor any message")
    func noSecretsStored() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let logs = try writeLogs(in: cli.home)
        let imported = try cli.run(["import", "--json"] + logs.map(\.path))
        #expect(imported.status == 0)
        let summary = try JSONParser.parse(imported.stdout)
        #expect(summary["imported"]?.int == 3 && summary["quarantined"]?.int == 2)
        let records = try Ledger.openReadOnly(at: URL(fileURLWithPath: cli.environment["XDG_DATA_HOME"]! + "/tokenledger/ledger.sqlite")).storedRecords()
        // The key is kept only as a short hash, enough to group spend by key.
        #expect(records.contains { $0.record.apiKeyHash != nil })

        let listing = try cli.run("import", "--quarantine")
        let report = try cli.run("report", "--json", "--since", "2000-01-01", "--by", "model,project,session")
        let said = [imported.stdout, imported.stderr, listing.stderr, report.stdout, report.stderr].joined(separator: "\n")
        let stored = try ledgerBytes(cli)
        for canary in Self.canaries {
            #expect(!stored.contains(canary), "\(canary) is in the ledger's files")
            #expect(!said.contains(canary), "\(canary) is in a message or report")
        }
        // The listing shows the user's own quarantined lines (that is its job), never the key in them.
        #expect(listing.status == 0 && listing.stdout.contains("chat.jsonl:2:"))
        #expect(!listing.stdout.contains("TESTSECRET") && listing.stdout.contains("sk-…(redacted)"))
    }

    @Test("the ledger and the folder made for it are readable by their owner only")
    func ownerOnly() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        #expect(try cli.run("import", CLIRunner.fixture("fixtures/logs/openai-chat/responses.jsonl")).status == 0)
        let folder = cli.environment["XDG_DATA_HOME"]! + "/tokenledger"
        func mode(_ path: String) throws -> Int {
            try ((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
        }
        #expect(try mode(folder) == 0o700)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: folder + "/ledger.sqlite" + suffix) {
            #expect(try mode(folder + "/ledger.sqlite" + suffix) == 0o600, "ledger.sqlite\(suffix)")
        }
        // A ledger given with --db in an existing folder: the file is owner-only, the folder untouched.
        let shared = cli.home.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(try cli.run("import", "--db", shared.path + "/team.sqlite", CLIRunner.fixture("fixtures/logs/openai-chat/responses.jsonl")).status == 0)
        #expect(try mode(shared.path + "/team.sqlite") == 0o600 && mode(shared.path) == 0o755)
    }
}
