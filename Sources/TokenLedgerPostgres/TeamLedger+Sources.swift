import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// What the team ledger knows about this machine's log files: which it has read and when (for
/// `tokenledger sources`), and a configured source's project and tags applied to what was read from it
/// before (for `sync`). Paths mean something only on the machine that read them, so both look at this
/// machine's rows alone.
extension TeamLedger {
    /// Every file this machine has imported into the team ledger, with the format and time of its last
    /// read, ordered by path. Cost: one indexed query over this machine's checkpoints.
    public func importedFiles() throws(TeamLedgerError) -> [ImportedFile] {
        try run {
            let rows = try connection.execute(
                "SELECT path, format, updated_at FROM import_file WHERE machine = $1 ORDER BY path COLLATE \"C\"", [machine])
            return try (0..<rows.count).map { row in
                ImportedFile(path: try rows.requiredText(row, 0), format: try rows.requiredText(row, 1),
                             lastRead: Date(timeIntervalSince1970: TimeInterval(try rows.requiredInt64(row, 2)) / 1000))
            }
        }
    }

    /// When each machine last wrote to the team ledger: per machine and log format, the newest
    /// checkpoint of its imports (`import_file.updated_at`: written when an import read new lines of a
    /// file), and per machine the last `push` (`push_cursor.pushed_at`, with a nil format: a push
    /// carries its local ledger's records, not which log each came from). Newest first. Cost: one
    /// grouped read of the checkpoints (a row per file imported) and of the push cursors.
    package func lastWrites() throws(TeamLedgerError) -> [(machine: String, format: String?, at: Date)] {
        try run {
            let rows = try connection.execute("""
                SELECT machine, format, at FROM (
                    SELECT machine, format, max(updated_at) AS at FROM import_file GROUP BY machine, format
                    UNION ALL
                    SELECT machine, NULL, max(pushed_at) FROM push_cursor GROUP BY machine) AS writes
                ORDER BY at DESC, machine COLLATE "C", format COLLATE "C"
                """)
            return try (0..<rows.count).map { row in
                (machine: try rows.requiredText(row, 0), format: rows.text(row, 1),
                 at: Date(timeIntervalSince1970: TimeInterval(try rows.requiredInt64(row, 2)) / 1000))
            }
        }
    }

    /// Sets `project` and merges `tags` into this machine's records read from the log file or folder at
    /// `path`, as the SQLite ledger's `applySourceMetadata` does: a nil project leaves projects as they
    /// are; a record's own tags are kept unless the source names the same key. Returns how many
    /// records changed. Cost: one pass over the source's distinct (project, tags) pairs, then one UPDATE
    /// per pair that differs, in one transaction.
    @discardableResult
    public func applySourceMetadata(path: String, project: String?, tags: [String: String]) throws(TeamLedgerError) -> Int {
        guard project != nil || !tags.isEmpty else { return 0 }
        var folder = path
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        let machine = self.machine
        return try transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock])
            let files = "machine = $1 AND (source_file = $2 OR left(source_file, length($2) + 1) = $2 || '/')"
            let pairs = try connection.execute("SELECT DISTINCT project, tags FROM usage_record WHERE \(files)", [machine, folder])
            var changed = 0
            for pair in 0..<pairs.count {
                let oldProject = pairs.text(pair, 0)
                let oldTags = pairs.text(pair, 1)
                var merged = Ledger.tagDictionary(oldTags)
                merged.merge(tags) { $1 }
                let newTags = CopyRow.tagsJSON(merged) ?? oldTags
                let newProject = project ?? oldProject
                guard newProject != oldProject || newTags != oldTags else { continue }
                // The rows themselves (`usage_row`), their machine and file as name ids (migration v15).
                let updated = try connection.execute("""
                    WITH changed AS (
                        UPDATE usage_row SET project = $3, tags = $4
                        WHERE project IS NOT DISTINCT FROM $5 AND tags IS NOT DISTINCT FROM $6
                        AND machine = (SELECT id FROM tokenledger_name WHERE name = $1)
                        AND source_file IN (SELECT id FROM tokenledger_name WHERE name = $2 OR left(name, length($2) + 1) = $2 || '/')
                        RETURNING 1)
                    SELECT count(*) FROM changed
                    """, [machine, folder, newProject, newTags, oldProject, oldTags])
                changed += Int(try updated.requiredInt64(0, 0))
            }
            return changed
        }
    }
}
