import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
@testable import TokenLedgerImporters

@Suite("Repository and branch per record")
struct RepositoryBranchTests {
    @Test("a remote is stored without scheme, credentials or .git, whichever way it was cloned")
    func remoteNames() {
        #expect(RepositoryName.remote("https://ci-bot:ghp_secret@github.com/acme/billing-api.git") == "github.com/acme/billing-api")
        #expect(RepositoryName.remote("git@github.com:acme/shop.git") == "github.com/acme/shop")
        #expect(RepositoryName.remote("ssh://git@gitlab.example.com:2222/team/tool/") == "gitlab.example.com:2222/team/tool")
        #expect(RepositoryName.remote("https://github.com/acme/shop") == "github.com/acme/shop")
        #expect(RepositoryName.remote("  ") == nil && RepositoryName.remote(nil) == nil)
        #expect(RepositoryName.branch("HEAD") == nil && RepositoryName.branch("feature/x") == "feature/x")
    }

    @Test("Codex: session_meta.git's remote and branch on every record, credentials never stored")
    func codex() throws {
        let file = AdapterHarness.fixture("fixtures/logs/codex-git/rollout-2026-12-01T09-00-00-019ad0e1-2f3a-7b4c-8d5e-6f7a8b9c0d1e.jsonl")
        let out = try AdapterHarness.run(CodexAdapter(), file: file)
        #expect(out.records.count == 2)
        #expect(out.records.allSatisfy { $0.repository == "github.com/acme/billing-api" && $0.branch == "feature/invoices" })
        #expect(out.records.first?.project == "billing-api")

        // Stored and read back; nothing of the remote's credentials anywhere in the ledger.
        let ledger = try Ledger.inMemory()
        _ = try ImportPipeline(ledger: ledger, pricing: try PriceBook.bundled(), options: ImportOptions(settledAge: 0)).run(paths: [file])
        let stored = try ledger.storedRecords().map(\.record)
        #expect(stored.count == 2 && stored.allSatisfy { $0.repository == "github.com/acme/billing-api" && $0.branch == "feature/invoices" })
        #expect(!"\(stored)".contains("ghp_") && !"\(stored)".contains("ci-bot"))
    }

    @Test("Codex: a rollout without a remote falls back to the folder; the state carries both across runs")
    func codexFolderAndState() throws {
        let file = AdapterHarness.fixture("fixtures/logs/codex/sessions/2026/11/21/rollout-2026-11-21T10-00-00-0199a1b2-0c3d-7e4f-8a9b-0c1d2e3f4a5b.jsonl")
        let out = try AdapterHarness.run(CodexAdapter(), file: file)
        #expect(out.records.allSatisfy { $0.repository == "api" && $0.branch == "main" })
        #expect(out.state?["branch"]?.string == "main")
    }

    @Test("Claude Code: gitBranch and the cwd's folder; --project changes the project, not the repository")
    func claudeCode() throws {
        let file = AdapterHarness.fixture("fixtures/logs/claude-code/projects/-home-dev-src-shop/6f1d2c3a-1111-4aaa-8bbb-000000000001.jsonl")
        let out = try AdapterHarness.run(ClaudeCodeAdapter(), file: file, context: ImportContext(file: file, project: "renamed"))
        #expect(!out.records.isEmpty)
        #expect(out.records.allSatisfy { $0.repository == "shop" && $0.branch == "main" && $0.project == "renamed" })
    }

    @Test("Qwen Code: the record's gitBranch and cwd")
    func qwenCode() throws {
        let file = AdapterHarness.fixture("fixtures/logs/qwen-code/projects/-home-dev-src-api/chats/3b9d5f71-8c2e-4a06-b1d3-5e7f9a0c2d4e.jsonl")
        let out = try AdapterHarness.run(QwenCodeAdapter(), file: file)
        #expect(!out.records.isEmpty && out.records.allSatisfy { $0.repository == "api" && $0.branch != nil })
    }

    @Test("OpenCode: the repository is the folder of path.root (the checkout's top), not of the cwd; none outside a repository")
    func openCode() throws {
        let file = AdapterHarness.fixture("fixtures/logs/opencode/storage/message/ses_5a1b2c3d4e5fXyZ01/msg_a01b2c3d5002aBcD02.json")
        let record = try #require(try AdapterHarness.run(OpenCodeAdapter(), file: file).records.first)
        #expect(record.repository == "billing" && record.branch == nil)
        let text = try String(contentsOf: file, encoding: .utf8)
        let inSubfolder = text.replacingOccurrences(of: #""cwd": "/home/dev/src/billing""#, with: #""cwd": "/home/dev/src/billing/web""#)
        let sub = try #require(AdapterHarness.run(OpenCodeAdapter(), text: inSubfolder, context: ImportContext(file: file)).records.first)
        #expect(sub.project == "web" && sub.repository == "billing")
        // OpenCode's root is "/" for a session outside any git repository.
        let outside = text.replacingOccurrences(of: #""root": "/home/dev/src/billing""#, with: #""root": "/""#)
        let none = try #require(AdapterHarness.run(OpenCodeAdapter(), text: outside, context: ImportContext(file: file)).records.first)
        #expect(none.repository == nil && none.project == "billing")
        let older = AdapterHarness.fixture("fixtures/logs/opencode/project/home-dev-src-legacy/storage/session/message/ses_0ld1c2d3e4f5/msg_0ld1c2d3e4f6.json")
        #expect(try AdapterHarness.run(OpenCodeAdapter(), file: older).records.first?.repository == "legacy")
    }

    @Test("Gemini CLI: the folder of the path in the project folder's .project_root; none for older hash-named folders")
    func geminiCLI() throws {
        let named = AdapterHarness.fixture("fixtures/logs/gemini-cli/tmp/shop/chats/session-2026-05-02T08-15-7c1d2e3f.jsonl")
        let out = try AdapterHarness.run(GeminiCLIAdapter(), file: named)
        #expect(out.records.count == 3 && out.records.allSatisfy { $0.repository == "Shop" && $0.project == "shop" && $0.branch == nil })
        let hashed = AdapterHarness.fixture("fixtures/logs/gemini-cli/tmp/9f2b7c4e1a0d3b6f8e5c2a1d4f7b0e3c6a9d2f5b8e1c4a7d0f3b6e9c2a5d8f1b/chats/session-2025-09-14T10-02-5f3a9c1e.json")
        #expect(try AdapterHarness.run(GeminiCLIAdapter(), file: hashed).records.allSatisfy { $0.repository == nil })
    }
}
