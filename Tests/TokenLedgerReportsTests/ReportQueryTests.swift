import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerReports

@Suite("Report query parsing")
struct ReportQueryTests {
    @Test("--by keys parse in order, including tag:KEY and service-tier")
    func byKeys() throws {
        #expect(try GroupDimension.parseList("model,effort,day") == [.model, .effort, .day])
        #expect(try GroupDimension.parseList("tag:team,service-tier") == [.tag("team"), .serviceTier])
        #expect(try GroupDimension.parseList("repo,branch") == [.repository, .branch])
        #expect(try GroupDimension(parsing: "repository") == .repository)
    }

    @Test("a bad --by key is a usage error listing the valid keys")
    func badKey() {
        #expect(throws: ReportError.unknownGroupKey("modle")) { try GroupDimension.parseList("modle") }
        let message = ReportError.unknownGroupKey("modle").message
        #expect(message.contains("model, provider, effort, hour, day, week, month, project, repo, branch, source, session, service-tier, channel, batch, machine, tag:KEY"))
        #expect(ReportError.unknownGroupKey("x").exitStatus == .usage)
        #expect(throws: ReportError.duplicateGroupKey("model")) { try GroupDimension.parseList("model,model") }
        #expect(throws: ReportError.badTagKey("a b")) { try GroupDimension.parseList("tag:a b") }
    }

    @Test("bad dates, months and zones are usage errors")
    func badInput() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(throws: ReportError.badDate(flag: "--since", text: "yesterday")) {
            try ReportPeriod.parse(since: "yesterday", until: nil, month: nil, in: berlin)
        }
        #expect(throws: ReportError.badMonth("2026-13")) { try ReportPeriod.month("2026-13", in: berlin) }
        #expect(throws: ReportError.badTimeZone("Mars/Base")) { try ReportQuery.timeZone(named: "Mars/Base") }
        #expect(throws: ReportError.monthWithRange) { try ReportPeriod.parse(since: "2026-01-01", until: nil, month: "2026-01", in: berlin) }
        #expect(throws: ReportError.emptyPeriod(since: "2026-02-01", until: "2026-01-01")) {
            try ReportPeriod.parse(since: "2026-02-01", until: "2026-01-01", month: nil, in: berlin)
        }
        #expect(throws: ReportError.badTagFilter("team")) { try TagFilter(parsing: "team") }
    }

    @Test("CSV fields are quoted per RFC 4180")
    func csvQuoting() {
        #expect(SpendReport.csvField("plain") == "plain")
        #expect(SpendReport.csvField("a,b") == "\"a,b\"")
        #expect(SpendReport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
    }
}

@Suite("Report table styling")
struct ReportStyleTests {
    @Test("colour codes only with an enabled style; the plain table has none")
    func colour() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.model]))
        #expect(!report.renderTable(style: .plain).contains("\u{1B}["))
        let coloured = report.renderTable(style: Style(enabled: true))
        #expect(coloured.contains("\u{1B}[33mUnpriced: 2 requests"))
        #expect(Style.forTerminal(isTerminal: true, environment: ["NO_COLOR": "1"]).enabled == false)
    }

    @Test("zone names: IANA names and utc in any case are accepted")
    func zones() throws {
        #expect(try ReportQuery.timeZone(named: "utc").secondsFromGMT() == 0)
        #expect(try ReportQuery.timeZone(named: "America/New_York").identifier == "America/New_York")
    }
}
