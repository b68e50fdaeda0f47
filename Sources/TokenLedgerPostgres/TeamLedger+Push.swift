import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerLedger

/// What one `push` did.
public struct PushSummary: Sendable, Equatable {
    /// The machine name written on the pushed rows.
    public var machine: String
    /// Local records sent (new since the last push, plus rows replaced locally since then).
    public var sent = 0
    /// What the team ledger did with them.
    public var counts = InsertCounts()
    /// True when the cursor did not match the local ledger (a new or rebuilt ledger) and every record was sent.
    public var restarted = false
}

extension TeamLedger {
    /// Copies the records of a local SQLite ledger into the team ledger, exactly once.
    ///
    /// Records are read through the local `Ledger`'s public API in id order, `batchSize` at a time; each
    /// batch is upserted by dedup key and the push cursor (`push_cursor`: this machine, `ledgerPath`,
    /// last id sent) is moved in the same transaction — so a push killed midway resumes after its
    /// last committed batch, and re-sending a record changes nothing (its key is already there).
    /// Rows the local ledger replaced in place (a streamed response's final line, with a higher
    /// supersede rank) keep their id but get a new `imported_at`: rows imported since an hour before
    /// the previous push started are sent again, and replace the team's copy when their rank is higher.
    ///
    /// Cost: one SQLite scan of the rows below the cursor for replaced ones (filtered in SQLite: only
    /// replaced rows are read and sent; the server checks their keys and stages and upserts only
    /// those it lacks or holds with a lower rank), then one binary COPY per batch of new
    /// rows, read from SQLite straight into COPY rows (`readRows`), two stored at a time in a chain
    /// (`BatchChain`) while the next is read locally. Memory: three batches.
    public func push(from local: Ledger, ledgerPath: String, batchSize: Int = 5_000, now: Date = Date()) throws(TeamLedgerError) -> PushSummary {
        try push(from: local, ledgerPath: ledgerPath, batchSize: batchSize, now: now, stopAfterBatches: nil)
    }

    /// `push`, stopping like a killed process after `stopAfterBatches` committed batches of new rows
    /// (tests of resuming).
    func push(from local: Ledger, ledgerPath: String, batchSize: Int, now: Date, stopAfterBatches: Int?) throws(TeamLedgerError) -> PushSummary {
        let machine = self.machine
        var summary = PushSummary(machine: machine)
        let pushStarted = CopyRow.milliseconds(now)
        // The cursor of this machine's ledger, if it has pushed before.
        let cursor: (lastID: Int64, lastKey: String, mark: Int64)? = try run {
            let rows = try connection.execute(
                "SELECT last_id, last_key, imported_mark FROM push_cursor WHERE machine = $1 AND ledger = $2", [machine, ledgerPath])
            guard rows.count > 0 else { return nil }
            return (try rows.requiredInt64(0, 0), try rows.requiredText(0, 1), try rows.requiredInt64(0, 2))
        }
        var lastID: Int64 = 0
        var mark: Int64 = .min
        if let cursor {
            let local = try readLocal(local) { db in try Ledger.storedRecords(afterID: cursor.lastID - 1, limit: 1, in: db) }
            if let first = local.first, first.id == cursor.lastID, first.entry.dedupKey == cursor.lastKey {
                lastID = cursor.lastID
                mark = cursor.mark
            } else {
                summary.restarted = true
            }
        }

        // Rows at or below the cursor that were replaced locally since the mark (SQLite filters them:
        // only those are read and sent). They replace stored rows, so they are staged and upserted.
        var after: Int64 = 0
        while after < lastID {
            guard let replaced = try Self.readRows(local, after: after, replacedSince: (lastID, mark), limit: batchSize, machine: machine,
                                                   buffers: copyBuffers, names: names.lookup()) else { break }
            after = replaced.lastID
            try send(replaced.rows, replacing: true, cursor: nil, ledgerPath: ledgerPath, into: &summary)
        }

        // New rows, batch by batch, each with the cursor moved in its transaction. The cursor's mark is
        // this push's own (an hour before it started): the replaced rows below the old cursor have all
        // been sent above, and the rows sent from here on were read after it started, so a push killed
        // midway resumes without sending either again. Batches are stored in a chain, two in flight
        // (`sendChained`), and the next page is read from the local ledger while the server stores them.
        let batchMark = pushStarted - 3_600_000
        let chain = BatchChain(team: self)
        var batches = 0
        let buffers = copyBuffers
        let names = self.names
        var page = try Self.readRows(local, after: lastID, limit: batchSize, machine: machine, buffers: buffers, names: names.lookup())
        while let current = page, batches < stopAfterBatches ?? .max {
            batches += 1
            let next = PageReader { () throws(TeamLedgerError) in
                try Self.readRows(local, after: current.lastID, limit: batchSize, machine: machine, buffers: buffers, names: names.lookup())
            }
            do {
                if let counts = try sendChained(current, in: chain, mark: batchMark, ledgerPath: ledgerPath) {
                    summary.counts = summary.counts + counts
                }
            } catch {
                // Never leave a read running on the local ledger, nor a write on a connection.
                _ = try? next.wait()
                _ = try? chain.finish()
                throw error
            }
            do {
                page = try next.wait()
            } catch {
                _ = try? chain.finish() // the pages in flight commit: the cursor stays on their last row
                throw error
            }
            summary.sent += current.rows.count
            lastID = current.lastID
        }
        if let counts = try chain.finish() { summary.counts = summary.counts + counts }
        if page != nil { return summary } // stopped after `stopAfterBatches`, as if killed

        // The whole push is done: from now on, rows imported since an hour before it started count as
        // possibly replaced (an import that began before the push and committed after it).
        if let lastKey = try readLocal(local, { db in try Ledger.storedRecords(afterID: lastID - 1, limit: 1, in: db) }).first?.entry.dedupKey, lastID > 0 {
            let newMark = pushStarted - 3_600_000
            try transaction { connection in
                try Self.moveCursor(machine: machine, ledgerPath: ledgerPath, id: lastID, key: lastKey, mark: newMark, at: pushStarted, on: connection)
            }
        }
        return summary
    }

    /// Stores one page of new rows in `chain` (`BatchChain`), in one transaction with the push cursor
    /// moved to its last row; returns the counts of the batches the chain finished meanwhile. Each
    /// page commits only after the one before it and only if that one committed, else it rolls back:
    /// the cursor never passes a row that is not stored, and a push stopped midway resumes after its
    /// last committed page. A page that met another machine's writes (and the page after it, rolled
    /// back with it) is stored again alone, in order, under the write lock (`storeAlone`).
    ///
    /// Performance notes: a batch's server work (heap, indexes, rollup) runs on one core; with one
    /// connection a push used one of the two (server CPU 3.9 s for 300,000 records, wall 4.1 s). Stored
    /// two at a time in pairs (the second page's tiers after the first's commit, the next pair after
    /// both), one connection idled at the end of every pair while the other updated its tiers and
    /// committed; the chain starts the next page on the first connection as soon as it is free.
    private func sendChained(_ page: LocalPage, in chain: BatchChain, mark: Int64, ledgerPath: String) throws(TeamLedgerError) -> InsertCounts? {
        let machine = self.machine
        return try chain.submit({ [self] link throws(TeamLedgerError) -> InsertCounts in
            // The pages come from one local ledger, whose dedup keys are unique: two pages never share a
            // key, so a page's rows never wait on the page before it for a key (the import's wait for a
            // batch sharing keys) and it is copied beside that page at once.
            let (order, ticket) = link.follow(sharing: nil)
            return try transaction(on: link.connection, committing: order.beforeCommit) { connection in
                let ids = try beginBatch(order, ticket: ticket, records: page.rows.count, on: connection)
                var unused: [String: Int] = [:]
                let counts = try store(page.rows, replacing: false, rankingKeys: false, storedRanks: &unused, ids: ids, on: connection)
                // The write lock is held by now (the copy's rollup trigger or the upsert took it, after the
                // page before ended), so the cursor moves in the chain's order.
                try Self.moveCursor(machine: machine, ledgerPath: ledgerPath, id: page.lastID, key: page.lastKey, mark: mark,
                                    at: CopyRow.milliseconds(Date()), on: connection)
                return counts
            }
        }, alone: { [self] () throws(TeamLedgerError) -> InsertCounts in
            try storeAlone(page.rows, cursor: (page.lastID, page.lastKey, mark), ledgerPath: ledgerPath)
        })
    }

    /// Stores one batch under the write lock (`store(_:replacing:on:)`); with `cursor`, moves this
    /// machine's push cursor in the same transaction.
    private func send(_ rows: RecordRows, replacing: Bool, cursor: (id: Int64, key: String, mark: Int64)?, ledgerPath: String,
                      into summary: inout PushSummary) throws(TeamLedgerError) {
        let counts = try storeAlone(rows, replacing: replacing, cursor: cursor, ledgerPath: ledgerPath)
        summary.sent += rows.count
        summary.counts = summary.counts + counts
    }

    /// One transaction under the write lock: `rows` stored (`store(_:replacing:on:)`) and, with
    /// `cursor`, this machine's push cursor moved.
    private func storeAlone(_ rows: RecordRows, replacing: Bool = false, cursor: (id: Int64, key: String, mark: Int64)?,
                            ledgerPath: String) throws(TeamLedgerError) -> InsertCounts {
        let machine = self.machine
        return try transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock])
            let counts = try store(rows, replacing: replacing, on: connection)
            if let cursor {
                try Self.moveCursor(machine: machine, ledgerPath: ledgerPath, id: cursor.id, key: cursor.key, mark: cursor.mark,
                                    at: CopyRow.milliseconds(Date()), on: connection)
            }
            return counts
        }
    }

    /// Sets this machine's push cursor for `ledgerPath` (inside the caller's transaction).
    private static func moveCursor(machine: String, ledgerPath: String, id: Int64, key: String, mark: Int64, at millis: Int64,
                                   on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO push_cursor (machine, ledger, last_id, last_key, imported_mark, pushed_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (machine, ledger) DO UPDATE SET last_id = excluded.last_id, last_key = excluded.last_key,
                imported_mark = excluded.imported_mark, pushed_at = excluded.pushed_at
            """, [machine, ledgerPath, id, key, mark, millis])
    }

    /// Reads from the local ledger, turning its errors into one sentence.
    private func readLocal<T>(_ local: Ledger, _ body: (Database) throws -> T) throws(TeamLedgerError) -> T {
        try Self.readLocal(local, body)
    }

    private static func readLocal<T>(_ local: Ledger, _ body: (Database) throws -> T) throws(TeamLedgerError) -> T {
        do {
            return try local.reader.read(body)
        } catch {
            throw TeamLedgerError.localLedger(reason: "cannot read the local ledger (\(error)); check the path given with --from.")
        }
    }
}

/// A page of local records read on a thread of its own, so that reading the next page overlaps
/// the server storing the previous one (push's wall time is then the slower of the two, not their
/// sum). `wait` returns the page (nil: no rows left) or the error reading it gave.
private final class PageReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once on the reading thread before `done` is signalled, read after `wait` has waited.
    private var result: Result<LocalPage?, TeamLedgerError>?

    init(_ read: @escaping @Sendable () throws(TeamLedgerError) -> LocalPage?) {
        Thread.detachNewThread { [self] in
            do throws(TeamLedgerError) {
                result = .success(try read())
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
    }

    func wait() throws(TeamLedgerError) -> LocalPage? {
        done.wait()
        return try result!.get()
    }
}
