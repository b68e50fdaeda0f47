import Foundation
import GRDB
import TokenLedgerCore

/// A line that should have been usage but could not be read: where it is and why, with a fingerprint
/// of its bytes — never its text (it may hold a prompt). `tokenledger import --quarantine` reads the
/// text back from the file while it still exists.
public struct QuarantinedLine: Sendable, Hashable {
    public var file: String
    /// 1-based line number (for a whole-document format, the line the adapter named).
    public var line: Int
    /// Where the line starts in the file, and its length without the terminator, when known.
    public var byteOffset: Int64?
    public var byteLength: Int?
    /// The `--format` that could not read it.
    public var format: String
    public var reason: String
    /// Lower-case hex SHA-256 of the line's bytes, to tell whether the file still holds the same line.
    public var lineSHA: String
    /// When it was first quarantined (set by the ledger).
    public var firstSeen: Date?

    package init(file: String, line: Int, byteOffset: Int64?, byteLength: Int?, format: String, reason: String,
                lineSHA: String, firstSeen: Date? = nil) {
        self.file = file
        self.line = line
        self.byteOffset = byteOffset
        self.byteLength = byteLength
        self.format = format
        self.reason = reason
        self.lineSHA = lineSHA
        self.firstSeen = firstSeen
    }
}

extension Ledger {
    /// Stores quarantined lines inside the caller's transaction. A line already quarantined (same file,
    /// line number and fingerprint) is not stored twice. Returns how many rows were new.
    @discardableResult
    package static func quarantine(_ lines: [QuarantinedLine], now: Date = Date(), in db: Database) throws -> Int {
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO quarantine (source_file, line, byte_offset, byte_length, format, reason, line_sha, first_seen)
            VALUES (?,?,?,?,?,?,?,?)
            """)
        let millis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        var added = 0
        for q in lines {
            try statement.execute(arguments: [q.file, q.line, q.byteOffset, q.byteLength, q.format, q.reason, q.lineSHA, millis])
            added += db.changesCount
        }
        return added
    }

    /// Every quarantined line, by file and line number. Cost: one scan of the (small) quarantine table.
    public func quarantinedLines() throws -> [QuarantinedLine] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY source_file, line, id").map { row in
                let firstSeen: Int64 = row["first_seen"]
                return QuarantinedLine(
                    file: row["source_file"], line: row["line"], byteOffset: row["byte_offset"],
                    byteLength: row["byte_length"], format: row["format"], reason: row["reason"],
                    lineSHA: row["line_sha"], firstSeen: Date(timeIntervalSince1970: TimeInterval(firstSeen) / 1000))
            }
        }
    }
}
