import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerPricing
@testable import TokenLedgerLedger

@Suite("v4: repository and branch columns")
struct RepositoryBranchMigrationTests {
    @Test("a v3 ledger gains the columns with its rows untouched (no repository, no branch); new rows keep both, and a superseding copy replaces them")
    func migrationFromV3() throws {
        let queue = try DatabaseQueue()
        try LedgerSchema.migrator.migrate(queue, upTo: "v3-dedup-hash")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO usage_record (id, dedup_key, dedup_hash, ts, provider, model, source, imported_at, input_tokens, output_tokens)
                VALUES (3, 'openai:old', ?, 1764000000000, 'openai', 'gpt-4o', 'openai-chat', 0, 100, 10)
                """, arguments: [DedupSlot.hash("openai:old")])
        }
        let ledger = try Ledger(queue)
        let old = try #require(try ledger.storedRecord(dedupKey: "openai:old"))
        #expect(old.record.repository == nil && old.record.branch == nil && old.record.tokens.input == 100)

        func entry(rank: Int, branch: String) -> LedgerEntry {
            LedgerEntry(record: UsageRecord(
                timestamp: Date(timeIntervalSince1970: 1_764_000_100), provider: "anthropic", model: "claude-sonnet-4-5",
                tokens: TokenCounts(input: 10, output: 5 + rank), source: "claude-code",
                repository: "github.com/acme/shop", branch: branch), dedupKey: "anthropic:new", supersedeRank: rank)
        }
        try ledger.insert([entry(rank: 1, branch: "main")], pricing: PriceBook())
        try ledger.insert([entry(rank: 2, branch: "feature/x")], pricing: PriceBook())
        let new = try #require(try ledger.storedRecord(dedupKey: "anthropic:new"))
        #expect(new.record.repository == "github.com/acme/shop" && new.record.branch == "feature/x")
    }
}
