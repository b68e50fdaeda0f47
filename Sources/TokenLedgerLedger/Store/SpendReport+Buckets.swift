import Foundation
import TokenLedgerCore

/// Exact sums over a set of ledger records, as a ledger engine that groups on its own side (the team
/// ledger on PostgreSQL) hands them over: the same quantities the SQLite scan adds per record.
package struct SpendSums: Sendable, Equatable {
    public var records: Int64 = 0, requests: Int64 = 0
    public var input: Int64 = 0, cacheRead: Int64 = 0, cacheWrite: Int64 = 0, output: Int64 = 0, reasoning: Int64 = 0
    /// Picodollars of the priced records.
    public var cost: Int128 = 0
    public var unpricedRecords: Int64 = 0, unpricedRequests: Int64 = 0, unpricedTokens: Int64 = 0
    /// Records with both a computed and a reported cost, and those two sums.
    public var reconciledRecords: Int64 = 0, reported: Int128 = 0, reportedComputed: Int128 = 0
    /// Unpriced records with a reported cost, and that reported sum.
    public var reportedUnpricedRecords: Int64 = 0, reportedUnpriced: Int128 = 0

    public init() {}

    package mutating func add(_ o: SpendSums) {
        records += o.records; requests += o.requests; input += o.input; cacheRead += o.cacheRead
        cacheWrite += o.cacheWrite; output += o.output; reasoning += o.reasoning; cost += o.cost
        unpricedRecords += o.unpricedRecords; unpricedRequests += o.unpricedRequests; unpricedTokens += o.unpricedTokens
        reconciledRecords += o.reconciledRecords; reported += o.reported; reportedComputed += o.reportedComputed
        reportedUnpricedRecords += o.reportedUnpricedRecords; reportedUnpriced += o.reportedUnpriced
    }

    package func totals(reconcile: Bool) -> UsageTotals {
        var t = UsageTotals()
        t.requests = Int(requests)
        t.inputTokens = Int(input)
        t.cacheReadTokens = Int(cacheRead)
        t.cacheWriteTokens = Int(cacheWrite)
        t.outputTokens = Int(output)
        t.reasoningTokens = Int(reasoning)
        t.cost = Money(picodollars: cost)
        t.records = Int(records)
        t.unpricedRecords = Int(unpricedRecords)
        t.unpricedRequests = Int(unpricedRequests)
        t.unpricedTokens = Int(unpricedTokens)
        if reconcile {
            var r = Reconciliation()
            r.records = Int(reconciledRecords)
            r.reported = Money(picodollars: reported)
            r.computed = Money(picodollars: reportedComputed)
            r.unpricedRecords = Int(reportedUnpricedRecords)
            r.reportedUnpriced = Money(picodollars: reportedUnpriced)
            t.reconciliation = r
        }
        return t
    }
}

/// One pre-summed slice of usage: the records of one time bucket, one model and one value of each
/// text `--by` key.
package struct SpendBucket: Sendable {
    /// The bucket's first instant (Unix ms): its day, week and month are the records'.
    public var startMillis: Int64
    /// The resolved model id, or the model name as logged when `modelResolved` is false.
    public var modelKey: String
    public var modelResolved: Bool
    /// The values of the query's text keys (every `--by` key but model, day, week and month), in
    /// `--by` order; nil when the records had none.
    public var textKeys: [String?]
    public var sums: SpendSums

    public init(startMillis: Int64, modelKey: String, modelResolved: Bool, textKeys: [String?], sums: SpendSums) {
        self.startMillis = startMillis
        self.modelKey = modelKey
        self.modelResolved = modelResolved
        self.textKeys = textKeys
        self.sums = sums
    }
}

extension ReportQuery {
    /// The period's bounds in Unix milliseconds (nil = unbounded), as every ledger engine compares `ts`.
    package var periodMillis: (since: Int64?, until: Int64?) {
        (period.since.map(SpendReportBuilder.millis), period.until.map(SpendReportBuilder.millis))
    }

    /// The `--by` keys that are read as text (all but model and the calendar keys), in order.
    package var textDimensions: [GroupDimension] {
        groupBy.filter { $0 != .model && !$0.isTime }
    }

    /// True when a rollup summed per UTC hour × provider × model × effort × kind (× machine) answers the
    /// query exactly: only those keys and calendar keys, no model/project/tag filter, period bounds on
    /// whole UTC hours, no record before 1970, and local days that start on UTC hours over the period.
    package func rollupAnswers(lowMillis low: Int64, wholeHourOffsets: Bool) -> Bool {
        let hour: Int64 = 3_600_000
        let (since, until) = periodMillis
        return groupBy.allSatisfy({ [.model, .provider, .effort, .hour, .day, .week, .month, .machine].contains($0) })
            && models.isEmpty && projects.isEmpty && branches.isEmpty && tags.isEmpty && low >= 0
            && (since.map { $0 % hour == 0 } ?? true) && (until.map { $0 % hour == 0 } ?? true)
            && wholeHourOffsets
    }

    /// `rollupAnswers` for records spanning [low, high) ms.
    package func rollupAnswers(lowMillis low: Int64, highMillis high: Int64) -> Bool {
        rollupAnswers(lowMillis: low, wholeHourOffsets: OffsetSegments(zone: timeZone, fromMillis: low, toMillis: high).offsetsAreWholeHours)
    }

    /// The zone's UTC offsets over [low, high) ms: from each instant (the first from `Int64.min`) the
    /// offset in ms, so an engine can compute local days itself: day = (t + offset(t)) / 86,400,000.
    /// Cost: one zone lookup per DST transition in the range.
    package func utcOffsets(lowMillis low: Int64, highMillis high: Int64) -> [(from: Int64, offset: Int64)] {
        let segments = OffsetSegments(zone: timeZone, fromMillis: low, toMillis: high)
        return Array(zip(segments.starts, segments.offsets)).map { (from: $0.0, offset: $0.1) }
    }
}

extension SpendReport {
    /// Builds the report from pre-summed buckets exactly as the SQLite scan builds it from records: the
    /// same calendar keys in the query's zone, labels, totals, unpriced summary and row order, so a
    /// ledger engine that sums on its own side prints the same numbers for the same records.
    /// `lowMillis`/`highMillis` bound the buckets' instants (for the zone's offset segments).
    /// Cost: one hash-table update per bucket.
    package static func assemble(query: ReportQuery, buckets: some Sequence<SpendBucket>, lowMillis: Int64, highMillis: Int64,
                                usedAggregates: [String], skippedAggregates: [String]) -> SpendReport {
        let segments = OffsetSegments(zone: query.timeZone, fromMillis: lowMillis, toMillis: highMillis)
        var hint = 0
        var groups: [BucketGroupKey: SpendSums] = [:]
        // Net unpriced records per model: a plan's moved pieces arrive as negative buckets too.
        var unpricedByModel: [String: Int64] = [:]
        var totals = SpendSums()
        for bucket in buckets {
            var labels: [String?] = []
            labels.reserveCapacity(query.groupBy.count)
            var text = 0
            var resolved = true
            for dimension in query.groupBy {
                switch dimension {
                case .model:
                    labels.append(bucket.modelKey)
                    resolved = bucket.modelResolved
                case .hour:
                    labels.append(LocalCalendar.hourLabel(segments.hourNumber(of: bucket.startMillis, hint: &hint)))
                case .day:
                    labels.append(LocalCalendar.dayLabel(segments.dayNumber(of: bucket.startMillis, hint: &hint)))
                case .week:
                    labels.append(LocalCalendar.isoWeekLabel(mondayOf: LocalCalendar.monday(of: segments.dayNumber(of: bucket.startMillis, hint: &hint))))
                case .month:
                    labels.append(LocalCalendar.monthLabel(LocalCalendar.monthIndex(ofDay: segments.dayNumber(of: bucket.startMillis, hint: &hint))))
                default:
                    labels.append(bucket.textKeys[text])
                    text += 1
                }
            }
            groups[BucketGroupKey(labels: labels, resolved: resolved), default: SpendSums()].add(bucket.sums)
            totals.add(bucket.sums)
            if bucket.sums.unpricedRecords != 0 { unpricedByModel[bucket.modelKey, default: 0] += bucket.sums.unpricedRecords }
        }
        // A group whose records were all moved to other buckets nets to zero records: no row, as in a scan.
        let rows = groups.filter { $0.value.records != 0 }.map { key, sums in
            SpendRow(keys: key.labels, modelResolved: key.resolved, usage: sums.totals(reconcile: query.reconcile))
        }
        var unpriced = UnpricedSummary()
        unpriced.records = Int(totals.unpricedRecords)
        unpriced.requests = Int(totals.unpricedRequests)
        unpriced.tokens = Int(totals.unpricedTokens)
        unpriced.models = unpricedByModel.filter { $0.value > 0 }.keys.sorted()
        return SpendReport(
            groupBy: query.groupBy, period: query.period, timeZone: query.timeZone,
            rows: SpendReport.sorted(rows, by: query.groupBy), totals: totals.totals(reconcile: query.reconcile),
            unpriced: unpriced, reconciled: query.reconcile,
            aggregateProviders: query.aggregates == .exclude ? [] : usedAggregates,
            skippedAggregateProviders: query.aggregates == .only ? [] : skippedAggregates)
    }
}

/// A report row's key while assembling buckets: its labels and whether its model was resolved.
private struct BucketGroupKey: Hashable {
    var labels: [String?]
    var resolved: Bool
}
