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
    /// rows, read from SQLite straight into COPY rows (`readRows`), the next batch read locally while
    /// the server stores the last. Memory: two batches.
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
            guard let replaced = try Self.readRows(local, after: after, replacedSince: (lastID, mark), limit: batchSize, machine: machine) else { break }
            after = replaced.lastID
            try send(replaced.rows, replacing: true, cursor: nil, ledgerPath: ledgerPath, into: &summary)
        }

        // New rows, batch by batch, each with the cursor moved in its transaction. The cursor's mark is
        // this push's own (an hour before it started): the replaced rows below the old cursor have all
        // been sent above, and the rows sent from here on were read after it started, so a push killed
        // midway resumes without sending either again. Batches go two at a time, one per connection
        // (`sendPair`), and the next two pages are read from the local ledger while the server stores
        // these.
        let batchMark = pushStarted - 3_600_000
        var batches = 0
        var second: PostgresConnection?
        var pages = try Self.readPages(local, after: lastID, limit: batchSize, machine: machine)
        while let last = pages.last {
            if let stopAfterBatches {
                if batches >= stopAfterBatches { return summary }
                pages = Array(pages.prefix(stopAfterBatches - batches))
            }
            batches += pages.count
            let after = last.lastID
            let next = PageReader { () throws(TeamLedgerError) in try Self.readPages(local, after: after, limit: batchSize, machine: machine) }
            if pages.count == 2, second == nil { second = try secondConnection() }
            do {
                try sendPair(pages, on: second, mark: batchMark, ledgerPath: ledgerPath, into: &summary)
            } catch {
                _ = try? next.wait() // never leave a read running on the local ledger
                throw error
            }
            lastID = pages[pages.count - 1].lastID
            pages = try next.wait()
        }

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

    /// Stores one or two pages of new rows, each in its own transaction with the push cursor moved to
    /// its last row, committed in order: the first on the ledger's connection under the write lock
    /// taken first, the second on `second` copied at the same time without the lock, so the server
    /// works on both cores. The second batch's rollup triggers take the write lock (v7), so its tiers
    /// are updated only after the first batch committed; its cursor update waits for the first's too.
    /// It commits only if the first did, else it rolls back: the cursor never passes a row that is not
    /// stored, and a push stopped between the two resumes after the first.
    ///
    /// Performance notes: a batch's server work (heap, indexes, rollup) runs on one core; with one
    /// connection a push used one of the two (server CPU 3.9 s for 300,000 records, wall 4.1 s).
    private func sendPair(_ pages: [LocalPage], on second: PostgresConnection?, mark: Int64, ledgerPath: String,
                          into summary: inout PushSummary) throws(TeamLedgerError) {
        guard pages.count == 2, let second else {
            for page in pages {
                try send(page.rows, replacing: false, cursor: (page.lastID, page.lastKey, mark), ledgerPath: ledgerPath, into: &summary)
            }
            return
        }
        let first = FirstBatch()
        let (firstPage, secondPage) = (pages[0], pages[1])
        let machine = self.machine
        first.done.enter()
        Thread.detachNewThread { [self] in
            first.result = Result { () throws(TeamLedgerError) -> InsertCounts in
                try transaction(on: connection) { connection in
                    try connection.execute("SELECT pg_advisory_xact_lock($1)", [TeamLedgerSchema.writeLock])
                    first.locked.signal()
                    let counts = try store(firstPage.rows, replacing: false, on: connection)
                    try Self.moveCursor(machine: machine, ledgerPath: ledgerPath, id: firstPage.lastID, key: firstPage.lastKey, mark: mark,
                                        at: CopyRow.milliseconds(Date()), on: connection)
                    return counts
                }
            }
            first.locked.signal() // (again, harmlessly, unless it failed before taking the lock)
            first.done.leave()
        }
        // The second batch starts once the first holds the lock, so the second can never take it first.
        first.locked.wait()
        let secondCounts = Result { () throws(TeamLedgerError) -> InsertCounts in
            try transaction(on: second, committing: { () throws(TeamLedgerError) in
                first.done.wait()
                _ = try first.result!.get()
            }) { connection in
                let counts = try store(secondPage.rows, replacing: false, on: connection)
                try Self.moveCursor(machine: machine, ledgerPath: ledgerPath, id: secondPage.lastID, key: secondPage.lastKey, mark: mark,
                                    at: CopyRow.milliseconds(Date()), on: connection)
                return counts
            }
        }
        first.done.wait()
        // A page that met another machine's writes (and the page after it, rolled back with it) is
        // stored again alone, in order, under the write lock.
        for (page, result) in [(firstPage, first.result!), (secondPage, secondCounts)] {
            let counts = try Self.resolvingConflicts(result) { () throws(TeamLedgerError) -> InsertCounts in
                try storeAlone(page.rows, cursor: (page.lastID, page.lastKey, mark), ledgerPath: ledgerPath)
            }
            summary.sent += page.rows.count
            summary.counts = summary.counts + counts
        }
    }

    /// Up to two pages of local rows after `after` (`readRows`), in id order.
    private static func readPages(_ local: Ledger, after: Int64, limit: Int, machine: String) throws(TeamLedgerError) -> [LocalPage] {
        guard let first = try readRows(local, after: after, limit: limit, machine: machine) else { return [] }
        guard let second = try readRows(local, after: first.lastID, limit: limit, machine: machine) else { return [first] }
        return [first, second]
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

/// The first batch of a pair, stored on a thread of its own: `locked` is signalled once it holds the
/// write lock (or has failed), `done` left once it committed or rolled back, with `result` set.
private final class FirstBatch: @unchecked Sendable {
    // `result` is written once on the batch's thread before `done` is left, read after waiting on it.
    var result: Result<InsertCounts, TeamLedgerError>?
    let locked = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
}

/// Pages of local records read on a thread of its own, so that reading the next page overlaps
/// the server storing the previous one (push's wall time is then the slower of the two, not their
/// sum). `wait` returns the page or the error reading it gave.
private final class PageReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once on the reading thread before `done` is signalled, read after `wait` has waited.
    private var result: Result<[LocalPage], TeamLedgerError>?

    init(_ read: @escaping @Sendable () throws(TeamLedgerError) -> [LocalPage]) {
        Thread.detachNewThread { [self] in
            do throws(TeamLedgerError) {
                result = .success(try read())
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
    }

    func wait() throws(TeamLedgerError) -> [LocalPage] {
        done.wait()
        return try result!.get()
    }
}
