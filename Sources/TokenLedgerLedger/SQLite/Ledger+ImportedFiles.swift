import Foundation
import GRDB

extension Ledger {
    /// Every file the ledger has read, with the format and time of its last read, ordered by path.
    /// Cost: one scan of the checkpoint table (one row per log file).
    public func importedFiles() throws -> [ImportedFile] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT path, format, updated_at FROM import_file ORDER BY path").map { row in
                let ms: Int64 = row["updated_at"] ?? 0
                return ImportedFile(path: row["path"], format: row["format"],
                                    lastRead: Date(timeIntervalSince1970: TimeInterval(ms) / 1000))
            }
        }
    }
}
