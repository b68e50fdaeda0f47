import Testing
import TokenLedgerImporters

@Suite("What an import prints while it runs")
struct ImportReporterTests {
    @Test("malformed lines print as file:line: reason, capped, then 'and N more'")
    func capped() {
        var out: [String] = []
        let reporter = TextImportReporter(limit: 2, showsProgress: false) { out.append($0) }
        for line in [3, 9, 12, 40] { reporter.malformed(file: "/logs/a.jsonl", line: line, reason: "invalid JSON at byte 7: unterminated string") }
        reporter.progress(bytesRead: 10, bytesTotal: 100)
        reporter.finished()
        #expect(out == [
            "/logs/a.jsonl:3: invalid JSON at byte 7: unterminated string\n",
            "/logs/a.jsonl:9: invalid JSON at byte 7: unterminated string\n",
            "… and 2 more malformed lines (see 'tokenledger import --quarantine')\n",
        ])
    }

    @Test("on a terminal the progress bar redraws in place and is cleared before other output")
    func progressBar() {
        var out: [String] = []
        let reporter = TextImportReporter(showsProgress: true) { out.append($0) }
        reporter.progress(bytesRead: 50 << 20, bytesTotal: 200 << 20)
        reporter.progress(bytesRead: 50 << 20, bytesTotal: 200 << 20)   // same percentage: not redrawn
        reporter.problem("x is not a usage log TokenLedger recognises; pass --format F to read it as format F.")
        reporter.finished()
        #expect(out == [
            "\r[#######                       ] 25%  50/200 MB",
            "\r\u{1B}[K",
            "tokenledger: warning: x is not a usage log TokenLedger recognises; pass --format F to read it as format F.\n",
        ])
    }
}
