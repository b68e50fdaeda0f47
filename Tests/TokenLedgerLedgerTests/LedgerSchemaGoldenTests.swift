import Foundation
import GRDB
import Testing
@testable import TokenLedgerLedger

@Suite("Shipped migrations never change what they create")
struct LedgerSchemaGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/ledger/schema-v2.txt")

    /// `sqlite_master` as the golden file lists it: "type name", the SQL, a blank line; by type and name.
    static func schema(_ db: Database) throws -> String {
        try String.fetchAll(db, sql: "SELECT type || ' ' || name || char(10) || sql || char(10) FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
            .joined(separator: "\n") + "\n"
    }

    @Test("v1 and v2 create exactly the schema the release that shipped them created (fixtures/ledger/schema-v2.txt)")
    func v2IsUnchanged() throws {
        let queue = try DatabaseQueue()
        try LedgerSchema.migrator.migrate(queue, upTo: "v2-report-indexes")
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        let actual = try queue.read { db in try Self.schema(db) }
        #expect(actual == expected)
    }
}
