import Foundation
import TokenLedgerCore
import TokenLedgerPricing

/// Everything the rest of TokenLedger asks of a ledger, in its own words. Two engines implement it,
/// each owning all of its SQL: `Ledger` (a SQLite file, through GRDB; `Sources/TokenLedgerLedger/SQLite`)
/// and `TeamLedger` (a PostgreSQL server, through libpq; `TokenLedgerPostgres`). Reports, budgets and
/// the estimator take an `any LedgerStore` and never see a database connection.
///
/// Both engines give the same answers for the same records (the team ledger's tests compare them).
/// Each engine's errors say what went wrong in words a user can act on (`LedgerError`, `ReportError`,
/// `TeamLedgerError`).
///
/// For a Swift program this is the ledger, whichever engine: open one with `Ledger.open(at:)` or
/// `TeamLedger.connect(_:machine:)` and hand it to `BudgetChecker` or `Estimator`, or read reports from it.
/// The writing, budget and history requirements are what `ImportPipeline`, `BudgetChecker` and `Estimator`
/// call; their batch, checkpoint and alert types have no public initialisers, so a program writes through
/// `ImportPipeline`. Every call runs on the calling thread: SQLite queries on the file, or round trips to
/// the server.
public protocol LedgerStore: AnyObject, Sendable {
    // MARK: Writing (the import pipeline's sinks, `sync`)

    /// The saved checkpoints of `paths` (absent paths left out).
    func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint]
    /// Stores one batch atomically — its records (exactly once by dedup key), quarantined lines and file
    /// checkpoints, all or none — and returns what it added, replaced and skipped.
    func store(_ batch: ImportBatch, now: Date) throws -> InsertCounts
    /// Sets `project` and merges `tags` into the records already read from the log file or folder at
    /// `path`, so metadata added to a configured source later reaches what was imported before.
    /// Returns how many records changed.
    @discardableResult
    func applySourceMetadata(path: String, project: String?, tags: [String: String]) throws -> Int
    /// Gives every record the cost `costs` computes for it (one call per page of `pageSize` records),
    /// page by page; writes only when `apply`. The store compares and writes; it does not price
    /// (`reprice(with:apply:pageSize:)`, in the importers, prices with a `PriceBook`).
    func reprice(apply: Bool, pageSize: Int, costs: ([UsageRecord]) -> [CostBreakdown]) throws -> RepriceReport

    // MARK: Reading

    /// The number of stored usage records. Cost: one count over the records.
    func recordCount() throws -> Int
    /// Every quarantined (malformed) line, by file and line.
    func quarantinedLines() throws -> [QuarantinedLine]
    /// Every log file the ledger has read, with the format and time of its last read, ordered by path.
    func importedFiles() throws -> [ImportedFile]
    /// A spend report: the query's period, filters and grouping. Cost: one read of the hourly rollup when
    /// it answers the query (grouped by model, provider, effort or a calendar unit, hour-aligned bounds),
    /// else one scan of the records in the period.
    func spendReport(for query: ReportQuery) throws -> SpendReport
    /// Spend per agent session in the query's period and filters (`query.groupBy` is ignored). Cost: one
    /// scan of the records in the period.
    func sessionReport(for query: ReportQuery) throws -> SessionReport
    /// The 5-hour usage blocks of the query's period and filters, `isActive` decided at `now`. Cost: one
    /// scan of the records in the period, in time order.
    func usageBlocks(for query: ReportQuery, now: Date) throws -> [UsageBlock]

    // MARK: Budgets

    /// Spend of the records in scope with `start <= ts < end` (Unix ms), and of those with
    /// `ts >= rateStart`, and the unpriced ones by cause. Aggregate export rows count as in a report
    /// of the period (`AggregatePolicy.auto`): a provider's export rows are left out when it has
    /// per-request records in the period, so the same spend is never counted twice.
    func budgetSums(scope: BudgetScope, start: Int64, end: Int64, rateStart: Int64) throws -> BudgetSums
    /// Every remembered alert, optionally of one budget, oldest first.
    func alerts(budget: String?) throws -> [AlertRecord]
    /// Fires one alert at most once across overlapping processes: claims `key`, runs `deliver` (which
    /// returns an error text or nil), and records the outcome.
    func claimAlert(_ key: AlertKey, now: Date, isSuperseded: ([AlertRecord]) -> Bool, deliver: () -> String?) throws -> AlertClaimOutcome

    // MARK: The estimator's history

    /// Output and reasoning tokens of the `limit` most recent per-request records (request_count 1,
    /// not aggregate) of `modelID` at `effort`, newest first (records of the same time: the one stored
    /// last first). Read from the hours the hourly rollup says hold them (`RecentHoursWalk`).
    func recentOutputs(modelID: String, effort: EffortTier, limit: Int) throws -> [(output: Int, reasoning: Int)]
}
