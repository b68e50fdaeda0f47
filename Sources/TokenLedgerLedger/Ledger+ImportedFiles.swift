import Foundation
import GRDB

/// A log file the ledger has read, and when it last read it (for `tokenledger sources`).
public struct ImportedFile: Sendable, Hashable {
    /// Absolute, standardized path.
    public var path: String
    /// The format it was read as.
    public var format: String
    /// When its checkpoint was last written.
    public var lastRead: Date

    public init(path: String, format: String, lastRead: Date) {
        self.path = path
        self.format = format
        self.lastRead = lastRead
    }
}

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
