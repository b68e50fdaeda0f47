import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// The binary COPY data a record becomes (no server needed): PostgreSQL's "PGCOPY" header, one row
/// of every column in `recordColumns` order, each value with its length in the column type's binary
/// form (big-endian integers, one byte per flag, UTF-8 text as is, -1 for NULL), then the -1 trailer.
@Suite("a record as a binary COPY row")
struct CopyRowTests {
    /// A field as the test reads it back: SQL NULL or a value of one of the staging table's types.
    enum Field: Equatable {
        case null, text(String), integer(Int32), bigint(Int64), boolean(Bool)
        /// A name column's id (migration v15), read back as the name the test gave that id.
        case name(String)
    }

    @Test("header, text with tabs and newlines, NULLs, negative and large numbers, flags, trailer")
    func row() throws {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_793_000_000.123), provider: "openai", model: "gpt-4o",
            tokens: TokenCounts(input: 12, output: 3, reasoning: 9_223_372_036_854_775_807),
            units: UnitCounts(audioSeconds: 754, characters: 123_457), source: "openai-chat",
            project: "x\\y", tags: ["team": "core"], reportedCost: Money(picodollars: -5), requestID: "req\n1\r",
            repository: "github.com/acme/shop", branch: "feature/a\tb")
        let stored = StoredRecord(
            id: 0, entry: LedgerEntry(record: record, dedupKey: "openai:k1", location: SourceLocation(file: "/logs/a\tb.jsonl", line: 7), supersedeRank: 3),
            modelID: "gpt-4o-2024-08-06", cost: Money(picodollars: 1_234_567), unpricedReason: nil, pricePeriod: "2024-08-06",
            priceLayers: ["user:mine.toml", "openai"], importedAt: Date(timeIntervalSince1970: 1_793_000_001))
        var copy = PostgresBinaryCopy()
        var names = NameLookup()
        CopyRow.append(stored, machine: "alice-laptop", names: &names, to: &copy)
        // Every name is new to the lookup: written as a placeholder, listed in the row's order.
        #expect(copy.unresolvedNames.count == 9)
        #expect(names.pending.map { String(decoding: $0, as: UTF8.self) } == [
            "openai", "gpt-4o", "gpt-4o-2024-08-06", "unknown", "2024-08-06", "user:mine.toml,openai", "openai-chat",
            "/logs/a\tb.jsonl", "alice-laptop",
        ])
        let ids = copy.resolvedForTest(names.pending)
        #expect(copy.unresolvedNames.isEmpty)
        // With those ids known beforehand, the row is written with them and nothing is left to resolve.
        var known = NameLookup(table: NameTable(adding: Dictionary(uniqueKeysWithValues: ids.map { (Array($0.value.utf8), $0.key) }), to: nil))
        var direct = PostgresBinaryCopy()
        CopyRow.append(stored, machine: "alice-laptop", names: &known, to: &direct)
        #expect(direct.unresolvedNames.isEmpty && known.pending.isEmpty)
        let bytes = copy.finished()
        #expect(direct.finished() == bytes)

        // The 19-byte header: signature, flags 0, no extension.
        #expect(Array(bytes.prefix(11)) == Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        #expect(Array(bytes[11..<19]) == [0, 0, 0, 0, 0, 0, 0, 0])
        // The trailer: a field count of -1.
        #expect(Array(bytes.suffix(2)) == [0xFF, 0xFF])

        let expected: [Field] = [
            .text("openai:k1"), .integer(3), .bigint(1_793_000_000_123), .name("openai"), .name("gpt-4o"), .name("gpt-4o-2024-08-06"),
            .name("unknown"), .null, .boolean(false), .null,
            .bigint(12), .bigint(0), .bigint(0), .bigint(0), .bigint(3), .bigint(9_223_372_036_854_775_807), .bigint(0), .bigint(0),
            .bigint(0), .bigint(0), .bigint(0), .bigint(0), .bigint(1), .boolean(false),
            .bigint(1_234_567), .null, .name("2024-08-06"), .name("user:mine.toml,openai"), .bigint(-5), .name("openai-chat"),
            .name("/logs/a\tb.jsonl"), .bigint(7), .text("x\\y"), .null, .text("req\n1\r"), .null, .text(#"{"team":"core"}"#),
            .name("alice-laptop"), .bigint(1_793_000_001_000), .text("github.com/acme/shop"), .text("feature/a\tb"),
            .bigint(754), .bigint(123_457),
        ]
        #expect(expected.count == TeamLedger.recordColumns.count)
        let row = try Self.fields(of: Array(bytes[19..<(bytes.count - 2)]), like: expected, names: ids)
        #expect(row == expected)
    }

    @Test("a row longer than the room first tried (2 KiB) is written whole, the same from a stored record and from an import batch")
    func longRow() throws {
        let project = String(repeating: "p", count: 3_000)
        let tag = String(repeating: "é", count: 2_500)
        let record = UsageRecord(timestamp: Date(timeIntervalSince1970: 1_793_000_000), provider: "openai", model: "gpt-4o",
                                 tokens: TokenCounts(input: 5, output: 2), source: "openai-chat", project: project, tags: ["long": tag])
        let entry = LedgerEntry(record: record, dedupKey: "openai:long", location: SourceLocation(file: "/l.jsonl", line: 1), supersedeRank: 0)
        let batch = PricedBatch([(entry, LocalLedger.prices.cost(of: record))], now: LocalLedger.start)
        var fromBatch = RecordRows(capacity: 1)
        var machine = "m"
        machine.withUTF8 { name in batch.forEachRow { fromBatch.append($0, machine: UnsafeRawBufferPointer(name)) } }
        var fromStored = RecordRows(capacity: 1)
        for stored in batch.storedRecords { fromStored.append(stored, machine: "m") }
        #expect(fromBatch.placeholders == fromStored.placeholders)
        let ids = fromBatch.copy.resolvedForTest(fromBatch.names.pending)
        _ = fromStored.copy.resolvedForTest(fromStored.names.pending)
        let bytes = fromBatch.copy.finished()
        #expect(bytes == fromStored.copy.finished())
        #expect(bytes.count > 3_000 + 2 * 2_500)
        // Read back: the project and the tags are whole.
        let row = Array(bytes[19..<(bytes.count - 2)])
        let kinds: [Field] = TeamLedger.recordColumns.map { column in
            switch column {
            case "supersede_rank": .integer(0)
            case "is_batch", "is_aggregate": .boolean(false)
            case "ts", "source_line", "imported_at", "cost_pusd", "reported_cost_pusd", "audio_seconds", "characters": .bigint(0)
            case _ where column.hasSuffix("_tokens") || column.hasSuffix("_calls") || column.hasSuffix("_generated") || column == "request_count": .bigint(0)
            case _ where TeamLedgerSchema.nameColumns.contains(column): .name("")
            default: .text("")
            }
        }
        let fields = try Self.fields(of: row, like: kinds, names: ids)
        #expect(fields[TeamLedger.recordColumns.firstIndex(of: "project")!] == .text(project))
        #expect(fields[TeamLedger.recordColumns.firstIndex(of: "tags")!] == .text("{\"long\":\"\(tag)\"}"))
        #expect(fields[TeamLedger.recordColumns.firstIndex(of: "machine")!] == .name("m"))
        #expect(fields[TeamLedger.recordColumns.firstIndex(of: "source_file")!] == .name("/l.jsonl"))
    }

    @Test("push's rows read straight from SQLite are the bytes of the same records read back and appended")
    func localRowsMatchStoredRecords() throws {
        // Varied records (unpriced, tags, reported costs, odd texts, channels "" and nil), plus records
        // without a source location and with a higher supersede rank.
        var entries = LocalLedger.entries(300)
        for n in 0..<20 {
            var entry = LocalLedger.entries(1, prefix: "noloc", from: n)[0]
            entry.location = nil
            entry.supersedeRank = n
            entries.append(entry)
        }
        let local = try LocalLedger.make(entries)
        let stored = try local.storedRecords()
        #expect(stored.count == 320)
        var expected = RecordRows(capacity: 0)
        for record in stored.dropFirst(5).prefix(200) { expected.append(record, machine: "bob") }
        let page = try #require(try TeamLedger.readRows(local, after: stored[4].id, limit: 200, machine: "bob"))
        #expect(page.rows.count == 200 && page.lastID == stored[204].id && page.lastKey == stored[204].entry.dedupKey)
        #expect(page.rows.placeholders == expected.placeholders && !expected.copy.unresolvedNames.isEmpty)
        #expect(page.rows.copy.finished() == expected.copy.finished())
        #expect(page.rows.unpriced.map { "\($0)" } == expected.unpriced.map { "\($0)" } && !expected.unpriced.isEmpty)
        // The rest, through the replaced-rows filter (every row was imported just now), then nothing.
        var rest = RecordRows(capacity: 0)
        for record in stored.dropFirst(205) { rest.append(record, machine: "bob") }
        let replaced = try #require(try TeamLedger.readRows(local, after: stored[204].id, replacedSince: (stored[319].id, 0), limit: 500, machine: "bob"))
        #expect(replaced.rows.placeholders == rest.placeholders)
        #expect(replaced.rows.copy.finished() == rest.copy.finished() && replaced.rows.count == 115)
        #expect(try TeamLedger.readRows(local, after: stored[319].id, limit: 10, machine: "bob") == nil)
        #expect(try TeamLedger.readRows(local, after: 0, replacedSince: (stored[319].id, Int64.max), limit: 10, machine: "bob") == nil)
    }

    @Test("an import batch's rows copied from its computed columns are the bytes of its stored records appended")
    func importRowsMatchStoredRecords() throws {
        // Varied records (priced with layers and unpriced, tags, reported costs, odd texts, channels ""
        // and nil, repositories and branches), plus records without a source location and ranked higher.
        var entries = LocalLedger.entries(300)
        for n in 0..<20 {
            var entry = LocalLedger.entries(1, prefix: "noloc", from: n)[0]
            entry.location = nil
            entry.supersedeRank = n
            entries.append(entry)
        }
        let batch = PricedBatch(entries.map { ($0, LocalLedger.prices.cost(of: $0.record)) }, now: LocalLedger.start)
        var expected = RecordRows(capacity: 0)
        for record in batch.storedRecords { expected.append(record, machine: "bob") }
        var rows = RecordRows(capacity: 0)
        var machine = "bob"
        machine.withUTF8 { name in batch.forEachRow { rows.append($0, machine: UnsafeRawBufferPointer(name)) } }
        #expect(rows.count == 320 && expected.count == 320)
        #expect(rows.placeholders == expected.placeholders && !expected.copy.unresolvedNames.isEmpty)
        #expect(rows.copy.finished() == expected.copy.finished())
        #expect(rows.unpriced.map { "\($0)" } == expected.unpriced.map { "\($0)" } && !expected.unpriced.isEmpty)
        #expect(Set(batch.dedupHashes).count == 320)
    }

    @Test("a batch sent in key order: rows sorted by their dedup keys' bytes, each whole and with the id of its place in the batch")
    func keyOrderedRows() throws {
        // Keys sharing a long prefix, differing only after the first 8 bytes past it, one a prefix of
        // another, and non-ASCII (UTF-8 bytes sort after ASCII letters), in no order.
        let keys = ["openai:chatcmpl-b", "openai:chatcmpl-abcdefgh2", "openai:chatcmpl-abcdefgh10", "openai:chatcmpl-a",
                    "openai:chatcmpl-é", "openai:chatcmpl-abcdefgh1", "openai:chatcmpl-z", "openai:chatcmpl-abcdefgh", "openai:chatcmpl-A"]
        var rows = RecordRows(capacity: keys.count)
        for (n, key) in keys.enumerated() {
            let record = UsageRecord(timestamp: Date(timeIntervalSince1970: 1_793_000_000 + Double(n)), provider: "openai", model: "gpt-4o",
                                     tokens: TokenCounts(input: n, output: 1), source: "openai-chat")
            rows.append(StoredRecord(id: 0, entry: LedgerEntry(record: record, dedupKey: key, location: nil, supersedeRank: 0), modelID: nil,
                                     cost: nil, unpricedReason: "test", pricePeriod: nil, priceLayers: [],
                                     importedAt: Date(timeIntervalSince1970: 1_793_000_001)), machine: "m")
        }
        let data = rows.copy.finished()
        let ids = keys.indices.map { Int64(500 + $0) }
        let ordered = RecordRows.keyOrdered(data, ends: rows.rowEnds, ids: ids)

        func integer(_ bytes: ArraySlice<UInt8>) -> Int { bytes.reduce(0) { $0 << 8 | Int($1) } }
        #expect(Array(ordered.prefix(19)) == Array(data.prefix(19)) && Array(ordered.suffix(2)) == [0xFF, 0xFF])
        var at = 19
        var sent: [(key: String, id: Int64)] = []
        while at < ordered.count - 2 {
            #expect(integer(ordered[at..<(at + 2)]) == TeamLedger.recordColumns.count + 1)
            #expect(integer(ordered[(at + 2)..<(at + 6)]) == 8)
            let id = Int64(integer(ordered[(at + 6)..<(at + 14)]))
            let index = try #require(ids.firstIndex(of: id))
            // The rest is the batch's row `index` as it was, from its first field on.
            let original = data[RecordRows.row(index, of: data, ends: rows.rowEnds)].dropFirst(2)
            #expect(Array(ordered[(at + 14)..<(at + 14 + original.count)]) == Array(original))
            sent.append((keys[index], id))
            at += 14 + original.count
        }
        #expect(at == ordered.count - 2)
        #expect(sent.map(\.key) == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(sent.map(\.key).first == "openai:chatcmpl-A" && sent.map(\.key).last == "openai:chatcmpl-é")
    }

    /// Reads one row back, each field as the type `like` expects there (its length must fit the type).
    /// `names`: the id each name was given (`resolvedForTest`).
    static func fields(of row: [UInt8], like expected: [Field], names: [Int32: String] = [:]) throws -> [Field] {
        func integer(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        var at = 0
        let count = Int(integer(row[0..<2]))
        at = 2
        var fields: [Field] = []
        for index in 0..<count {
            let length = Int32(bitPattern: UInt32(integer(row[at..<(at + 4)])))
            at += 4
            if length == -1 { fields.append(.null); continue }
            let value = row[at..<(at + Int(length))]
            at += Int(length)
            switch expected[index] {
            case .integer: try #require(length == 4); fields.append(.integer(Int32(bitPattern: UInt32(integer(value)))))
            case .bigint: try #require(length == 8); fields.append(.bigint(Int64(bitPattern: integer(value))))
            case .boolean: try #require(length == 1); fields.append(.boolean(value.first == 1))
            case .name:
                try #require(length == 4)
                fields.append(.name(try #require(names[Int32(bitPattern: UInt32(integer(value)))])))
            case .text, .null: fields.append(.text(String(decoding: value, as: UTF8.self)))
            }
        }
        #expect(at == row.count)
        return fields
    }
}

extension RecordRows {
    /// The placeholders, each as its place and name (comparable across two encodings).
    var placeholders: [String] {
        copy.unresolvedNames.map { "\($0.offset) \(String(decoding: names.pending[Int($0.name)], as: UTF8.self))" }
    }
}

extension PostgresBinaryCopy {
    /// Resolves the placeholders as a server would, giving pending name `i` (of `pending`) the id
    /// `i + 1`; returns the names by id.
    mutating func resolvedForTest(_ pending: [[UInt8]]) -> [Int32: String] {
        resolve(pending.indices.map { Int32($0 + 1) })
        return Dictionary(uniqueKeysWithValues: pending.enumerated().map { (Int32($0.offset + 1), String(decoding: $0.element, as: UTF8.self)) })
    }
}
