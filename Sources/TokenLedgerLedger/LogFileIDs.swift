import GRDB

/// The `log_file` ids of the paths records came from, for one insert: each distinct path is looked
/// up (and added when new) once; consecutive rows from the same file reuse the last id without hashing
/// the path. A path is stored once in `log_file`; `usage_record.source_file_id` refers to it.
struct LogFileIDs {
    private var ids: [String: Int64] = [:]
    private var last: (path: String, id: Int64)?

    /// The id of `path` (nil for a record without a file), adding the path to `log_file` if new.
    mutating func id(for path: String?, in db: Database) throws -> Int64? {
        guard let path else { return nil }
        if let last, last.path == path { return last.id }
        let id: Int64
        if let known = ids[path] {
            id = known
        } else {
            try db.execute(sql: "INSERT INTO log_file (path) VALUES (?) ON CONFLICT(path) DO NOTHING", arguments: [path])
            guard let stored = try Int64.fetchOne(db, sql: "SELECT id FROM log_file WHERE path = ?", arguments: [path]) else {
                throw DatabaseError(resultCode: .SQLITE_ERROR, message: "log_file has no row for \(path)")
            }
            id = stored
            ids[path] = id
        }
        last = (path, id)
        return id
    }
}
