import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
import TokenLedgerReports

/// Debian's Chromium (or another Chrome) for the layout tests; nil when none is installed.
let headlessBrowser: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// The HTML report laid out by a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
/// installs) opens the page at a desktop and a phone width, and a probe script measures what a reader
/// would see: no sideways page scroll, every chart label inside its chart, axis text at least 11 px.
@Suite("HTML report layout in headless Chromium", .enabled(if: headlessBrowser != nil, "needs Debian's chromium (apt-get install chromium)"))
struct HTMLLayoutTests {

    /// Runs beside the page after layout and writes its findings into the DOM that `--dump-dom` prints.
    /// The page sits in an iframe of the width under test (a headless window cannot be narrower than
    /// 500 px), so `innerWidth` is the phone's.
    static let probe = """
        <script>
        const frame = document.getElementById('page');
        frame.addEventListener('load', () => {
          const w = frame.contentWindow, d = frame.contentDocument, problems = [];
          if (d.documentElement.scrollWidth > w.innerWidth + 1) problems.push('page is ' + d.documentElement.scrollWidth + ' px wide in a ' + w.innerWidth + ' px window');
          for (const svg of d.querySelectorAll('svg')) {
            const box = svg.getBoundingClientRect();
            const scale = box.width / svg.viewBox.baseVal.width;
            for (const text of svg.querySelectorAll('text')) {
              const r = text.getBoundingClientRect();
              const name = JSON.stringify(text.textContent.slice(0, 40));
              if (r.left < box.left - 1 || r.right > box.right + 1) problems.push('label ' + name + ' cut off (' + Math.round(r.left) + '..' + Math.round(r.right) + ' outside ' + Math.round(box.left) + '..' + Math.round(box.right) + ')');
              const px = parseFloat(w.getComputedStyle(text).fontSize) * scale;
              if (px < 11) problems.push('label ' + name + ' drawn at ' + px.toFixed(1) + ' px');
            }
          }
          const out = document.createElement('pre');
          out.id = 'layout-result';
          out.textContent = JSON.stringify(problems);
          document.body.appendChild(out);
        });
        </script>
        """

    /// The probe's findings for `html` at `width` px: an empty list when the page lays out cleanly.
    func problems(_ html: String, width: Int) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("probe.html")
        let escaped = html.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
        let wrapper = "<!DOCTYPE html><html><body style=\"margin:0\"><iframe id=\"page\" style=\"width:\(width)px;height:900px;border:0\" srcdoc=\"\(escaped)\"></iframe>\(Self.probe)</body></html>"
        try wrapper.write(to: page, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(headlessBrowser))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir.path)/profile",
                             "--window-size=\(width + 100),1000", "--virtual-time-budget=5000", "--dump-dom", page.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let dom = String(decoding: data, as: UTF8.self)
        let marker = "<pre id=\"layout-result\">"
        guard let start = dom.range(of: marker), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            Issue.record("Chromium printed no layout result (exit \(process.terminationStatus))")
            return ["no result"]
        }
        let text = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return (try JSONParser.parse(text).array ?? []).compactMap(\.string)
    }

    /// A year of usage with long model names: weekly bars, middle-shortened labels.
    func longPeriodPage() throws -> String {
        var rows: [TestRow] = []
        let start = ReportFixture.ms("2025-11-01T12:00:00Z")
        let models = ["claude-sonnet-4-5-20250929", "gpt-5-mini-2025-08-07", "accounts/fireworks/models/deepseek-v3p1-terminus",
                      "gemini-2.5-flash-lite-preview-09-2025", "o3-deep-research-2025-06-26"]
        for day in 0..<400 {
            for (i, model) in models.enumerated() where (day + i) % 3 != 0 {
                rows.append(TestRow(ts: start + Int64(day) * 86_400_000, model: model, modelID: model,
                                    effort: i == 2 ? "unknown" : "high", cost: Int64(1 + (day * 7 + i * 13) % 50) * 100_000_000_000))
            }
        }
        let ledger = try ReportFixture.ledger(rows)
        let period = try ReportPeriod.parse(since: "2025-11-01", until: "2026-12-06", month: nil, in: ReportFixture.utc)
        let report = try ledger.spendReport(for: ReportQuery(groupBy: [.model, .effort], period: period, timeZone: ReportFixture.utc))
        let charts = try ledger.spendReport(for: ReportQuery(groupBy: [.day, .model, .effort], period: period, timeZone: ReportFixture.utc))
        return report.renderHTML(charts: charts, page: HTMLPageInfo(generatedAt: Date(), filters: ["project acme"], version: "test"))
    }

    @Test("the October fixture page and a year-long page read at 1400 px and on a 420 px phone", arguments: [1400, 420])
    func layout(width: Int) throws {
        let ledger = try ReportFixture.ledger()
        let october = try ledger.spendReport(for: ReportFixture.octoberQuery([.model, .effort]))
        let charts = try ledger.spendReport(for: ReportFixture.octoberQuery([.day, .model, .effort]))
        let octoberProblems = try problems(october.renderHTML(charts: charts), width: width)
        #expect(octoberProblems.isEmpty, "October at \(width) px: \(octoberProblems.prefix(8))")
        let yearProblems = try problems(longPeriodPage(), width: width)
        #expect(yearProblems.isEmpty, "a year at \(width) px: \(yearProblems.prefix(8))")
    }

    @Test("a long period is drawn in weeks, unknown effort in grey, long names shortened in the middle with the full name on hover")
    func longPeriod() throws {
        let html = try longPeriodPage()
        #expect(html.contains("Weekly spend by model"))
        #expect(html.contains("Week starting"))
        #expect(html.contains("<title>accounts/fireworks/models/deepseek-v3p1-terminus</title>accounts…terminus"))
        #expect(html.contains("<title>unknown</title>unknown</text><rect") && html.contains("fill=\"#8C8C8C\"><title>unknown:"))
        #expect(html.contains("Filters: project acme.") && html.contains("Generated by TokenLedger test on "))
    }
}
