import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerImporters

@Suite("Generic CSV adapter")
struct GenericCSVAdapterTests {
    let adapter = GenericCSVAdapter()
    static let mapped = "fixtures/logs/csv/usage_mapped.csv"
    static let auto = "fixtures/logs/csv/usage_auto.csv"
    static let map = "timestamp=ts,model=model_name,input=in,output=out,cached=cached_in,reasoning=think,provider=vendor,cost=usd,effort=tier,project=proj,id=req"

    func run(_ path: String, options: [String: String] = [:]) throws -> AdapterHarness.Output {
        let url = AdapterHarness.fixture(path)
        return try AdapterHarness.run(adapter, file: url, context: ImportContext(file: url, options: options))
    }

    @Test func mappedColumns() throws {
        let out = try run(Self.mapped, options: ["map": Self.map])
        #expect(out.entries.map { $0.location?.line } == [2, 3, 5, 6, 8])
        #expect(out.malformed.map(\.line) == [4, 7]) // out "n/a"; cached 20 > input 10
        #expect(out.malformed[0].reason.contains("column out"))
        let kept = LedgerSimulation.kept(out.entries)
        #expect(kept.map(\.dedupKey) == ["csv:r-001", "csv:r-003", "csv:r-004", "csv:r-006"])
        let r = kept.map(\.record)
        // 12000 input incl. 8000 cached → 4000 + 8000; 3000 output incl. 2000 reasoning.
        #expect(r[0].tokens == TokenCounts(input: 4000, cacheRead: 8000, output: 3000, reasoning: 2000))
        #expect(r[0].effort == .high)
        #expect(r[0].project == "shop")
        #expect(r[0].provider == "openai")
        #expect(r[0].reportedCost == Money(decimalText: "0.0425"))
        #expect(r[0].requestID == "r-001")
        #expect(r[0].source == "csv")
        #expect(r[1].tokens == TokenCounts(input: 5000, output: 800, reasoning: 300))
        #expect(r[1].timestamp == Timestamp.parse("2025-11-20T09:15:00Z")) // Unix seconds 1763630100
        #expect(r[1].provider == "google")
        #expect(r[1].effort == .unknown)
        #expect(r[2].tokens == TokenCounts(input: 1000, output: 100))
        #expect(r[2].provider == "openai") // no vendor: guessed from the model name
        #expect(r[2].timestamp == Timestamp.parse("2026-11-21T00:00:00Z"))
        #expect(r[2].reportedCost == nil)
        #expect(r[3].tokens == TokenCounts(input: 500, cacheRead: 1500, output: 500, reasoning: 400))
        #expect(r[3].timestamp == Timestamp.parse("2026-11-21T09:00:00Z"))
        #expect(r[3].reportedCost == Money(decimalText: "0.008"))
        // input 4000+5000+1000+500 = 10500; read 8000+1500 = 9500; output 3000+800+100+500 = 4400;
        // reasoning 2000+300+400 = 2700; cost 0.0425+0.01425+0.008 = 0.06475.
        #expect(LedgerSimulation.totals(out.entries) == TokenCounts(input: 10500, cacheRead: 9500, output: 4400, reasoning: 2700))
        #expect(r.compactMap(\.reportedCost).reduce(Money.zero, +) == Money(decimalText: "0.06475"))
    }

    @Test func recognisedHeaderNamesWithoutAMap() throws {
        let out = try run(Self.auto, options: ["provider": "openai"])
        // Lines 4-5 are one record (a quoted note with a newline); line 6 has too few fields.
        #expect(out.entries.map { $0.location?.line } == [2, 3, 4, 7])
        #expect(out.malformed.map(\.line) == [6])
        let kept = LedgerSimulation.kept(out.entries)
        #expect(kept.count == 3) // lines 2 and 3 are the same row, no id column: counted once
        #expect(kept.allSatisfy { $0.dedupKey.hasPrefix("csv:") && $0.dedupKey.count == 36 })
        let r = kept.map(\.record)
        #expect(r[0].tokens == TokenCounts(input: 600, cacheRead: 400, output: 200))
        #expect(r[0].reportedCost == Money(decimalText: "0.0018"))
        #expect(r[0].timestamp == Timestamp.parse("2026-11-22T08:00:00Z"))
        #expect(r[1].tokens == TokenCounts(input: 3000, output: 300))
        #expect(r[2].tokens == TokenCounts(input: 500, output: 50))
        #expect(r[2].reportedCost == nil)
        // input 600+3000+500 = 4100; read 400; output 200+300+50 = 550.
        #expect(LedgerSimulation.totals(out.entries) == TokenCounts(input: 4100, cacheRead: 400, output: 550))
    }

    @Test func aMissingRequiredColumnIsLineOneWithTheFix() {
        let text = "when,what,n\n2026-11-22,gpt-4.1,5\n2026-11-23,gpt-4.1,6\n"
        let file = URL(fileURLWithPath: "/tmp/u.csv")
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: file))
        #expect(out.entries.isEmpty)
        #expect(out.malformed.map(\.line) == [1, 2, 3])
        #expect(out.malformed[0].reason.contains("add timestamp=<column> to --map"))
        let bad = AdapterHarness.run(adapter, text: text, context: ImportContext(file: file, options: ["map": "timestamp=when,model=what,outptu=n"]))
        #expect(bad.malformed.first?.reason.contains("'outptu' in --map is not a target") == true)
        let missing = AdapterHarness.run(adapter, text: text, context: ImportContext(file: file, options: ["map": "timestamp=when,model=what,output=count"]))
        #expect(missing.malformed.first?.reason.contains("no such column") == true)
        let good = AdapterHarness.run(adapter, text: text, context: ImportContext(file: file, options: ["map": "timestamp=when,model=what,output=n"]))
        #expect(good.records.map(\.tokens) == [TokenCounts(output: 5), TokenCounts(output: 6)])
        #expect(good.malformed.isEmpty)
    }

    @Test func aBadMapIsRefusedBeforeImporting() throws {
        let head = Array("when,what,n\n2026-11-22,gpt-4.1,5\n".utf8)
        #expect(throws: CSVMappingError.self) { try GenericCSVAdapter.checkMapping(head: head, map: nil) }
        do {
            try GenericCSVAdapter.checkMapping(head: head, map: "timestamp=when,model=what,outptu=n")
            Issue.record("a misspelt target was accepted")
        } catch {
            #expect(error.message == "'outptu' in --map is not a target; targets are timestamp, model, input, input_uncached, output, cached, cache_write, reasoning, provider, cost, effort, project, session, id.")
            #expect(error.exitStatus == .usage)
        }
        try GenericCSVAdapter.checkMapping(head: head, map: "timestamp=when,model=what,output=n")
        let auto = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.auto)))
        try GenericCSVAdapter.checkMapping(head: auto, map: nil)
        #expect(throws: CSVMappingError.self) { try GenericCSVAdapter.checkMapping(head: [], map: nil) }
    }

    @Test func uncachedInputConvention() {
        let text = "ts,m,uin,cr,cw,o\n2026-11-22T00:00:00Z,claude-opus-4-6,20,5000,2000,300\n"
        let out = AdapterHarness.run(adapter, text: text, context: ImportContext(file: URL(fileURLWithPath: "/tmp/a.csv"),
            options: ["map": "timestamp=ts,model=m,input_uncached=uin,cached=cr,cache_write=cw,output=o"]))
        #expect(out.records.map(\.tokens) == [TokenCounts(input: 20, cacheRead: 5000, cacheWrite5m: 2000, output: 300)])
        #expect(out.records.first?.provider == "anthropic")
    }

    @Test func resumingMidQuotedFieldGivesTheSameRecords() throws {
        let file = AdapterHarness.fixture(Self.auto)
        let bytes = try [UInt8](Data(contentsOf: file))
        let whole = AdapterHarness.run(adapter, bytes: bytes, context: ImportContext(file: file), state: nil)
        for cut in bytes.indices where bytes[cut] == 0x0A && cut < bytes.count - 1 {
            let first = AdapterHarness.run(adapter, bytes: Array(bytes[...cut]), context: ImportContext(file: file), state: nil)
            let saved = try JSONParser.parse(first.state?.serialized() ?? "null")
            let rest = AdapterHarness.run(adapter, bytes: Array(bytes[(cut + 1)...]), context: ImportContext(file: file), state: saved.isNull ? nil : saved)
            #expect((first.entries + rest.entries).map(\.dedupKey) == whole.entries.map(\.dedupKey), "cut after byte \(cut)")
            #expect((first.entries + rest.entries).map(\.record) == whole.entries.map(\.record), "cut after byte \(cut)")
        }
    }

    @Test func detectsOnlyCSVsWithUsageColumns() throws {
        let head = try [UInt8](Data(contentsOf: AdapterHarness.fixture(Self.auto)))
        #expect(adapter.detect(fileName: "usage_auto.csv", head: head) == 30)
        #expect(adapter.detect(fileName: "people.csv", head: Array("name,email\n".utf8)) == 0)
        // A LiteLLM export is claimed more strongly by its own adapter.
        let litellm = try [UInt8](Data(contentsOf: AdapterHarness.fixture(LiteLLMAdapterTests.csv)))
        #expect(LiteLLMAdapter().detect(fileName: "spend_logs.csv", head: litellm) > adapter.detect(fileName: "spend_logs.csv", head: litellm))
    }
}
