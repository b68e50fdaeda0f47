import GRDB
import GRDBSQLite

/// Binds values to a raw SQLite statement by position, without boxing them (the insert hot path).
struct SQLiteBinder {
    let statement: OpaquePointer
    var index: Int32 = 1
    /// What the parameters hold already, to skip rebinding an equal integer or NULL; nil binds every value.
    var bound: BoundValues?

    static func error(_ code: Int32, _ db: Database) -> DatabaseError {
        let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }

    mutating func bind(_ value: Int64?) {
        if bound?.holds(value, at: index) != true {
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
            bound?.record(value, at: index)
        }
        index += 1
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }
}


/// The integer or NULL each parameter of one prepared statement was last bound to, so that binding the
/// next rows can skip a parameter that already holds the same value (SQLite keeps bindings across
/// `sqlite3_reset`). In a 16-row insert, row k's columns are compared with row k's of the statement
/// before: about half of a chat record's 39 columns (the source file, the import time, NULLs, zero
/// counts) repeat, and each `sqlite3_bind_*` call costs ~100 instructions. Texts are always bound
/// again (they point into the row's own buffer), but a NULL text is recorded as NULL. Valid for one
/// statement while nothing else binds or clears it: made afresh for each batch.
final class BoundValues {
    // Raw buffers, not arrays: arrays in a class cost an exclusivity check and a uniqueness check
    // per access, which made skipping a bind dearer than binding.
    private static let unknown: UInt8 = 0, null: UInt8 = 1, integer: UInt8 = 2
    private let held: UnsafeMutablePointer<UInt8>
    private let integers: UnsafeMutablePointer<Int64>
    private let count: Int

    init(parameters: Int) {
        count = parameters + 1
        held = .allocate(capacity: count)
        held.initialize(repeating: BoundValues.unknown, count: count)
        integers = .allocate(capacity: count)
        integers.initialize(repeating: 0, count: count)
    }

    deinit {
        held.deallocate()
        integers.deallocate()
    }

    /// Parameter `index` (1-based) holds `value` already.
    @inline(__always)
    func holds(_ value: Int64?, at index: Int32) -> Bool {
        let i = Int(index)
        guard i < count else { return false }
        guard let value else { return held[i] == BoundValues.null }
        return held[i] == BoundValues.integer && integers[i] == value
    }

    /// Parameter `index` was just bound to `value`.
    @inline(__always)
    func record(_ value: Int64?, at index: Int32) {
        let i = Int(index)
        guard i < count else { return }
        if let value {
            held[i] = BoundValues.integer
            integers[i] = value
        } else {
            held[i] = BoundValues.null
        }
    }

    /// Parameter `index` was just bound to a text (or a NULL text, `isNull`).
    @inline(__always)
    func recordText(isNull: Bool, at index: Int32) {
        let i = Int(index)
        guard i < count else { return }
        held[i] = isNull ? BoundValues.null : BoundValues.unknown
    }
}
