import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerReports

/// Every format on the fixture ledger, compared byte for byte with fixtures/reports/golden/.
/// Re-record on purpose only: `RECORD_GOLDEN=1 swift test --filter ReportGoldenTests`, then review the diff.
@Suite("Report golden files")
struct ReportGoldenTests {
    static let recording = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1"

    func check(_ text: String, _ name: String) throws {
        let url = ReportFixture.directory.appendingPathComponent("golden").appendingPathComponent(name)
        if ReportGoldenTests.recording {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) differs from its golden file; re-record with RECORD_GOLDEN=1 if the change is intended")
    }

    @Test("table by model, effort for October in Berlin")
    func table() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.model, .effort]))
        try check(report.renderTable(), "october-by-model-effort.txt")
    }

    @Test("table with reconciliation by provider")
    func reconcileTable() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.provider], reconcile: true))
        try check(report.renderTable(), "october-reconcile-by-provider.txt")
    }

    @Test("CSV by day, model")
    func csv() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.day, .model]))
        try check(report.renderCSV(), "october-by-day-model.csv")
    }

    @Test("JSON by model, effort with reconciliation")
    func json() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.model, .effort], reconcile: true))
        try check(report.jsonValue().serialized(pretty: true) + "\n", "october-by-model-effort.json")
    }

    @Test("Markdown by project, model")
    func markdown() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.project, .model]))
        try check(report.renderMarkdown(), "october-by-project-model.md")
    }

    @Test("HTML by model, with charts from day × model × effort")
    func html() throws {
        let ledger = try ReportFixture.ledger()
        let report = try ledger.spendReport(for: ReportFixture.octoberQuery([.model]))
        let charts = try ledger.spendReport(for: ReportFixture.octoberQuery([.day, .model, .effort]))
        let html = report.renderHTML(charts: charts)
        try check(html, "october-by-model.html")
        // Self-contained: nothing fetched from anywhere.
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        #expect(!html.contains("https://"))
        #expect(!html.contains("@import") && !html.contains("url("))
    }

    @Test("Prometheus by model, effort")
    func prometheus() throws {
        let report = try ReportFixture.ledger().spendReport(for: ReportFixture.octoberQuery([.model, .effort]))
        try check(report.renderPrometheus(), "october.prom")
    }
}
