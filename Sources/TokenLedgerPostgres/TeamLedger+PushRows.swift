import Foundation
import GRDB
import GRDBSQLite
import TokenLedgerCore
import TokenLedgerLedger

/// One page of a local SQLite ledger's rows, read straight into the team ledger's binary COPY rows:
/// the last row's id and dedup key move the push cursor.
struct LocalPage: Sendable {
    var rows: RecordRows
    var lastID: Int64
    var lastKey: String
}

extension TeamLedger {
    /// Up to `limit` local rows with ids above `after` (and, with `replacedSince`, at or below its
    /// `throughID` and imported at or after its `importedSince`, Unix milliseconds), in id order, as
    /// COPY rows written by `machine`; nil when there are none.
    ///
    /// The values go from SQLite's columns into the COPY buffer without a `StoredRecord` or a GRDB
    /// `Row` in between, each converted as `CopyRow.append(_:machine:to:)` converts a `StoredRecord`
    /// read back by `StoredRecord.init(row:)` (CopyRowTests holds the two to the same bytes).
    ///
    /// Performance notes: building `StoredRecord`s through GRDB's rows was 18.6 % of a push's CPU and
    /// the record then copied into the buffer a second time; here each text goes from SQLite's page
    /// to the buffer once. Tags are read back through the JSON parser and written as the import
    /// writes them (sorted keys), as the record path did; they are rare.
    /// `buffers`: where the page's COPY buffer is taken from (`CopyBufferPool`), if anywhere.
    static func readRows(_ local: Ledger, after: Int64, replacedSince: (throughID: Int64, importedSince: Int64)? = nil,
                         limit: Int, machine: String, buffers: CopyBufferPool? = nil,
                         names: NameLookup = NameLookup()) throws(TeamLedgerError) -> LocalPage? {
        do {
            return try local.reader.read { db in
                try readRows(db, after: after, replacedSince: replacedSince, limit: limit, machine: machine, buffer: buffers?.take() ?? [],
                             names: names)
            }
        } catch let error as TeamLedgerError {
            throw error
        } catch {
            throw TeamLedgerError.localLedger(reason: "cannot read the local ledger (\(error)); check the path given with --from.")
        }
    }

    private static func readRows(_ db: Database, after: Int64, replacedSince: (throughID: Int64, importedSince: Int64)?,
                                 limit: Int, machine: String, buffer: [UInt8], names: NameLookup) throws -> LocalPage? {
        let filter = replacedSince == nil ? "usage_record.id > ?"
            : "usage_record.id > ? AND usage_record.id <= ? AND usage_record.imported_at >= ?"
        let statement = try db.makeStatement(sql: "\(StoredRecord.selectSQL) WHERE \(filter) ORDER BY usage_record.id LIMIT ?")
        let stmt = statement.sqliteStatement
        var index: Int32 = 1
        for value in [after] + (replacedSince.map { [$0.throughID, $0.importedSince] } ?? []) + [Int64(limit)] {
            sqlite3_bind_int64(stmt, index, value)
            index += 1
        }
        var rows = RecordRows(capacity: limit, reusing: buffer, names: names)
        var lastID: Int64 = 0
        var lastKey: [UInt8] = []
        while true {
            let code = sqlite3_step(stmt)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
            }
            lastID = sqlite3_column_int64(stmt, 0)
            lastKey.removeAll(keepingCapacity: true)
            if let key = RawColumn.bytes(stmt, 1) { lastKey.append(contentsOf: key) }
            rows.appended(unpricedCause: appendRow(stmt, machine: machine, names: &rows.names, to: &rows.copy))
        }
        guard rows.count > 0 else { return nil }
        return LocalPage(rows: rows, lastID: lastID, lastKey: String(decoding: lastKey, as: UTF8.self))
    }

    /// Appends the current row of `stmt` (selected as `StoredRecord.selectSQL` lists the columns) as
    /// one COPY row; returns its unpriced cause when it has no cost.
    private static func appendRow(_ stmt: OpaquePointer, machine: String, names: inout NameLookup,
                                  to copy: inout PostgresBinaryCopy) -> (reason: String?, model: String, requests: Int)? {
        func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }
        func optionalInt(_ column: Int32) -> Int64? { sqlite3_column_type(stmt, column) == SQLITE_NULL ? nil : int(column) }
        let cost = optionalInt(25)
        copy.appendRow(fields: TeamLedger.recordColumns.count) { copy in
            func text(_ column: Int32) { copy.text(utf8: RawColumn.bytes(stmt, column)) }
            func name(_ column: Int32, _ field: NameField) { copy.name(utf8: RawColumn.bytes(stmt, column), field, &names) }
            text(1)                                          // dedup_key
            copy.int32(Int32(clamping: int(2)))              // supersede_rank
            copy.int64(int(3))                               // ts
            name(4, .provider); name(5, .model); name(6, .modelID)
            if let effort = RawColumn.bytes(stmt, 7), !effort.isEmpty,
               effort.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }) {
                copy.name(utf8: effort, .effort, &names)     // effort, as stored (already EffortTier's form)
            } else {
                copy.name(EffortTier(RawColumn.string(stmt, 7)).rawValue, .effort, &names)
            }
            name(8, .serviceTier)
            copy.bool(int(9) != 0)                           // is_batch
            text(10)                                         // channel
            for column in Int32(11)...23 { copy.int64(int(column)) } // tokens, web searches, images, requests
            copy.bool(int(24) != 0)                          // is_aggregate
            copy.int64(cost)                                 // cost_pusd
            text(26); name(27, .pricePeriod)                 // unpriced_reason, price_period
            if let layers = RawColumn.bytes(stmt, 28), Self.isPlainList(layers) {
                copy.name(utf8: layers, .priceLayers, &names) // price_layers
            } else {
                let layers = RawColumn.string(stmt, 28).map { $0.split(separator: ",").map(String.init) } ?? []
                copy.name(layers.isEmpty ? nil : layers.joined(separator: ","), .priceLayers, &names)
            }
            copy.int64(optionalInt(29))                      // reported_cost_pusd
            name(30, .source)
            let file = RawColumn.bytes(stmt, 31)
            copy.name(utf8: file, .sourceFile, &names)
            copy.int64(file == nil ? nil : (optionalInt(32) ?? 0)) // source_line (a record's location has a line when it has a file)
            text(33); text(34); text(35); text(36)           // project, session_id, request_id, api_key_hash
            if let tags = RawColumn.string(stmt, 37) {
                var values: [String: String] = [:]
                if let object = (try? JSONParser.parse(tags))?.object {
                    for (key, value) in object { values[key] = value.string ?? value.serialized() }
                }
                copy.text(CopyRow.tagsJSON(values))          // tags
            } else {
                copy.null()
            }
            copy.name(machine, .machine, &names)
            copy.int64(int(38))                              // imported_at
            text(41); text(42)                               // repository, branch
            copy.int64(int(39)); copy.int64(int(40))         // audio_seconds, characters
        }
        guard cost == nil else { return nil }
        return (RawColumn.string(stmt, 26), RawColumn.string(stmt, 6) ?? RawColumn.string(stmt, 5) ?? "", Int(int(23)))
    }

    /// True when `layers` is a non-empty comma-separated list with no empty item (splitting and
    /// joining it would give it back unchanged).
    private static func isPlainList(_ layers: UnsafeRawBufferPointer) -> Bool {
        guard let first = layers.first, let last = layers.last, first != 0x2C, last != 0x2C else { return false }
        var previousComma = false
        for byte in layers {
            if byte == 0x2C, previousComma { return false }
            previousComma = byte == 0x2C
        }
        return true
    }
}

/// A column of the current row of a raw SQLite statement.
private enum RawColumn {
    /// The text's UTF-8 bytes (valid until the statement steps on), nil for NULL.
    static func bytes(_ stmt: OpaquePointer, _ column: Int32) -> UnsafeRawBufferPointer? {
        guard let pointer = sqlite3_column_text(stmt, column) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(stmt, column)))
    }

    static func string(_ stmt: OpaquePointer, _ column: Int32) -> String? {
        bytes(stmt, column).map { String(decoding: $0, as: UTF8.self) }
    }
}
