import Dispatch
import Foundation
import TokenLedgerLedger

/// Batches stored one after another in a chain on two connections, so the server works on both
/// cores: batch N+1 is copied while batch N updates its tiers and commits, and batch N+2 starts on
/// N's connection as soon as N is done. The import (`TeamImportSink`) and push store their batches
/// this way; each hands the chain the work of one batch (`submit`) and how to store it alone.
///
/// The order holds on the server: each batch holds a lock of its own (its ticket) while open and
/// takes the write lock — in its rollup trigger or before anything else it writes — only after the
/// batch before it ended (migration v9); it commits only if that batch committed, else it rolls back
/// (`TeamLedger.BatchOrder.next`). A batch that may share a dedup key with the batch before it waits
/// for that batch to finish before copying (beside it, each could reach a key after the other and
/// wait on it: a deadlock, which PostgreSQL ends by failing one). When a batch fails, the chain
/// breaks: the batches in flight are waited for and, in order, one that met another machine's writes
/// (and the one after it, which then rolled back too) is stored again alone; any other failure is
/// thrown, with the batches before it committed and none after it.
///
/// The caller's thread and the writers never use a connection at the same time: a connection gets a
/// new batch only once its last one is done, and `finish` waits for every batch.
final class BatchChain: @unchecked Sendable {
    // `@unchecked`: `writing` and `tickets` are touched only by the caller's thread; each connection
    // only by one thread at a time, as said above.
    private let team: TeamLedger
    /// The batches in flight, oldest first (at most two).
    private var writing: [Link] = []
    /// The next batch's ticket (an advisory lock key): a random start, so that two machines' chains
    /// are about never given the same keys (which would only make one wait for the other).
    private var tickets = Int64.random(in: 1...(Int64.max / 2))

    init(team: TeamLedger) {
        self.team = team
    }

    /// Starts storing one batch on a writer thread of its own, after the batch submitted before it:
    /// `store` runs there, calls `Link.follow(sharing:)` once before its first statement, and stores
    /// the batch in one transaction on `Link.connection` in the order and with the ticket it returned;
    /// `alone` stores the batch by itself under the write lock (on the ledger's connection, on the
    /// caller's thread) after a write conflict. With two batches in flight, first waits for the older:
    /// returns its counts (or, when the chain broke, those of every batch that was in flight).
    func submit(_ store: @escaping @Sendable (Link) throws(TeamLedgerError) -> InsertCounts,
                alone: @escaping @Sendable () throws(TeamLedgerError) -> InsertCounts) throws(TeamLedgerError) -> InsertCounts? {
        var finished: InsertCounts?
        if writing.count == 2 {
            // The oldest batch's connection is the one the new batch goes to.
            let oldest = writing[0]
            oldest.done.wait()
            if case .success(let counts) = oldest.result! {
                writing.removeFirst()
                finished = counts
            } else {
                finished = try finish()
            }
        }
        let previous = writing.last
        let connection = try previous?.connection === team.connection ? team.secondConnection() : team.connection
        let link = Link(on: connection, ticket: tickets, after: previous, alone: alone)
        tickets &+= 1
        Thread.detachNewThread {
            link.result = Result { () throws(TeamLedgerError) -> InsertCounts in try store(link) }
            link.previous = nil // (else each batch would keep every batch before it alive)
            link.ticketed.signal() // (again, harmlessly, unless it failed before taking its ticket)
            link.done.leave()
        }
        writing.append(link)
        return finished
    }

    /// Waits for every batch in flight and returns their counts (nil when there was none), each
    /// batch that met a write conflict stored again alone, in order; throws the first other failure.
    func finish() throws(TeamLedgerError) -> InsertCounts? {
        guard !writing.isEmpty else { return nil }
        let batches = writing
        writing = []
        for link in batches { link.done.wait() }
        var counts: InsertCounts?
        for link in batches {
            let finished = try TeamLedger.resolvingConflicts(link.result!, alone: link.alone)
            counts = (counts ?? InsertCounts()) + finished
        }
        return counts
    }

    /// One batch of the chain: what its writer is given (`connection`, `follow`), and its counts or
    /// error once it is done. `ticketed` is signalled once it holds its ticket (or failed), `done` left
    /// once it committed or rolled back.
    final class Link: @unchecked Sendable {
        // `@unchecked`: `keys` is written by the batch's writer before it signals `ticketed` and read
        // by the next batch's writer after waiting on it; `result` is written once before `done` is
        // left and read only after waiting on `done`; `previous` is touched by its own writer only.
        fileprivate var result: Result<InsertCounts, TeamLedgerError>?
        fileprivate let ticketed = DispatchSemaphore(value: 0)
        fileprivate let done = DispatchGroup()
        /// The dedup-key hashes of the batch, when it gave them (the batch after it must share none to
        /// be copied beside it).
        fileprivate var keys: Set<Int64>?
        fileprivate let alone: @Sendable () throws(TeamLedgerError) -> InsertCounts
        /// The connection the batch is stored on.
        let connection: PostgresConnection
        /// Its ticket: the advisory lock key it holds while open.
        fileprivate let ticket: Int64
        /// The batch before it, in flight when it was submitted; read by its writer only.
        fileprivate var previous: Link?

        fileprivate init(on connection: PostgresConnection, ticket: Int64, after previous: Link?,
                         alone: @escaping @Sendable () throws(TeamLedgerError) -> InsertCounts) {
            self.connection = connection
            self.ticket = ticket
            self.previous = previous
            self.alone = alone
            done.enter()
        }

        /// The batch's place after the one before it, to store it with: called once by its writer
        /// before the batch's first statement. `keys`: the batch's dedup-key hashes when it may share
        /// a key with the batch before it (it then waits for that batch whole if it does; two keys
        /// sharing a hash, about never, wait as if they were one), nil when it cannot.
        func follow(sharing keys: Set<Int64>?) -> (order: TeamLedger.BatchOrder, ticket: TeamLedger.BatchTicket) {
            self.keys = keys
            var order = TeamLedger.BatchOrder.next(previousCommitted: {})
            if let previous {
                // The batch before holds its ticket before this one starts, so it can be waited for.
                previous.ticketed.wait()
                if let keys, let before = previous.keys, !keys.isDisjoint(with: before) { previous.done.wait() }
                order = .next(previousCommitted: { () throws(TeamLedgerError) in
                    previous.done.wait()
                    _ = try previous.result!.get()
                })
            }
            let ticketed = self.ticketed
            return (order, TeamLedger.BatchTicket(own: ticket, after: previous?.ticket) { ticketed.signal() })
        }
    }
}
