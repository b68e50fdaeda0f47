import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

@Suite("CSV reader (RFC 4180, fed physical lines)")
struct CSVReaderTests {
    /// Feeds `text` line by line the way the pipeline does and collects the events.
    static func events(_ text: String, reader: inout CSVReader, firstLine: Int = 1) -> [CSVReader.Event] {
        var out: [CSVReader.Event] = []
        var number = firstLine - 1
        for line in Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            number += 1
            var bytes = Array(line)
            if bytes.last == 0x0D { bytes.removeLast() }
            out.append(bytes.withUnsafeBytes { reader.feed(line: $0, number: number) })
        }
        return out
    }

    static func rows(_ events: [CSVReader.Event]) -> [CSVRow] {
        events.compactMap { if case .row(let r) = $0 { return r } else { return nil } }
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() {
        var reader = CSVReader()
        let text = "\u{FEFF}Model,Input Tokens,note\r\ngpt-4o,10,\"a, b\"\n\"o3\",20,\"say \"\"hi\"\"\"\nx,30,\"line one\nline two\n\"\nlast,40,\n"
        let ev = Self.events(text, reader: &reader)
        let rows = Self.rows(ev)
        #expect(reader.header?.names == ["Model", "Input Tokens", "note"])
        #expect(rows.map(\.fields) == [
            ["gpt-4o", "10", "a, b"], ["o3", "20", "say \"hi\""], ["x", "30", "line one\nline two\n"], ["last", "40", ""],
        ])
        // The record that spans lines 4-6 is reported at its first line; the next one at line 7.
        #expect(rows.map(\.line) == [2, 3, 4, 7])
        #expect(rows[0]["input_tokens"] == "10")
        #expect(rows[0]["MODEL"] == "gpt-4o")
        #expect(rows[3]["note"] == nil)
        #expect(CSVHeader(names: ["Cost (USD)", " Input-Tokens ", "startTime"]).index(of: "cost_usd") == 0)
        #expect(CSVHeader(names: ["Cost (USD)", " Input-Tokens ", "startTime"]).index(of: "Input Tokens") == 1)
        #expect(CSVHeader(names: ["Cost (USD)", " Input-Tokens ", "startTime"]).index(of: "starttime") == 2)
    }

    @Test func aRecordOpenAtACheckpointContinuesFromState() {
        var first = CSVReader()
        let ev1 = Self.events("a,b,c\n1,\"x\ny\n", reader: &first)
        #expect(Self.rows(ev1).isEmpty)
        #expect(first.isInsideQuotes)
        // A new reader (next run) continues from the saved state: header and the open record.
        var second = CSVReader(state: first.state)
        let rows = Self.rows(Self.events("z\",2\n3,4,5\n", reader: &second, firstLine: 4))
        #expect(rows.map(\.fields) == [["1", "x\ny\nz", "2"], ["3", "4", "5"]])
        #expect(rows.map(\.line) == [2, 5])
    }

    @Test func malformedRowsAreReportedWithTheirLine() {
        var reader = CSVReader()
        let ev = Self.events("a,b\n1,2\n\"bad\"x,3\n4\n5,6\n", reader: &reader)
        var bad: [Int] = []
        for e in ev { if case .malformed(_, let line) = e { bad.append(line) } }
        #expect(bad == [3, 4])
        #expect(Self.rows(ev).map(\.fields) == [["1", "2"], ["5", "6"]])
        var open = CSVReader()
        _ = Self.events("a\n\"never closed\n", reader: &open)
        if case .malformed(_, let line)? = open.finish() { #expect(line == 2) } else { Issue.record("expected malformed") }
    }
}
