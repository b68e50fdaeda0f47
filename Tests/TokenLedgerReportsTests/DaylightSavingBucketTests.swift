import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerReports

/// Day buckets follow local midnight in the report's zone, including the 23- and 25-hour days.
@Suite("Day buckets across DST changes")
struct DaylightSavingBucketTests {
    func days(_ times: [String], zone: TimeZone, by: [GroupDimension] = [.day]) throws -> [String: Int] {
        let ledger = try ReportFixture.ledger(times.map { TestRow(ts: ReportFixture.ms($0)) })
        let report = try ledger.spendReport(for: ReportQuery(groupBy: by, timeZone: zone))
        var out: [String: Int] = [:]
        for row in report.rows { out[row.keys[0] ?? "nil"] = row.usage.requests }
        return out
    }

    @Test("Berlin, 2026-10-25 (25 hours): 00:30 CEST and 23:30 CET are the same day; 00:30 CET next is the 26th")
    func berlinAutumn() throws {
        let result = try days([
            "2026-10-24T21:59:00Z", // 23:59 CEST on the 24th
            "2026-10-24T22:00:00Z", // 00:00 CEST, first instant of the 25th
            "2026-10-25T00:30:00Z", // 02:30 CEST (first pass through 02:30)
            "2026-10-25T01:30:00Z", // 02:30 CET (second pass)
            "2026-10-25T22:59:00Z", // 23:59 CET, last minute of the 25th
            "2026-10-25T23:00:00Z", // 00:00 CET on the 26th
        ], zone: ReportFixture.berlin)
        #expect(result == ["2026-10-24": 1, "2026-10-25": 4, "2026-10-26": 1])
    }

    @Test("Berlin, 2026-03-29 (23 hours): the day ends at 22:00 UTC")
    func berlinSpring() throws {
        let result = try days([
            "2026-03-28T22:59:00Z", // 23:59 CET on the 28th
            "2026-03-28T23:00:00Z", // 00:00 CET on the 29th
            "2026-03-29T00:59:00Z", // 01:59 CET
            "2026-03-29T01:00:00Z", // 03:00 CEST (02:xx never happened)
            "2026-03-29T21:59:00Z", // 23:59 CEST, last minute of the 29th
            "2026-03-29T22:00:00Z", // 00:00 CEST on the 30th
        ], zone: ReportFixture.berlin)
        #expect(result == ["2026-03-28": 1, "2026-03-29": 4, "2026-03-30": 1])
    }

    @Test("New York, 2026-11-01 (25 hours) and 2026-03-08 (23 hours)")
    func newYork() throws {
        let result = try days([
            "2026-11-01T03:59:00Z", // 23:59 EDT on Oct 31
            "2026-11-01T04:00:00Z", // 00:00 EDT Nov 1
            "2026-11-01T05:30:00Z", // 01:30 EDT
            "2026-11-01T06:30:00Z", // 01:30 EST
            "2026-11-02T04:59:00Z", // 23:59 EST Nov 1
            "2026-11-02T05:00:00Z", // 00:00 EST Nov 2
            "2026-03-08T04:59:00Z", // 23:59 EST Mar 7
            "2026-03-08T05:00:00Z", // 00:00 EST Mar 8
            "2026-03-09T03:59:00Z", // 23:59 EDT Mar 8
            "2026-03-09T04:00:00Z", // 00:00 EDT Mar 9
        ], zone: ReportFixture.newYork)
        #expect(result == ["2026-10-31": 1, "2026-11-01": 4, "2026-11-02": 1, "2026-03-07": 1, "2026-03-08": 2, "2026-03-09": 1])
    }

    @Test("the same instants in UTC fall on UTC days")
    func utc() throws {
        let result = try days(["2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"], zone: ReportFixture.utc)
        #expect(result == ["2026-10-24": 1, "2026-10-25": 1])
    }

    @Test("--since/--until dates are local days: until is inclusive of its whole (25-hour) day")
    func periodBounds() throws {
        let period = try ReportPeriod.parse(since: "2026-10-25", until: "2026-10-25", month: nil, in: ReportFixture.berlin)
        #expect(period.since == Timestamp.parse("2026-10-24T22:00:00Z"))
        #expect(period.until == Timestamp.parse("2026-10-25T23:00:00Z"))
        let month = try ReportPeriod.month("2026-03", in: ReportFixture.newYork)
        #expect(month.since == Timestamp.parse("2026-03-01T05:00:00Z"))
        #expect(month.until == Timestamp.parse("2026-04-01T04:00:00Z"))
        let naive = try ReportPeriod.parse(since: "2026-10-25T02:30:00+01:00", until: "2026-10-26T00:00", month: nil, in: ReportFixture.berlin)
        #expect(naive.since == Timestamp.parse("2026-10-25T01:30:00Z"))
        #expect(naive.until == Timestamp.parse("2026-10-25T23:00:00Z"))
    }

    @Test("weeks are ISO weeks starting Monday in the zone; months are local months")
    func weeksAndMonths() throws {
        let weeks = try days([
            "2026-11-29T22:59:00Z", // Sunday 23:59 CET → week 48
            "2026-11-29T23:00:00Z", // Monday 00:00 CET → week 49
            "2027-01-01T12:00:00Z", // Friday → ISO 2026-W53
            "2027-01-04T12:00:00Z", // Monday → 2027-W01
        ], zone: ReportFixture.berlin, by: [.week])
        #expect(weeks == ["2026-W48": 1, "2026-W49": 1, "2026-W53": 1, "2027-W01": 1])
        let months = try days(["2026-10-31T22:59:00Z", "2026-10-31T23:00:00Z"], zone: ReportFixture.berlin, by: [.month])
        #expect(months == ["2026-10": 1, "2026-11": 1])
    }
}
