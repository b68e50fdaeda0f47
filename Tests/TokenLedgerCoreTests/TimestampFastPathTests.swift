import Foundation
import Testing
import TokenLedgerCore

/// `Timestamp.parse` reads `YYYY-MM-DDTHH:MM:SS.sssZ` at fixed places before the general parser: both
/// must give the same answer (the same `Date`, bit for bit, or nil) for every text.
@Suite("The millisecond UTC fast path agrees with the general parser")
struct TimestampFastPathTests {
    /// Both parsers' answers for `text`, and the fast path's own (nil when it declines).
    private func answers(_ text: String) -> (parse: Date?, general: Date?, fast: Date?) {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer {
            (Timestamp.parse(utf8: $0), Timestamp.parseAnyShape(utf8: $0), Timestamp.parseMillisecondsUTC(utf8: $0))
        }
    }

    /// Texts on which `parse` and the general parser differ, or the fast path answers differently from
    /// the general parser; and how many of them the fast path answered.
    private func disagreements(_ texts: [String]) -> (wrong: [String], fastAnswered: Int) {
        var wrong: [String] = []
        var fastAnswered = 0
        for text in texts {
            let a = answers(text)
            if a.fast != nil { fastAnswered += 1 }
            let same = a.parse?.timeIntervalSince1970.bitPattern == a.general?.timeIntervalSince1970.bitPattern
            let fastSame = a.fast == nil || a.fast?.timeIntervalSince1970.bitPattern == a.general?.timeIntervalSince1970.bitPattern
            if !same || !fastSame { wrong.append(text) }
        }
        return (wrong, fastAnswered)
    }

    @Test("edge dates, times, zones and trailing bytes")
    func edges() {
        let texts = [
            "2026-11-24T09:30:00.123Z", "2024-02-29T12:00:00.000Z", "2023-02-29T12:00:00.000Z",
            "1900-02-29T00:00:00.000Z", "2000-02-29T23:59:59.999Z", "2100-02-29T00:00:00.000Z",
            "2026-04-31T00:00:00.000Z", "2026-04-30T00:00:00.000Z", "2026-00-10T00:00:00.000Z",
            "2026-13-10T00:00:00.000Z", "2026-12-00T00:00:00.000Z", "2026-12-32T00:00:00.000Z",
            "2026-12-31T24:00:00.000Z", "2026-12-31T24:00:01.000Z", "2026-12-31T24:01:00.000Z",
            "2026-12-31T24:00:00.001Z", "2026-12-31T23:60:00.000Z", "2026-12-31T23:59:60.000Z",
            "2026-12-31T23:59:61.000Z", "2026-12-31T25:00:00.000Z", "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.001Z",
            "2026-11-24t09:30:00.123Z", "2026-11-24T09:30:00.123z", "2026-11-24 09:30:00.123Z",
            "2026-11-24T09:30:00,123Z", "2026-11-24T09:30:00.123+", "2026-11-24T09:30:00.123 ",
            " 2026-11-24T09:30:00.123Z", "2026-11-24T09:30:00.123Z ", "2026-11-24T09:30:00.123ZZ",
            "2026-11-24T09:30:00.12Z", "2026-11-24T09:30:00.1234Z", "2026-11-24T09:30:00.Z",
            "2026-11-24T09:30:00Z", "2026-11-24T09:30:00.123+00:00", "2026-11-24T09:30:00.123-05:30",
            "2026-11-24T09:30:00.123", "2026-11-24T09:30:00.123 UTC", "2026-11-24T09:3a:00.123Z",
            "2026-11-24T09:30:00.12aZ", "20a6-11-24T09:30:00.123Z", "2026-1/-24T09:30:00.123Z",
            "2026-11-24T09:30:00.12:Z", "-026-11-24T09:30:00.123Z", "+026-11-24T09:30:00.123Z",
            "2026-11-24T09:30:00.123Zx", "2026-11-24T09:30:00.1230000Z", "1764000000000",
            "2026-11-24T09:30:00.123\u{0}", "2026-11-24T09:30:00.123é",
        ]
        let result = disagreements(texts)
        #expect(result.wrong == [])
        #expect(result.fastAnswered == 9)
    }

    @Test("generated texts of every shape")
    func generated() {
        var rng = SplitMix64(seed: 24)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let zones = ["Z", "z", "", "+00:00", "-05:30", "+0530", "+05", " UTC", "Zx", "+", "-1"]
        let separators = ["T", "t", " ", "x"]
        let swaps: [Character] = ["0", "5", "9", "-", ":", ".", "T", "Z", " ", "a", "/", "+"]
        var texts: [String] = []
        for _ in 0..<40_000 {
            let year = Int(rng.next() % 10_000)
            let month = Int(rng.next() % 14), day = Int(rng.next() % 33)
            let hour = Int(rng.next() % 26), minute = Int(rng.next() % 62), second = Int(rng.next() % 62)
            let fractionDigits = Int(rng.next() % 10)
            var fraction = ""
            for _ in 0..<fractionDigits { fraction += String(rng.next() % 10) }
            // Most texts in the fast path's shape, the rest in every other one.
            let shaped = rng.next() % 4 != 0
            let zone = shaped ? "Z" : zones[Int(rng.next() % UInt64(zones.count))]
            let separator = shaped ? "T" : separators[Int(rng.next() % UInt64(separators.count))]
            if shaped { fraction = pad(Int(rng.next() % 1000), 3) }
            var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))\(separator)\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            if !fraction.isEmpty || rng.next() % 8 == 0 { text += "." + fraction }
            text += zone
            if rng.next() % 10 == 0 {
                var characters = Array(text)
                characters[Int(rng.next() % UInt64(characters.count))] = swaps[Int(rng.next() % UInt64(swaps.count))]
                text = String(characters)
            }
            texts.append(text)
        }
        let result = disagreements(texts)
        #expect(result.wrong.prefix(5) == [])
        // Valid dates are about two in three of the shaped texts: the fast path must have answered many.
        #expect(result.fastAnswered >= 10_000)
    }
}
