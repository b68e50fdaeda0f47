import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger
@testable import TokenLedgerPostgres

/// The COPY text line a record becomes (no server needed): every column in `recordColumns` order,
/// NULL as \N, the four characters COPY treats specially escaped, numbers in decimal with their sign.
@Suite("a record as a COPY line")
struct CopyRowTests {
    @Test("plain and escaped text, NULLs, negative and large numbers, flags")
    func line() {
        let record = UsageRecord(
            timestamp: Date(timeIntervalSince1970: 1_793_000_000.123), provider: "openai", model: "gpt-4o",
            tokens: TokenCounts(input: 12, output: 3, reasoning: 9_223_372_036_854_775_807), source: "openai-chat",
            project: "x\\y", tags: ["team": "core"], reportedCost: Money(picodollars: -5), requestID: "req\n1\r",
            repository: "github.com/acme/shop", branch: "feature/a\tb")
        let stored = StoredRecord(
            id: 0, entry: LedgerEntry(record: record, dedupKey: "openai:k1", location: SourceLocation(file: "/logs/a\tb.jsonl", line: 7)),
            modelID: "gpt-4o-2024-08-06", cost: Money(picodollars: 1_234_567), unpricedReason: nil, pricePeriod: "2024-08-06",
            priceLayers: ["user:mine.toml", "openai"], importedAt: Date(timeIntervalSince1970: 1_793_000_001))
        var buffer: [UInt8] = []
        CopyRow.append(stored, machine: "alice-laptop", to: &buffer)
        let fields = [
            "openai:k1", "0", "1793000000123", "openai", "gpt-4o", "gpt-4o-2024-08-06", "unknown", "\\N", "f", "\\N",
            "12", "0", "0", "0", "3", "9223372036854775807", "0", "0", "0", "0", "0", "0", "1", "f",
            "1234567", "\\N", "2024-08-06", "user:mine.toml,openai", "-5", "openai-chat", "/logs/a\\tb.jsonl", "7",
            "x\\\\y", "\\N", "req\\n1\\r", "\\N", #"{"team":"core"}"#, "alice-laptop", "1793000001000",
            "github.com/acme/shop", "feature/a\\tb",
        ]
        #expect(fields.count == TeamLedger.recordColumns.count)
        #expect(String(decoding: buffer, as: UTF8.self) == fields.joined(separator: "\t") + "\n")
    }
}
