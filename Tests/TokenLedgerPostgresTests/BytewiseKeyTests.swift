import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// Dedup keys compare as bytes in a database whose own collation is a language's (migration v14).
@Suite("dedup keys compared as bytes", .enabled(if: TestServer.available, TestServer.skipReason))
struct BytewiseKeyTests {
    @Test("in an ICU en-US database the dedup key's collation is C, its index still the replica identity, and imports and pushes store each key once")
    func icuDatabase() throws {
        let db = try TestServer.freshDatabase(options: "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.utf8'")
        defer { db.drop() }
        let team = try db.connect(machine: "laptop")
        #expect(try db.texts("SELECT daticulocale FROM pg_database WHERE datname = current_database()") == ["en-US"])
        #expect(try db.texts("""
            SELECT collation_name FROM information_schema.columns
            WHERE table_name = 'usage_record' AND column_name = 'dedup_key' AND table_schema = current_schema()
            """) == ["C"])
        #expect(try db.texts("""
            SELECT c.relreplident::text || ':' || i.relname FROM pg_class c JOIN pg_index x ON x.indrelid = c.oid AND x.indisreplident
            JOIN pg_class i ON i.oid = x.indexrelid WHERE c.relname = 'usage_row'
            """) == ["i:usage_record_dedup_key_key"])
        // Keys whose byte order is not en-US's (upper case before lower case in bytes, after it in English).
        let dir = try TeamImportTests.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("responses.jsonl")
        let names = ["b", "B", "a", "A", "ab", "aB", "Ab", "AB", "b1", "B1"]
        func lines(_ range: Range<Int>) -> String {
            range.map { TeamImportTests.chatLine($0).replacingOccurrences(of: "chatcmpl-team\($0)\"", with: "chatcmpl-\(names[$0 % 10])\($0 / 10)\"") }.joined()
        }
        try Data(lines(0..<60).utf8).write(to: file)
        #expect(try TeamImportTests.importing([file], into: team, options: ImportOptions(batchSize: 13)).imported == 60)
        try TeamImportTests.append(lines(50..<80), to: file)  // ten stored again, staged through the upsert
        let again = try TeamImportTests.importing([file], into: team, options: ImportOptions(batchSize: 13))
        #expect(again.imported == 20 && again.duplicates == 10)
        #expect(try db.texts("SELECT source_line::text FROM usage_record WHERE source_line <= 60 ORDER BY id") == (1...60).map { String($0) })
        let keys = try db.texts("SELECT dedup_key FROM usage_record ORDER BY dedup_key").compactMap { $0 }
        #expect(keys.count == 80 && keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // A push of the same keys from a local ledger adds nothing; its own new keys are added once.
        let local = try LocalLedger.make(LocalLedger.entries(40, prefix: "Mixed"))
        #expect(try team.push(from: local, ledgerPath: "/l", batchSize: 9).counts.inserted == 40)
        #expect(try team.push(from: local, ledgerPath: "/l", batchSize: 9).counts.inserted == 0)
        #expect(try team.recordCount() == 120)
        #expect(try PairedBatchTests.tierMismatches(db) == [])
    }
}
