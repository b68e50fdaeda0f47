import Foundation
import GRDB
import GRDBSQLite
import TokenLedgerCore

import TokenLedgerPricing

extension Ledger {
    /// Builds a spend report from the coarsest tier that answers it exactly (`ReportPlan`: the day
    /// tier with moved pieces, else the hourly rollup), else one indexed range scan of `usage_record`,
    /// grouped in memory.
    ///
    /// Cost of the scan: O(records in the period), one pass, a hash table of groups; no sort of the records.
    /// SQLite's own GROUP BY sorts every row (and cannot bucket by an IANA zone), so the scan steps the
    /// statement directly, maps `ts` to its local day through precomputed UTC-offset segments (correct
    /// across DST), interns text columns without building Strings, and sums money in Int128.
    public func spendReport(for query: ReportQuery) throws -> SpendReport {
        do {
            return try reader.read { db in try SpendReportBuilder(query: query).build(db) }
        } catch let error as ReportError {
            throw error
        } catch let error as DatabaseError {
            throw ReportError.ledgerUnreadable(reason: error.message ?? "\(error)")
        }
    }

    /// The providers with aggregate rows in `[startMillis, endMillis)` (either bound may be open), each
    /// with whether it also has per-request rows there, read from the tiers (`TierCover`). Cost: the
    /// day tier's (is_aggregate, provider, day) index is sought once or twice per provider (a loose
    /// index scan), plus at most two days of hourly rollup rows and two hours of records for the ends
    /// of the period — never a scan of the period.
    package static func aggregateProviders(_ db: Database, startMillis: Int64?, endMillis: Int64?) throws -> [AggregateProvider] {
        let cover = TierCover(startMillis: startMillis, endMillis: endMillis)
        let dayIndex = "report_rollup_day INDEXED BY report_rollup_day_by_kind_provider"
        var found: [AggregateProvider] = []
        var lastProvider: String? = nil
        while let provider = try String.fetchOne(db, sql: "SELECT provider FROM \(dayIndex) WHERE is_aggregate = 1\(lastProvider == nil ? "" : " AND provider > ?") ORDER BY provider LIMIT 1", arguments: StatementArguments(lastProvider.map { [$0] } ?? [])) {
            lastProvider = provider
            guard try hasRows(db, provider: provider, aggregate: 1, in: cover) else { continue }
            found.append(AggregateProvider(provider: provider, hasRequests: try hasRows(db, provider: provider, aggregate: 0, in: cover)))
        }
        return found
    }

    /// Whether `provider` has rows of the kind (`aggregate` 1: export rows, 0: per-request) in the
    /// period `cover` cuts. Tier rows whose records were all deleted or replaced stay with
    /// `records` 0, so they do not count.
    private static func hasRows(_ db: Database, provider: String, aggregate: Int, in cover: TierCover) throws -> Bool {
        var parts: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if cover.hasDays {
            var range = ""
            arguments.append(provider)
            if let low = cover.lowDay { range += " AND day >= ?"; arguments.append(low) }
            if let high = cover.highDay { range += " AND day < ?"; arguments.append(high) }
            parts.append("EXISTS (SELECT 1 FROM report_rollup_day INDEXED BY report_rollup_day_by_kind_provider WHERE is_aggregate = \(aggregate) AND provider = ?\(range) AND records != 0)")
        }
        for hours in cover.hours {
            parts.append("EXISTS (SELECT 1 FROM report_rollup WHERE hour >= ? AND hour < ? AND provider = ? AND is_aggregate = \(aggregate) AND records != 0)")
            arguments += [hours.lowerBound, hours.upperBound, provider]
        }
        for millis in cover.records {
            parts.append("EXISTS (SELECT 1 FROM usage_record INDEXED BY usage_record_by_time WHERE ts >= ? AND ts < ? AND provider = ? AND is_aggregate = \(aggregate))")
            arguments += [millis.lowerBound, millis.upperBound, provider]
        }
        guard !parts.isEmpty else { return false }
        return try Bool.fetchOne(db, sql: "SELECT " + parts.joined(separator: " OR "), arguments: StatementArguments(arguments)) ?? false
    }
}

/// The scan behind `Ledger.spendReport(for:)`.
struct SpendReportBuilder {
    let query: ReportQuery
    /// Tests turn this off to check the rollup against the record scan.
    var allowRollup = true
    /// Tests turn this off to check the day tier against the hourly rollup and the record scan.
    var allowDayTier = true

    /// How one `--by` key is read from a result row.
    private enum KeyReader {
        case model
        case text(column: Int32, interner: Int)
        case hour, day, week, month
    }

    /// A group's key: one Int64 per `--by` key (interned text id, day number, week Monday, month index).
    private struct GroupKey: Hashable {
        var k0: Int64 = 0, k1: Int64 = 0, k2: Int64 = 0, k3: Int64 = 0, k4: Int64 = 0, k5: Int64 = 0

        @inline(__always)
        subscript(i: Int) -> Int64 {
            get {
                switch i {
                case 0: return k0
                case 1: return k1
                case 2: return k2
                case 3: return k3
                case 4: return k4
                default: return k5
                }
            }
            set {
                switch i {
                case 0: k0 = newValue
                case 1: k1 = newValue
                case 2: k2 = newValue
                case 3: k3 = newValue
                case 4: k4 = newValue
                default: k5 = newValue
                }
            }
        }
    }

    /// Running sums of one group, in integers (money in Int128: no overflow for any real ledger); the
    /// same sums a server-side engine hands over.
    private typealias Accumulator = SpendSums

    func build(_ db: Database) throws -> SpendReport {
        // A local ledger is one machine's records and does not know its name.
        if query.groupBy.contains(.machine) { throw ReportError.machineNeedsTeamLedger }
        var report = try buildTotals(db)
        if report.unpriced.records > 0 && report.unpriced.causes.isEmpty { report.unpriced.causes = try unpricedCauses(db, usedAggregates: report.aggregateProviders) }
        return report
    }

    /// Unpriced records by cause and model, from their stored reasons: a second, filtered pass that
    /// only runs when something is unpriced. Cost: one scan of the period's rows (the ts index).
    private func unpricedCauses(_ db: Database, usedAggregates: [String]) throws -> [UnpricedCauseCount] {
        var conditions = ["cost_pusd IS NULL"]
        var arguments: [any DatabaseValueConvertible] = []
        if let since = query.period.since { conditions.append("ts >= ?"); arguments.append(Self.millis(since)) }
        if let until = query.period.until { conditions.append("ts < ?"); arguments.append(Self.millis(until)) }
        appendAggregateCondition(usedAggregates: usedAggregates, to: &conditions, &arguments)
        appendFilters(to: &conditions, &arguments)
        let rows = try Row.fetchAll(db, sql: """
            SELECT COALESCE(unpriced_reason, '') AS reason, COALESCE(model_id, model) AS name, COUNT(*) AS records, SUM(request_count) AS requests
            FROM usage_record WHERE \(conditions.joined(separator: " AND ")) GROUP BY 1, 2
            """, arguments: StatementArguments(arguments))
        return UnpricedCauseCount.group(rows.map { row in
            (reason: row["reason"], model: row["name"], records: row["records"], requests: (row["requests"] as Int?) ?? 0)
        })
    }

    /// Per-request records (no aggregate export rows) of the query's period, filtered: the WHERE of the
    /// session and block views.
    func perRequestConditions() -> (conditions: [String], arguments: [any DatabaseValueConvertible]) {
        var conditions = ["is_aggregate = 0"]
        var arguments: [any DatabaseValueConvertible] = []
        let (since, until) = query.periodMillis
        if let since { conditions.append("ts >= ?"); arguments.append(since) }
        if let until { conditions.append("ts < ?"); arguments.append(until) }
        appendFilters(to: &conditions, &arguments)
        return (conditions, arguments)
    }

    /// The model, provider, project and tag filters of the query, as SQL conditions.
    func appendFilters(to conditions: inout [String], _ arguments: inout [any DatabaseValueConvertible]) {
        if !query.models.isEmpty {
            let p = Self.placeholders(query.models.count)
            conditions.append("(model_id IN (\(p)) OR model IN (\(p)))")
            arguments += query.models + query.models
        }
        if !query.providers.isEmpty {
            conditions.append("provider IN (\(Self.placeholders(query.providers.count)))")
            arguments += query.providers
        }
        if !query.projects.isEmpty {
            conditions.append("project IN (\(Self.placeholders(query.projects.count)))")
            arguments += query.projects
        }
        if !query.branches.isEmpty {
            conditions.append("branch IN (\(Self.placeholders(query.branches.count)))")
            arguments += query.branches
        }
        for tag in query.tags {
            conditions.append("CAST(\(Self.tagExpression(tag.key)) AS TEXT) = ?")
            arguments.append(tag.value)
        }
    }

    private func buildTotals(_ db: Database) throws -> SpendReport {
        let startMillis = query.period.since.map(Self.millis)
        let endMillis = query.period.until.map(Self.millis)

        // Which rows count: per-request rows, or a provider's aggregate rows when it has no others.
        let (usedAggregates, skippedAggregates) = query.aggregates.split(try Ledger.aggregateProviders(db, startMillis: startMillis, endMillis: endMillis))

        // UTC-offset segments over the records' actual range (bounded by the period).
        // (min and max in separate statements: SQLite answers each from the index, but not both at once.)
        let low = try startMillis ?? Int64.fetchOne(db, sql: "SELECT min(ts) FROM usage_record") ?? 0
        let high = try endMillis ?? Int64.fetchOne(db, sql: "SELECT max(ts) FROM usage_record").map { $0 + 1 } ?? 0
        let segments = OffsetSegments(zone: query.timeZone, fromMillis: low, toMillis: high)
        var segmentHint = 0

        var groups: [GroupKey: Int] = [:]
        var sums: [Accumulator] = []
        var unpricedModels = Set<Int64>()
        let reconcile = query.reconcile

        if allowRollup && allowDayTier, let plan = dayTierPlan(low: low, high: high), try db.tableExists("report_rollup_day") {
            return try buildFromPlan(db, plan: plan, low: low, high: high, usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
        }
        if allowRollup && useRollup(segments: segments, low: low), try db.tableExists("report_rollup") {
            return try buildFromRollup(db, segments: segments, usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
        }

        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let startMillis { conditions.append("ts >= ?"); arguments.append(startMillis) }
        if let endMillis { conditions.append("ts < ?"); arguments.append(endMillis) }
        appendAggregateCondition(usedAggregates: usedAggregates, to: &conditions, &arguments)
        appendFilters(to: &conditions, &arguments)

        // Result columns: fixed numbers first, then one text column per text key.
        var columns = [
            "ts", "request_count", "input_tokens", "cache_read_tokens",
            "cache_write_5m_tokens + cache_write_1h_tokens", "output_tokens", "reasoning_tokens",
            "cost_pusd", query.reconcile ? "reported_cost_pusd" : "NULL", "model_id", "model",
        ]
        var readers: [KeyReader] = []
        var interners: [TextInterner] = [TextInterner()] // [0] = models
        for dimension in query.groupBy {
            switch dimension {
            case .model: readers.append(.model)
            case .hour: readers.append(.hour)
            case .day: readers.append(.day)
            case .week: readers.append(.week)
            case .month: readers.append(.month)
            case .provider, .effort, .project, .source, .session, .serviceTier, .channel, .batch, .tag, .machine, .repository, .branch:
                let expression: String
                switch dimension {
                case .provider: expression = "provider"
                case .effort: expression = "effort"
                case .project: expression = "project"
                case .source: expression = "source"
                case .session: expression = "session_id"
                case .repository: expression = "repository"
                case .branch: expression = "branch"
                case .serviceTier: expression = "service_tier"
                case .channel: expression = "NULLIF(channel, '')"
                case .batch: expression = "CASE WHEN is_batch = 1 THEN 'batch' ELSE 'standard' END"
                case .tag(let key): expression = "CAST(\(Self.tagExpression(key)) AS TEXT)"
                default: expression = "NULL"
                }
                readers.append(.text(column: Int32(columns.count), interner: interners.count))
                columns.append(expression)
                interners.append(TextInterner())
            }
        }
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM usage_record WHERE \(conditions.joined(separator: " AND "))"


        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(StatementArguments(arguments))
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        while true {
            guard try Self.nextRow(stmt, in: db, sql: sql) else { break }
            let ts = sqlite3_column_int64(stmt, 0)
            let key = Self.groupKey(stmt, readers: readers, ts: ts, modelColumns: (9, 10), interners: &interners,
                                    segments: segments, hint: &segmentHint)
            let index = Self.accumulatorIndex(for: key, groups: &groups, sums: &sums)
            let requests = sqlite3_column_int64(stmt, 1)
            let input = sqlite3_column_int64(stmt, 2)
            let cacheRead = sqlite3_column_int64(stmt, 3)
            let cacheWrite = sqlite3_column_int64(stmt, 4)
            let output = sqlite3_column_int64(stmt, 5)
            let priced = sqlite3_column_type(stmt, 7) != SQLITE_NULL
            let cost = priced ? Int128(sqlite3_column_int64(stmt, 7)) : 0
            sums.withUnsafeMutableBufferPointer { buffer in
                buffer[index].requests &+= requests
                buffer[index].input &+= input
                buffer[index].cacheRead &+= cacheRead
                buffer[index].cacheWrite &+= cacheWrite
                buffer[index].output &+= output
                buffer[index].reasoning &+= sqlite3_column_int64(stmt, 6)
                buffer[index].records &+= 1
                if priced {
                    buffer[index].cost += cost
                } else {
                    buffer[index].unpricedRecords &+= 1
                    buffer[index].unpricedRequests &+= requests
                    buffer[index].unpricedTokens &+= input &+ cacheRead &+ cacheWrite &+ output
                }
                if reconcile && sqlite3_column_type(stmt, 8) != SQLITE_NULL {
                    let reported = Int128(sqlite3_column_int64(stmt, 8))
                    if priced {
                        buffer[index].reconciledRecords &+= 1
                        buffer[index].reported += reported
                        buffer[index].reportedComputed += cost
                    } else {
                        buffer[index].reportedUnpricedRecords &+= 1
                        buffer[index].reportedUnpriced += reported
                    }
                }
            }
            if !priced { unpricedModels.insert(Self.modelKey(stmt, &interners[0], id: 9, name: 10)) }
        }

        return assemble(groups: groups, sums: sums, readers: readers, interners: interners, unpricedModels: unpricedModels,
                        usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
    }

    /// Turns interned keys back into labels and sorts the rows.
    private func assemble(groups: [GroupKey: Int], sums: [Accumulator], readers: [KeyReader], interners: [TextInterner],
                          unpricedModels: Set<Int64>, usedAggregates: [String], skippedAggregates: [String]) -> SpendReport {
        let reconcile = query.reconcile
        var rows: [SpendRow] = []
        rows.reserveCapacity(groups.count)
        var totals = Accumulator()
        for (key, index) in groups {
            let sum = sums[index]
            var labels: [String?] = []
            var resolved = true
            for (slot, reader) in readers.enumerated() {
                let value = key[slot]
                switch reader {
                case .model:
                    labels.append(interners[0].strings[Int(value >> 1)])
                    resolved = value & 1 == 0
                case .text(_, let interner):
                    labels.append(interners[interner].strings[Int(value)])
                case .hour: labels.append(LocalCalendar.hourLabel(Int(value)))
                case .day: labels.append(LocalCalendar.dayLabel(Int(value)))
                case .week: labels.append(LocalCalendar.isoWeekLabel(mondayOf: Int(value)))
                case .month: labels.append(LocalCalendar.monthLabel(Int(value)))
                }
            }
            rows.append(SpendRow(keys: labels, modelResolved: resolved, usage: sum.totals(reconcile: reconcile)))
            totals.add(sum)
        }
        var unpriced = UnpricedSummary()
        unpriced.records = Int(totals.unpricedRecords)
        unpriced.requests = Int(totals.unpricedRequests)
        unpriced.tokens = Int(totals.unpricedTokens)
        unpriced.models = Set(unpricedModels.compactMap { interners[0].strings[Int($0 >> 1)] }).sorted()

        return SpendReport(
            groupBy: query.groupBy, period: query.period, timeZone: query.timeZone,
            rows: SpendReport.sorted(rows, by: query.groupBy), totals: totals.totals(reconcile: reconcile),
            unpriced: unpriced, reconciled: reconcile,
            aggregateProviders: query.aggregates == .exclude ? [] : usedAggregates,
            skippedAggregateProviders: query.aggregates == .only ? [] : skippedAggregates
        )
    }


    /// True when `report_rollup` (usage summed per UTC hour × provider × model × effort × kind) can
    /// answer the query exactly: only model/provider/effort/calendar keys, no model/project/tag filter,
    /// period bounds on whole UTC hours, and a zone whose offsets over the period are whole hours (so
    /// every local day starts on an hour boundary).
    private func useRollup(segments: OffsetSegments, low: Int64) -> Bool {
        query.rollupAnswers(lowMillis: low, wholeHourOffsets: segments.offsetsAreWholeHours)
    }

    /// Which rows count under `--aggregates`: per-request rows, export buckets, or per-request rows plus
    /// the buckets of providers that have no per-request rows in the period (`usedAggregates`).
    /// Shared by the record scan and the tier scans, which all have `is_aggregate` and `provider`.
    ///
    /// Performance notes: the columns are written `+is_aggregate` and `+provider` so that no index can
    /// serve these terms. Otherwise SQLite answers a day-tier read through
    /// `report_rollup_day_by_kind_provider` (`is_aggregate = ?` alone, every day of the ledger, each row
    /// then looked up in the tier by its key) instead of the tier's own range on `day`: on the 5M-record
    /// benchmark ledger a month by model, effort and day took 2.1 s instead of 29 ms. That index serves
    /// only the export-row probes, which name it (`INDEXED BY`).
    func appendAggregateCondition(usedAggregates: [String], to conditions: inout [String],
                                          _ arguments: inout [any DatabaseValueConvertible]) {
        switch query.aggregates {
        case .only:
            conditions.append("+is_aggregate = 1")
        case .auto where !usedAggregates.isEmpty:
            conditions.append("(+is_aggregate = 0 OR +provider IN (\(Self.placeholders(usedAggregates.count))))")
            arguments += usedAggregates
        case .auto, .exclude:
            conditions.append("+is_aggregate = 0")
        }
    }

    /// The scan over `report_rollup`: the same grouping as the record scan, reading pre-summed hours.
    /// Cost: O(hours × active model/effort/provider combinations in the period), ~10⁵ rows for a busy year.
    private func buildFromRollup(_ db: Database, segments: OffsetSegments, usedAggregates: [String], skippedAggregates: [String]) throws -> SpendReport {
        let hour: Int64 = 3_600_000
        var conditions = ["records <> 0"]
        var arguments: [any DatabaseValueConvertible] = []
        if let since = query.period.since { conditions.append("hour >= ?"); arguments.append(Self.millis(since) / hour) }
        if let until = query.period.until { conditions.append("hour < ?"); arguments.append(Self.millis(until) / hour) }
        appendAggregateCondition(usedAggregates: usedAggregates, to: &conditions, &arguments)
        if !query.providers.isEmpty {
            conditions.append("provider IN (\(Self.placeholders(query.providers.count)))")
            arguments += query.providers
        }
        var columns = [
            "hour * 3600000", "requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
            "reasoning_tokens", "records", "cost_micro", "cost_rest", "unpriced_records", "unpriced_requests",
            "unpriced_tokens", "reconciled_records", "reported_micro", "reported_rest", "reported_computed_micro",
            "reported_computed_rest", "reported_unpriced_records", "reported_unpriced_micro", "reported_unpriced_rest",
            "CASE WHEN resolved THEN model_key END", "model_key",
        ]
        var readers: [KeyReader] = []
        var interners: [TextInterner] = [TextInterner()]
        for dimension in query.groupBy {
            switch dimension {
            case .model: readers.append(.model)
            case .hour: readers.append(.hour)
            case .day: readers.append(.day)
            case .week: readers.append(.week)
            case .month: readers.append(.month)
            default:
                readers.append(.text(column: Int32(columns.count), interner: interners.count))
                columns.append(dimension == .provider ? "provider" : "effort")
                interners.append(TextInterner())
            }
        }
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM report_rollup WHERE \(conditions.joined(separator: " AND "))"
        var groups: [GroupKey: Int] = [:]
        var sums: [Accumulator] = []
        var unpricedModels = Set<Int64>()
        var segmentHint = 0
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(StatementArguments(arguments))
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        @inline(__always) func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
        @inline(__always) func money(_ micro: Int32, _ rest: Int32) -> Int128 { Int128(int(micro)) * 1_000_000 + Int128(int(rest)) }
        while true {
            guard try Self.nextRow(stmt, in: db, sql: sql) else { break }
            let ts = int(0)
            let key = Self.groupKey(stmt, readers: readers, ts: ts, modelColumns: (21, 22), interners: &interners,
                                    segments: segments, hint: &segmentHint)
            let index = Self.accumulatorIndex(for: key, groups: &groups, sums: &sums)
            var part = Accumulator()
            part.requests = int(1)
            part.input = int(2)
            part.cacheRead = int(3)
            part.cacheWrite = int(4)
            part.output = int(5)
            part.reasoning = int(6)
            part.records = int(7)
            part.cost = money(8, 9)
            part.unpricedRecords = int(10)
            part.unpricedRequests = int(11)
            part.unpricedTokens = int(12)
            part.reconciledRecords = int(13)
            part.reported = money(14, 15)
            part.reportedComputed = money(16, 17)
            part.reportedUnpricedRecords = int(18)
            part.reportedUnpriced = money(19, 20)
            sums[index].add(part)
            if part.unpricedRecords > 0 { unpricedModels.insert(Self.modelKey(stmt, &interners[0], id: 21, name: 22)) }
        }
        return assemble(groups: groups, sums: sums, readers: readers, interners: interners, unpricedModels: unpricedModels,
                        usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
    }

    /// One row's group key, read the same way by the record scan and the rollup scan (which differ
    /// only in where the model columns are). Cost: one interner lookup per text key.
    @inline(__always)
    /// Steps `stmt`: true when it produced a row, false when it is done; SQLite's error otherwise.
    private static func nextRow(_ stmt: OpaquePointer?, in db: Database, sql: String) throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { return false }
        guard rc == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
        return true
    }

    /// The position of `key`'s running sums in `sums`, appending empty sums the first time it is seen.
    private static func accumulatorIndex(for key: GroupKey, groups: inout [GroupKey: Int], sums: inout [Accumulator]) -> Int {
        if let found = groups[key] { return found }
        groups[key] = sums.count
        sums.append(Accumulator())
        return sums.count - 1
    }

    private static func groupKey(_ stmt: OpaquePointer?, readers: [KeyReader], ts: Int64, modelColumns: (id: Int32, name: Int32),
                                 interners: inout [TextInterner], segments: OffsetSegments, hint: inout Int) -> GroupKey {
        var key = GroupKey()
        for (slot, reader) in readers.enumerated() {
            switch reader {
            case .model:
                key[slot] = modelKey(stmt, &interners[0], id: modelColumns.id, name: modelColumns.name)
            case .text(let column, let interner):
                key[slot] = Int64(interners[interner].id(sqlite3_column_text(stmt, column), Int(sqlite3_column_bytes(stmt, column))))
            case .hour:
                key[slot] = Int64(segments.hourNumber(of: ts, hint: &hint))
            case .day:
                key[slot] = Int64(segments.dayNumber(of: ts, hint: &hint))
            case .week:
                key[slot] = Int64(LocalCalendar.monday(of: segments.dayNumber(of: ts, hint: &hint)))
            case .month:
                key[slot] = Int64(LocalCalendar.monthIndex(ofDay: segments.dayNumber(of: ts, hint: &hint)))
            }
        }
        return key
    }

    /// The model key: interned resolved id × 2, or interned logged name × 2 + 1 when unresolved.
    @inline(__always)
    private static func modelKey(_ stmt: OpaquePointer?, _ interner: inout TextInterner, id: Int32, name: Int32) -> Int64 {
        if sqlite3_column_type(stmt, id) != SQLITE_NULL {
            return Int64(interner.id(sqlite3_column_text(stmt, id), Int(sqlite3_column_bytes(stmt, id)))) << 1
        }
        return Int64(interner.id(sqlite3_column_text(stmt, name), Int(sqlite3_column_bytes(stmt, name)))) << 1 | 1
    }

    /// A tag value from the `tags` JSON (NULL when tags are absent or not valid JSON). Keys are
    /// validated to `[A-Za-z0-9_.-]` before they reach SQL.
    static func tagExpression(_ key: String) -> String {
        "CASE WHEN json_valid(tags) THEN json_extract(tags, '$.\"\(key)\"') END"
    }

    static func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ",") }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
