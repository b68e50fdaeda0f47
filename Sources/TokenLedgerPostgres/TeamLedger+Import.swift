import Foundation
import PostgresNIO
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

/// What `import --db postgres://` stores besides records: this machine's file checkpoints and
/// quarantined lines (paths only mean something on the machine that read them, so both are kept per
/// machine), written in the same transaction as the records read with them.
extension TeamLedger {
    /// This machine's checkpoints of `paths` (absent paths left out). Cost: one indexed query per
    /// 1,000 paths.
    public func checkpoints(forPaths paths: [String]) async throws(TeamLedgerError) -> [String: FileCheckpoint] {
        try await run {
            var found: [String: FileCheckpoint] = [:]
            var start = 0
            while start < paths.count {
                let chunk = Array(paths[start..<min(paths.count, start + 1_000)])
                start += chunk.count
                let rows = try await connection.query("""
                    SELECT path, format, device, inode, size, mtime_ns, head_sha, "offset", line, state
                    FROM import_file WHERE machine = \(machine) AND path = ANY(\(chunk))
                    """, logger: logger)
                for try await (path, format, device, inode, size, mtime, head, offset, line, state) in rows.decode(
                    (String, String, Int64?, Int64?, Int64, Int64, String?, Int64, Int64, String?).self) {
                    found[path] = FileCheckpoint(
                        path: path, format: format, device: device, inode: inode, size: size, mtimeNanoseconds: mtime,
                        headSHA: head, offset: offset, line: Int(line), state: state.flatMap { try? JSONParser.parse($0) })
                }
            }
            return found
        }
    }

    /// Stores one import batch as written by this machine, in one transaction under the write lock:
    /// its records (the push upsert: a new key added, a stored one replaced only by a strictly higher
    /// supersede rank), its quarantined lines (each once) and its checkpoints — all or none.
    /// Cost: one COPY + upsert for the records, one statement per 1,000 quarantined lines or checkpoints.
    public func store(_ batch: ImportBatch, now: Date = Date()) async throws(TeamLedgerError) -> InsertCounts {
        let records = batch.records.storedRecords
        let machine = self.machine
        let millis = CopyRow.milliseconds(now)
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(TeamLedgerSchema.writeLock))", logger: self.logger)
            let counts = try await TeamLedger.upsert(records, machine: machine, on: connection, logger: self.logger)
            try await TeamLedger.insertRows(
                "INSERT INTO quarantine (machine, source_file, line, byte_offset, byte_length, format, reason, line_sha, first_seen)",
                batch.quarantine, suffix: "ON CONFLICT DO NOTHING", on: connection, logger: self.logger) { q, binds in
                binds.append(machine); binds.append(q.file); binds.append(Int64(q.line)); binds.append(q.byteOffset)
                binds.append(q.byteLength.map(Int64.init)); binds.append(q.format); binds.append(q.reason)
                binds.append(q.lineSHA); binds.append(millis)
            }
            try await TeamLedger.insertRows(
                "INSERT INTO import_file (machine, path, format, device, inode, size, mtime_ns, head_sha, \"offset\", line, state, updated_at)",
                batch.checkpoints, suffix: """
                    ON CONFLICT (machine, path) DO UPDATE SET format = excluded.format, device = excluded.device,
                        inode = excluded.inode, size = excluded.size, mtime_ns = excluded.mtime_ns, head_sha = excluded.head_sha,
                        "offset" = excluded."offset", line = excluded.line, state = excluded.state, updated_at = excluded.updated_at
                    """, on: connection, logger: self.logger) { c, binds in
                binds.append(machine); binds.append(c.path); binds.append(c.format); binds.append(c.device); binds.append(c.inode)
                binds.append(c.size); binds.append(c.mtimeNanoseconds); binds.append(c.headSHA); binds.append(c.offset)
                binds.append(Int64(c.line)); binds.append(c.state?.serialized()); binds.append(millis)
            }
            return counts
        }
    }

    /// Runs `insert VALUES (…), (…) suffix` for `items`, 1,000 rows per statement (PostgreSQL allows
    /// 65,535 parameters a statement). `bind` appends one row's values.
    private static func insertRows<Item>(_ insert: String, _ items: [Item], suffix: String, on connection: PostgresConnection,
                                         logger: Logger, bind: (Item, inout PostgresBindings) -> Void) async throws {
        var start = 0
        while start < items.count {
            let chunk = items[start..<min(items.count, start + 1_000)]
            start += chunk.count
            var binds = PostgresBindings()
            var rows: [String] = []
            rows.reserveCapacity(chunk.count)
            for item in chunk {
                let first = binds.count + 1
                bind(item, &binds)
                rows.append("(" + (first...binds.count).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            try await connection.query(PostgresQuery(unsafeSQL: "\(insert) VALUES \(rows.joined(separator: ", ")) \(suffix)", binds: binds), logger: logger)
        }
    }

    /// This machine's quarantined lines, by file and line number (for `import --quarantine`).
    public func quarantinedLines() async throws(TeamLedgerError) -> [QuarantinedLine] {
        try await run {
            var lines: [QuarantinedLine] = []
            let rows = try await connection.query("""
                SELECT source_file, line, byte_offset, byte_length, format, reason, line_sha, first_seen
                FROM quarantine WHERE machine = \(machine) ORDER BY source_file, line, id
                """, logger: logger)
            for try await (file, line, offset, length, format, reason, sha, firstSeen) in rows.decode(
                (String, Int64, Int64?, Int64?, String, String, String, Int64).self) {
                lines.append(QuarantinedLine(
                    file: file, line: Int(line), byteOffset: offset, byteLength: length.map(Int.init), format: format,
                    reason: reason, lineSHA: sha, firstSeen: Date(timeIntervalSince1970: TimeInterval(firstSeen) / 1000)))
            }
            return lines
        }
    }
}
