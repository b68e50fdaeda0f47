import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// A straight COPY leaving out the columns at their default in every row of its batch
/// (`ColumnOmission`): nothing stored differs from sending every column.
@Suite("columns at their default left out of a straight COPY", .enabled(if: TestServer.available, TestServer.skipReason))
struct ColumnOmissionTests {
    @Test("each column's default as tokenledger knows it is the table's; the columns without one are always sent")
    func defaultsAreTheTables() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        _ = try db.connect(machine: "m")
        let declared = try db.texts("""
            SELECT column_name || '=' || coalesce(column_default, CASE WHEN is_nullable = 'YES' THEN 'NULL' ELSE 'none' END)
            FROM information_schema.columns WHERE table_name = 'usage_row' AND table_schema = current_schema()
            """).compactMap { $0 }
        let table = Dictionary(uniqueKeysWithValues: declared.map { line in
            let parts = line.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        })
        #expect(TeamLedger.recordDefaults.count == TeamLedger.recordColumns.count)
        for (column, known) in zip(TeamLedger.recordColumns, TeamLedger.recordDefaults) {
            let declaredDefault = try #require(table[column], "\(column) is not a column")
            switch known {
            case nil: #expect(declaredDefault == "none" || column == "supersede_rank", "\(column) has a default: \(declaredDefault)")
            case .null: #expect(declaredDefault == "NULL", "\(column)")
            case .integer(let value): #expect(declaredDefault == String(value), "\(column)")
            case .boolean(let value): #expect(declaredDefault == String(value), "\(column)")
            case .text(let bytes): #expect(declaredDefault == "'\(String(decoding: bytes, as: UTF8.self))'::text", "\(column)")
            }
        }
        // Not vacuous: most columns can be left out.
        #expect(TeamLedger.recordDefaults.compactMap { $0 }.count == 34)
    }

    @Test("rows note exactly the fields that hold a value other than the default, and leave out those the mask names")
    func differingFields() throws {
        let defaults: [ColumnOmission.Default?] = [nil, .null, .integer(0), .integer(1), .boolean(false), .text(Array("unknown".utf8))]
        func write(_ rows: [(Int64?, Int64, Int64, Bool, String?)], leavingOut differing: UInt64 = .max) -> (UInt64, [UInt8]) {
            let omission = ColumnOmission(defaults: defaults, differing: differing)
            var copy = PostgresBinaryCopy()
            var seen: UInt64 = 0
            for (a, b, c, d, e) in rows {
                seen |= copy.appendRow(fields: 6, omitting: omission) { w in
                    w.text("key")
                    w.int64(a)
                    w.int64(b)
                    w.int64(c)
                    w.bool(d)
                    w.text(e)
                }
            }
            return (seen, Array(copy.bytes.dropFirst(PostgresBinaryCopy.headerCount)))
        }
        #expect(write([(nil, 0, 1, false, "unknown"), (nil, 0, 1, false, "unknown")]).0 == 0b000001)
        #expect(write([(nil, 0, 1, false, "unknown"), (5, 0, 1, false, "unknown")]).0 == 0b000011)
        #expect(write([(nil, 0, 1, false, "unknown"), (nil, 0, 2, false, "unknowN")]).0 == 0b101001)
        #expect(write([(nil, 7, 1, true, nil)]).0 == 0b110101)
        let omission = ColumnOmission(defaults: defaults, differing: 0b110101)
        #expect(omission.mask == 0b001010 && omission.count == 2)
        #expect(omission.sent(["k", "a", "b", "c", "d", "e"]) == ["k", "b", "d", "e"])
        // A row written leaving those out: field count 4, and b, d, e as given.
        let expected: [UInt8] = [0, 4] + [0, 0, 0, 3] + Array("key".utf8) + [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]
            + [0, 0, 0, 1, 1] + [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(write([(nil, 7, 1, true, nil)], leavingOut: 0b110101) == (0b110101, expected))
        // A value in a field left out is noted, so the rows are written again.
        #expect(write([(3, 7, 1, true, nil)], leavingOut: 0b110101).0 & omission.mask == 0b000010)
    }

    @Test("varied records stored in batches of 1, 3 and 64 (each leaving out what the one before held nothing in) read back as the SQLite ledger stores them")
    func recordsRoundTrip() throws {
        // Every column that can be left out is non-default in some rows and default in others, so
        // batches leave out different columns; a batch of one leaves out every default of its row.
        var entries = LocalLedger.entries(150)
        for n in entries.indices {
            var r = entries[n].record
            if n % 7 == 3 { r.units = UnitCounts(webSearchCalls: n % 4 + 1, imagesGenerated: 2, audioSeconds: 30, characters: 900) }
            if n % 11 == 5 { r.tokens = TokenCounts(input: 10, output: 3, audioInput: 4, audioOutput: 5, imageInput: 6, imageOutput: 7) }
            if n % 13 == 2 { r.requestCount = 3 }
            if n % 17 == 1 { r.isAggregate = true }
            if n % 5 == 4 { r.apiKeyHash = "sha256:abcd" }
            entries[n].record = r
            if n % 19 == 0 { entries[n].location = nil }
            if n % 23 == 4 { entries[n].supersedeRank = 2 }
        }
        let local = try LocalLedger.make(entries, now: LocalLedger.start)
        let expected = try local.storedRecords()
        for size in [1, 3, 64] {
            let db = try TestServer.freshDatabase()
            defer { db.drop() }
            let team = try db.connect(machine: "m")
            for start in stride(from: 0, to: entries.count, by: size) {
                let chunk = Array(entries[start..<min(entries.count, start + size)])
                let batch = PricedBatch(chunk.map { ($0, LocalLedger.prices.cost(of: $0.record)) }, now: LocalLedger.start)
                _ = try team.store(ImportBatch(records: batch, quarantine: [], checkpoints: []))
            }
            try LocalLedger.expectStored(expected, in: team, "batches of \(size)")
        }
    }
}
