import Foundation
import GRDB
import TokenLedgerCore

/// How far one log file has been read: its identity when last read (device, inode, SHA-256 of its
/// first bytes), its size and modification time, the bytes and lines consumed, and the adapter's state.
/// The import pipeline compares a file against its checkpoint to skip it, continue it, or re-read it.
public struct FileCheckpoint: Sendable, Hashable {
    /// Bytes hashed for `headSHA`: at most this many from the start of the file.
    package static let headLength = 4096

    /// Absolute, standardized path.
    public var path: String
    /// The adapter (`--format` name) that read it.
    public var format: String
    public var device: Int64?
    public var inode: Int64?
    /// Size in bytes when last read.
    public var size: Int64
    /// Modification time when last read, nanoseconds since the Unix epoch.
    public var mtimeNanoseconds: Int64
    /// Lower-case hex SHA-256 of the first `min(size, headLength)` bytes.
    public var headSHA: String?
    /// Bytes consumed: complete lines only, so the next run starts at a line boundary.
    public var offset: Int64
    /// Lines consumed (the number of the last complete line read).
    public var line: Int
    /// The parser's saved state, handed back to the adapter when the file is continued.
    public var state: JSONValue?

    package init(path: String, format: String, device: Int64?, inode: Int64?, size: Int64, mtimeNanoseconds: Int64,
                headSHA: String?, offset: Int64, line: Int, state: JSONValue?) {
        self.path = path
        self.format = format
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.headSHA = headSHA
        self.offset = offset
        self.line = line
        self.state = state
    }

    init(row: Row) {
        let stateText: String? = row["state"]
        self.init(
            path: row["path"], format: row["format"], device: row["device"], inode: row["inode"],
            size: row["size"], mtimeNanoseconds: row["mtime_ns"], headSHA: row["head_sha"],
            offset: row["offset"], line: row["line"],
            state: stateText.flatMap { try? JSONParser.parse($0) })
    }
}

extension Ledger {
    /// The checkpoint of one file, or nil when it was never read. Cost: one indexed lookup.
    package func checkpoint(forPath path: String) throws -> FileCheckpoint? {
        try reader.read { db in try Ledger.checkpoint(forPath: path, in: db) }
    }

    /// The checkpoints of many files in one read transaction (absent paths are left out).
    /// Cost: one cached indexed lookup per path, so a directory of thousands of logs takes milliseconds.
    public func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] {
        try reader.read { db in
            var found: [String: FileCheckpoint] = [:]
            found.reserveCapacity(paths.count)
            for path in paths {
                if let c = try Ledger.checkpoint(forPath: path, in: db) { found[path] = c }
            }
            return found
        }
    }

    /// Every checkpoint, ordered by path (for `import --quarantine` listings and tests).
    package func allCheckpoints() throws -> [FileCheckpoint] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM import_file ORDER BY path").map(FileCheckpoint.init(row:))
        }
    }

    static func checkpoint(forPath path: String, in db: Database) throws -> FileCheckpoint? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM import_file WHERE path = ?")
        return try Row.fetchOne(statement, arguments: [path]).map(FileCheckpoint.init(row:))
    }

    /// Records (inserting or replacing) a file's checkpoint inside the caller's transaction, so it
    /// commits together with the records read up to it.
    package static func saveCheckpoint(_ checkpoint: FileCheckpoint, now: Date = Date(), in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO import_file (path, format, device, inode, size, mtime_ns, head_sha, offset, line, state, updated_at)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(path) DO UPDATE SET
                format = excluded.format, device = excluded.device, inode = excluded.inode, size = excluded.size,
                mtime_ns = excluded.mtime_ns, head_sha = excluded.head_sha, offset = excluded.offset,
                line = excluded.line, state = excluded.state, updated_at = excluded.updated_at
            """)
        let c = checkpoint
        try statement.execute(arguments: [
            c.path, c.format, c.device, c.inode, c.size, c.mtimeNanoseconds, c.headSHA, c.offset, c.line,
            c.state?.serialized(), Int64((now.timeIntervalSince1970 * 1000).rounded()),
        ])
    }
}
