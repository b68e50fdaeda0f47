import Foundation
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger

/// What `import --db postgres://` stores besides records: this machine's file checkpoints and
/// quarantined lines (paths only mean something on the machine that read them, so both are kept per
/// machine), written in the same transaction as the records read with them.
extension TeamLedger {
    /// This machine's checkpoints of `paths` (absent paths left out). Cost: one indexed query per
    /// 1,000 paths.
    public func checkpoints(forPaths paths: [String]) throws(TeamLedgerError) -> [String: FileCheckpoint] {
        try run {
            var found: [String: FileCheckpoint] = [:]
            var start = 0
            while start < paths.count {
                let chunk = Array(paths[start..<min(paths.count, start + 1_000)])
                start += chunk.count
                let rows = try connection.execute("""
                    SELECT path, format, device, inode, size, mtime_ns, head_sha, "offset", line, state
                    FROM import_file WHERE machine = $1 AND path = ANY($2::text[])
                    """, [machine, PostgresTextArray(values: chunk)])
                for row in 0..<rows.count {
                    let path = try rows.requiredText(row, 0)
                    found[path] = FileCheckpoint(
                        path: path, format: try rows.requiredText(row, 1), device: try rows.int64(row, 2), inode: try rows.int64(row, 3),
                        size: try rows.requiredInt64(row, 4), mtimeNanoseconds: try rows.requiredInt64(row, 5), headSHA: rows.text(row, 6),
                        offset: try rows.requiredInt64(row, 7), line: Int(try rows.requiredInt64(row, 8)),
                        state: rows.text(row, 9).flatMap { try? JSONParser.parse($0) })
                }
            }
            return found
        }
    }

    /// Stores one import batch as written by this machine, in one transaction under the write lock:
    /// its records (the push upsert: a new key added, a stored one replaced only by a strictly higher
    /// supersede rank), its quarantined lines (each once) and its checkpoints — all or none.
    /// Cost: one COPY for the records (and an upsert when their keys clash: `store(_:replacing:on:)`), one statement per 1,000 quarantined lines or checkpoints.
    public func store(_ batch: ImportBatch, now: Date = Date()) throws(TeamLedgerError) -> InsertCounts {
        try store(batch, now: now, on: connection, order: .first(holdsLock: nil))
    }

    /// A batch's place in a chain of batches stored one after another on two connections
    /// (`BatchChain`): `own` is the advisory lock key it holds from its first statement until it
    /// ends, `after` the key of the batch before it, whose end it waits for before it takes the write
    /// lock (migration v9, `tokenledger_write_lock()`); `taken` is called once it holds `own`.
    struct BatchTicket {
        var own: Int64
        var after: Int64?
        var taken: () -> Void
    }

    /// Where a batch stands among the batches being stored at once (`BatchChain`).
    enum BatchOrder {
        /// Stored with nothing before it still open: takes the write lock first, then calls `holdsLock`.
        case first(holdsLock: (() -> Void)?)
        /// Stored while the batch before it is open: its records are copied before it holds the write
        /// lock (their rollup triggers take it, v7), everything else after; `previousCommitted` runs
        /// before COMMIT and throws (rolling this batch back) unless the batch before committed.
        case next(previousCommitted: () throws(TeamLedgerError) -> Void)

        /// What runs before the batch's COMMIT (`transaction(on:committing:_:)`).
        var beforeCommit: (() throws(TeamLedgerError) -> Void)? {
            if case .next(let previousCommitted) = self { return previousCommitted }
            return nil
        }
    }

    /// The first statements of a batch of `count` records in `order` with `ticket`, inside its
    /// transaction on `connection`: its ticket taken, then — while the batch's straight COPY is still
    /// possible — ids reserved for its records before the next batch of the chain may start, so ids
    /// follow the chain's order (a batch staged instead leaves them unused); first in order, the write
    /// lock. Returns the reserved ids (nil when none were).
    func beginBatch(_ order: BatchOrder, ticket: BatchTicket?, records count: Int, on connection: PostgresConnection) throws -> [Int64]? {
        var ids: [Int64]?
        if let ticket {
            try connection.execute("SELECT pg_advisory_xact_lock($1), set_config('tokenledger.after_batch', $2, true)",
                                   [ticket.own, ticket.after.map(String.init) ?? ""])
            if !keysMayClash && count > 0 { ids = try Self.reserveIDs(count, on: connection) }
            ticket.taken()
        }
        if case .first(let holdsLock) = order {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock])
            holdsLock?()
        }
        return ids
    }

    /// `store(_:now:)` on `connection`, in `order`, with `ticket` when it is part of a chain;
    /// `distinctKeys` when the batch's dedup hashes are known to be all different (nil: found out here).
    func store(_ batch: ImportBatch, distinctKeys: Bool? = nil, now: Date, on connection: PostgresConnection,
               order: BatchOrder, ticket: BatchTicket? = nil) throws(TeamLedgerError) -> InsertCounts {
        let distinct = distinctKeys ?? (Set(batch.records.dedupHashes).count == batch.records.count)
        let machine = self.machine
        let millis = CopyRow.milliseconds(now)
        return try transaction(on: connection, committing: order.beforeCommit) { connection in
            let ids = try beginBatch(order, ticket: ticket, records: batch.records.count, on: connection)
            let counts = try upsert(batch.records, distinctKeys: distinct, ids: ids, on: connection)
            try connection.execute(TeamLedgerSchema.takeWriteLock) // held already when first
            try TeamLedger.insertRows(
                "INSERT INTO quarantine (machine, source_file, line, byte_offset, byte_length, format, reason, line_sha, first_seen)",
                batch.quarantine, suffix: "ON CONFLICT DO NOTHING", on: connection) { q in
                [machine, q.file, Int64(q.line), q.byteOffset, q.byteLength.map(Int64.init), q.format, q.reason, q.lineSHA, millis]
            }
            try TeamLedger.insertRows(
                "INSERT INTO import_file (machine, path, format, device, inode, size, mtime_ns, head_sha, \"offset\", line, state, updated_at)",
                batch.checkpoints, suffix: """
                    ON CONFLICT (machine, path) DO UPDATE SET format = excluded.format, device = excluded.device,
                        inode = excluded.inode, size = excluded.size, mtime_ns = excluded.mtime_ns, head_sha = excluded.head_sha,
                        "offset" = excluded."offset", line = excluded.line, state = excluded.state, updated_at = excluded.updated_at
                    """, on: connection) { c in
                [machine, c.path, c.format, c.device, c.inode, c.size, c.mtimeNanoseconds, c.headSHA, c.offset,
                 Int64(c.line), c.state?.serialized(), millis]
            }
            return counts
        }
    }

    /// Runs `insert VALUES (…), (…) suffix` for `items`, 1,000 rows per statement (PostgreSQL allows
    /// 65,535 parameters a statement). `values` gives one row's values.
    static func insertRows<Item>(_ insert: String, _ items: [Item], suffix: String, on connection: PostgresConnection,
                                 values: (Item) -> [any PostgresParameter]) throws {
        var start = 0
        while start < items.count {
            let chunk = items[start..<min(items.count, start + 1_000)]
            start += chunk.count
            var binds: [any PostgresParameter] = []
            var rows: [String] = []
            rows.reserveCapacity(chunk.count)
            for item in chunk {
                let first = binds.count + 1
                binds += values(item)
                rows.append("(" + (first...binds.count).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            try connection.execute("\(insert) VALUES \(rows.joined(separator: ", ")) \(suffix)", binds)
        }
    }

    /// This machine's quarantined lines, by file and line number (for `import --quarantine`).
    public func quarantinedLines() throws(TeamLedgerError) -> [QuarantinedLine] {
        try run {
            let rows = try connection.execute("""
                SELECT source_file, line, byte_offset, byte_length, format, reason, line_sha, first_seen
                FROM quarantine WHERE machine = $1 ORDER BY source_file, line, id
                """, [machine])
            return try (0..<rows.count).map { row in
                QuarantinedLine(
                    file: try rows.requiredText(row, 0), line: Int(try rows.requiredInt64(row, 1)), byteOffset: try rows.int64(row, 2),
                    byteLength: try rows.int64(row, 3).map(Int.init), format: try rows.requiredText(row, 4),
                    reason: try rows.requiredText(row, 5), lineSHA: try rows.requiredText(row, 6),
                    firstSeen: Date(timeIntervalSince1970: TimeInterval(try rows.requiredInt64(row, 7)) / 1000))
            }
        }
    }
}
