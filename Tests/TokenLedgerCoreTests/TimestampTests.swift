import Foundation
import Testing
import TokenLedgerCore

@Suite("Timestamps from every log shape")
struct TimestampTests {
    let reference = Date(timeIntervalSince1970: 1_764_000_000) // 2025-11-24T16:00:00Z

    @Test("ISO 8601 shapes all name the same instant", arguments: [
        "2025-11-24T16:00:00Z", "2025-11-24T16:00:00.000Z", "2025-11-24 16:00:00", "2025-11-24T16:00:00+00:00",
        "2025-11-24T17:00:00+01:00", "2025-11-24T11:00:00-0500", "2025-11-24T16:00", "1764000000", "1764000000000",
        "2025-11-24 16:00:00 UTC",
    ])
    func shapes(text: String) {
        #expect(Timestamp.parse(text) == reference)
    }

    @Test("fractions are kept to the millisecond")
    func fractions() throws {
        let date = try #require(Timestamp.parse("2024-01-26T22:34:30.374882"))
        #expect(Timestamp.iso8601(date) == "2024-01-26T22:34:30.375Z")
    }

    @Test("nonsense is rejected", arguments: ["", "2025-13-01", "2025-02-30", "yesterday", "2025-11-24T25:00:00Z", "2025-11-24X", "-5"])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("naive times can be read in a named zone, across DST")
    func naiveZone() throws {
        let ny = try #require(TimeZone(identifier: "America/New_York"))
        #expect(Timestamp.parse("2025-07-01T12:00:00", naiveZone: ny).map(Timestamp.iso8601) == "2025-07-01T16:00:00.000Z")
        #expect(Timestamp.parse("2025-01-01T12:00:00", naiveZone: ny).map(Timestamp.iso8601) == "2025-01-01T17:00:00.000Z")
    }

    @Test("civil day arithmetic round-trips")
    func civil() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = Timestamp.civilFromDays(days)
            #expect(Timestamp.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }
}
