import Foundation
import TokenLedgerPricing

/// Where a report's sums are read from, coarsest first. Both ledger engines keep the same tiers.
package enum ReportTier: String, Sendable {
    /// Usage summed per UTC day × provider × model × effort × kind × project × source × unpriced cause
    /// (× machine on a team ledger): `report_rollup_day`.
    case day
    /// Usage summed per UTC hour × provider × model × effort × kind (× machine): `report_rollup`.
    case hour
    /// `usage_record` itself.
    case records

    /// The tier's time unit in milliseconds (its time column is `ts / unit`).
    package var unitMillis: Int64 {
        switch self {
        case .day: return 86_400_000
        case .hour: return 3_600_000
        case .records: return 1
        }
    }
}

/// How a report is answered from the day tier: every UTC day of the period whose records all fall in
/// one report bucket (one local day, week or month in the query's zone, or the whole period) is read
/// from `report_rollup_day`; a UTC day cut by a bucket edge or by the period's ends is read from the
/// day tier for its longest piece and the other pieces are moved: read from a finer tier (the hourly
/// rollup when every cut is on a whole hour and it holds the keys, else the records), taken away from
/// the longest piece's bucket and added to their own. Every sum is an integer, so this is exact.
///
/// Cost: one grouped read of the day tier (≈ days × active keys) and one of the finer tier over the
/// moved pieces: in a whole-hour zone at most the hours between a bucket edge and UTC midnight
/// (Europe/Berlin: 1–2 hours per edge), in a half-hour zone those hours' records.
package struct ReportPlan: Sendable, Equatable {
    /// A time range of one tier, `[from, to)` in Unix ms (on the tier's unit), and where its sums go:
    /// each credit adds them (`sign` 1) to, or takes them (−1) from, the bucket of the instant `at`.
    package struct Range: Sendable, Equatable {
        package var from: Int64
        package var to: Int64
        package var credits: [Credit]
    }

    package struct Credit: Sendable, Equatable {
        package var sign: Int64
        package var at: Int64
    }

    /// Ranges read from the day tier (whole UTC days).
    package var coarse: [Range] = []
    /// Ranges read from `fineTier` (pieces of UTC days).
    package var fine: [Range] = []
    /// `.hour` or `.records`.
    package var fineTier: ReportTier = .records

    /// One grouped read of a tier over some ranges (per range, model and text key, the sums): what each
    /// engine supplies to `report(for:…)`. `cause` adds the unpriced cause as a key; `onlyUnpriced`
    /// reads only unpriced records.
    package typealias TierRead = (_ tier: ReportTier, _ ranges: [Range], _ keys: [GroupDimension], _ cause: Bool,
                                  _ onlyUnpriced: Bool) throws -> [(range: Int, bucket: SpendBucket)]

    /// The report this plan answers, from the engine's `read`: the day tier for the coarse ranges, the
    /// fine tier for the moved pieces, each credited to its bucket. The unpriced cause is one more key
    /// of the same reads (it splits only unpriced rows), so the causes line costs no second pass over
    /// the day tier; moved pieces read from the hourly rollup (which lacks the cause) get a second,
    /// small read of their unpriced records when the report has any. Both engines answer through this.
    package func report(for query: ReportQuery, lowMillis low: Int64, highMillis high: Int64, usedAggregates: [String],
                        skippedAggregates: [String], read: TierRead) throws -> SpendReport {
        let keys = query.textDimensions
        let coarse = ReportPlan.credited(try read(.day, self.coarse, keys, true, false), ranges: self.coarse)
        let fineHasCause = fineTier == .records
        let fine = ReportPlan.credited(try read(fineTier, self.fine, keys, fineHasCause, false), ranges: self.fine)
        var report = SpendReport.assemble(query: query, buckets: coarse + fine, lowMillis: low, highMillis: high,
                                          usedAggregates: usedAggregates, skippedAggregates: skippedAggregates)
        if report.unpriced.records > 0 {
            var withCause = coarse
            if fineHasCause {
                withCause += fine
            } else {
                withCause += ReportPlan.credited(try read(.records, self.fine, [], true, true), ranges: self.fine)
            }
            report.unpriced.causes = UnpricedCauseCount.netted(withCause)
        }
        return report
    }

    /// The rows each range of a tier produces, credited: one bucket per credit, its sums signed.
    package static func credited(_ rows: some Sequence<(range: Int, bucket: SpendBucket)>, ranges: [Range]) -> [SpendBucket] {
        var out: [SpendBucket] = []
        for (range, bucket) in rows {
            for credit in ranges[range].credits {
                var b = bucket
                b.startMillis = credit.at
                if credit.sign < 0 { b.sums = bucket.sums.negated() }
                out.append(b)
            }
        }
        return out
    }
}

extension ReportQuery {
    /// The plan that answers this query from the day tier, or nil when the day tier cannot answer it
    /// exactly: a key or filter it does not hold (`dayKeys` are the text keys the engine's day tier
    /// holds), `--by hour`, a model, branch or tag filter, or records before 1970.
    ///
    /// `low`/`high` bound the records' instants (`high` exclusive) when the period is open.
    /// `hourAnswers` says whether the hourly rollup holds every key and filter (then hour-aligned
    /// moved pieces are read from it).
    package func dayTierPlan(lowMillis low: Int64, highMillis high: Int64, dayKeys: [GroupDimension], hourAnswers: Bool) -> ReportPlan? {
        let day = LocalCalendar.dayMillis
        guard low >= 0, !groupBy.contains(.hour), models.isEmpty, branches.isEmpty, tags.isEmpty,
              textDimensions.allSatisfy(dayKeys.contains) else { return nil }
        let (since, until) = periodMillis
        let start = since ?? LocalCalendar.floorDiv(low, day) * day
        let end = until ?? (LocalCalendar.floorDiv(high - 1, day) + 1) * day
        var plan = ReportPlan()
        guard start < end else { return plan }

        // The instants where the report's bucket changes (local midnights where the day, week or month
        // key changes; DST transitions where the day number jumps), plus the period's ends.
        let segments = OffsetSegments(zone: timeZone, fromMillis: start, toMillis: end)
        var cuts: [Int64] = [start]
        if groupBy.contains(where: \.isTime) {
            var hint = 0
            func key(_ t: Int64) -> (Int, Int, Int) {
                let d = segments.dayNumber(of: t, hint: &hint)
                return (groupBy.contains(.day) ? d : 0, groupBy.contains(.week) ? LocalCalendar.monday(of: d) : 0,
                        groupBy.contains(.month) ? LocalCalendar.monthIndex(ofDay: d) : 0)
            }
            var candidates: [Int64] = []
            for i in segments.starts.indices {
                let from = max(segments.starts[i], start)
                let to = i + 1 < segments.starts.count ? min(segments.starts[i + 1], end) : end
                guard from < to else { continue }
                if from > start { candidates.append(from) }
                let offset = segments.offsets[i]
                var t = (LocalCalendar.floorDiv(from + offset, day) + 1) * day - offset
                if t - day >= from { t -= day }
                while t < to {
                    if t > start { candidates.append(t) }
                    t += day
                }
            }
            candidates.sort()
            var last: Int64 = start
            for t in candidates where t > last {
                if key(t) != key(t - 1) { cuts.append(t) }
                last = t
            }
        }
        cuts.append(end)

        // Walk the UTC days, splitting each at the cuts inside it.
        var c = 0
        var dayStart = LocalCalendar.floorDiv(start, day) * day
        var fineRanges: [ReportPlan.Range] = []
        var previousWasWhole = false
        while dayStart < end {
            let dayEnd = dayStart + day
            while c + 1 < cuts.count && cuts[c + 1] <= dayStart { c += 1 }
            var edges = [dayStart]
            var k = c
            while k < cuts.count && cuts[k] < dayEnd {
                if cuts[k] > dayStart { edges.append(cuts[k]) }
                k += 1
            }
            edges.append(dayEnd)
            let pieces = (0..<(edges.count - 1)).map { (from: edges[$0], to: edges[$0 + 1]) }
            let inside = { (p: (from: Int64, to: Int64)) in p.from >= start && p.to <= end }
            if pieces.count == 1 {
                // A whole day in one bucket: extend the previous day's range when no cut lies between.
                if previousWasWhole && !cuts[c...].prefix(2).contains(dayStart) {
                    plan.coarse[plan.coarse.count - 1].to = dayEnd
                } else {
                    plan.coarse.append(.init(from: dayStart, to: dayEnd, credits: [.init(sign: 1, at: dayStart)]))
                }
                previousWasWhole = true
            } else {
                previousWasWhole = false
                let major = pieces.indices.max { pieces[$0].to - pieces[$0].from < pieces[$1].to - pieces[$1].from }!
                if inside(pieces[major]) && (pieces[major].to - pieces[major].from) * 2 >= day {
                    plan.coarse.append(.init(from: dayStart, to: dayEnd, credits: [.init(sign: 1, at: pieces[major].from)]))
                    for (i, p) in pieces.enumerated() where i != major {
                        var credits = [ReportPlan.Credit(sign: -1, at: pieces[major].from)]
                        if inside(p) { credits.append(.init(sign: 1, at: p.from)) }
                        fineRanges.append(.init(from: p.from, to: p.to, credits: credits))
                    }
                } else {
                    for p in pieces where inside(p) {
                        fineRanges.append(.init(from: p.from, to: p.to, credits: [.init(sign: 1, at: p.from)]))
                    }
                }
            }
            dayStart = dayEnd
        }
        plan.fine = fineRanges
        let hour = ReportTier.hour.unitMillis
        plan.fineTier = hourAnswers && fineRanges.allSatisfy({ $0.from % hour == 0 && $0.to % hour == 0 }) ? .hour : .records
        return plan
    }
}

extension UnpricedCauseCount {
    /// The unpriced-causes line from credited buckets whose last text key is the cause: net unpriced
    /// records and requests per cause and model (moved pieces arrive negative too).
    package static func netted(_ buckets: [SpendBucket]) -> [UnpricedCauseCount] {
        var net: [CauseKey: (records: Int64, requests: Int64)] = [:]
        for bucket in buckets where bucket.sums.unpricedRecords != 0 {
            let key = CauseKey(reason: (bucket.textKeys.last ?? nil) ?? "", model: bucket.modelKey)
            net[key, default: (0, 0)].records += bucket.sums.unpricedRecords
            net[key, default: (0, 0)].requests += bucket.sums.unpricedRequests
        }
        return group(net.filter { $0.value.records > 0 }.map {
            (reason: $0.key.reason, model: $0.key.model, records: Int($0.value.records), requests: Int($0.value.requests))
        })
    }

    private struct CauseKey: Hashable {
        var reason: String
        var model: String
    }
}

extension SpendSums {
    /// The same sums with the opposite sign (a piece of a day taken away from a bucket).
    package func negated() -> SpendSums {
        var s = SpendSums()
        s.records = -records; s.requests = -requests; s.input = -input; s.cacheRead = -cacheRead
        s.cacheWrite = -cacheWrite; s.output = -output; s.reasoning = -reasoning; s.cost = -cost
        s.unpricedRecords = -unpricedRecords; s.unpricedRequests = -unpricedRequests; s.unpricedTokens = -unpricedTokens
        s.reconciledRecords = -reconciledRecords; s.reported = -reported; s.reportedComputed = -reportedComputed
        s.reportedUnpricedRecords = -reportedUnpricedRecords; s.reportedUnpriced = -reportedUnpriced
        return s
    }
}
