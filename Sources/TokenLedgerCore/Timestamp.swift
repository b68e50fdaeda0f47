import Foundation

/// Fast, exact parsing of the timestamp shapes that usage logs contain, to a UTC `Date`.
///
/// Accepted: ISO 8601 / RFC 3339 with `T` or a space, optional seconds, optional fraction of any
/// length, and `Z`, `±HH:MM`, `±HHMM` or no zone (naive; read as UTC unless a zone is given);
/// a date alone ("2026-11-24", midnight); Unix seconds or milliseconds as a number.
/// Cost: one pass over at most ~35 bytes, no allocation, no `DateFormatter`.
package enum Timestamp {
    /// Parses a timestamp string. Naive times (no zone) are read in `naiveZone` (UTC by default).
    public static func parse(_ text: some StringProtocol, naiveZone: TimeZone? = nil) -> Date? {
        // Straight from the string's UTF-8 when it is contiguous (a native string): trimming, the
        // Unix-number check and " UTC" on Characters, and a copy into an array, cost more than the
        // parse itself (a third of a Claude Code line's parse, callgrind).
        if let parsed = text.utf8.withContiguousStorageIfAvailable({ parse(utf8: $0, naiveZone: naiveZone) }) { return parsed }
        return Array(text.utf8).withUnsafeBufferPointer { parse(utf8: $0, naiveZone: naiveZone) }
    }

    /// Parses a timestamp from its UTF-8 bytes, as `parse(_:naiveZone:)` parses the same text: for a
    /// reader that has the bytes and no `String` of them (a Claude Code line's `timestamp`).
    package static func parse(utf8 whole: UnsafeBufferPointer<UInt8>, naiveZone: TimeZone? = nil) -> Date? {
        if let date = parseMillisecondsUTC(utf8: whole) { return date }
        return parseAnyShape(utf8: whole, naiveZone: naiveZone)
    }

    /// The shape Claude Code and most JavaScript loggers write, `YYYY-MM-DDTHH:MM:SS.sssZ` (24 bytes,
    /// UTC, milliseconds), read at fixed places: the same `Date` as `parseAnyShape`, with about a
    /// fifth of its instructions. Nil for any other shape and for a field out of range (an invalid
    /// date, hour 24, a minute of 60), which `parse` then hands to `parseAnyShape` to judge.
    package static func parseMillisecondsUTC(utf8 u: UnsafeBufferPointer<UInt8>) -> Date? {
        guard u.count == 24, let p = u.baseAddress, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
              p[10] == UInt8(ascii: "T"), p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
              p[19] == UInt8(ascii: "."), p[23] == UInt8(ascii: "Z")
        else { return nil }
        // Each digit's value, and whether any byte was not a digit (its value then above 9).
        var notDigit: UInt8 = 0
        func digit(_ k: Int) -> Int {
            let v = p[k] &- 48
            notDigit |= v > 9 ? 1 : 0
            return Int(v)
        }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9)
        let hour = digit(11) * 10 + digit(12), minute = digit(14) * 10 + digit(15), second = digit(17) * 10 + digit(18)
        let millis = digit(20) * 100 + digit(21) * 10 + digit(22)
        guard notDigit == 0, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61
        else { return nil }
        let seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        // The fraction as `parseAnyShape` sums it (nanoseconds), so the same `Double` results.
        let nanos = Int64(millis) * 1_000_000
        return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(nanos) / 1e9)
    }

    /// Every shape `parse` accepts, read byte by byte.
    package static func parseAnyShape(utf8 whole: UnsafeBufferPointer<UInt8>, naiveZone: TimeZone? = nil) -> Date? {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        var start = 0, end = whole.count
        while start < end, isSpace(whole[start]) { start += 1 }
        while end > start, isSpace(whole[end - 1]) { end -= 1 }
        if start == end { return nil }
        if whole[start..<end].allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") }) {
            return fromUnix(String(decoding: UnsafeBufferPointer(rebasing: whole[start..<end]), as: UTF8.self))
        }
        if end - start >= 4, whole[end - 4] == 0x20, whole[end - 3] == UInt8(ascii: "U"), whole[end - 2] == UInt8(ascii: "T"),
           whole[end - 1] == UInt8(ascii: "C") {
            end -= 4
        }
        let u = UnsafeBufferPointer(rebasing: whole[start..<end])
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in 0..<n {
                let b = u[i + k]
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < u.count, u[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2),
              expect(UInt8(ascii: "-")), let day = digits(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var nanos: Int64 = 0
        var offsetSeconds: Int? = nil
        if i < u.count {
            guard u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: "t") || u[i] == UInt8(ascii: " ") else { return nil }
            i += 1
            guard let h = digits(2), expect(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            hour = h
            minute = m
            if expect(UInt8(ascii: ":")) {
                guard let sec = digits(2) else { return nil }
                second = sec
                if i < u.count && (u[i] == UInt8(ascii: ".") || u[i] == UInt8(ascii: ",")) {
                    i += 1
                    var scale: Int64 = 100_000_000
                    var sawDigit = false
                    while i < u.count, u[i] >= 48 && u[i] <= 57 {
                        nanos += Int64(u[i] - 48) * scale
                        scale /= 10
                        sawDigit = true
                        i += 1
                    }
                    guard sawDigit else { return nil }
                }
            }
            guard hour < 24 || (hour == 24 && minute == 0 && second == 0), minute < 60, second < 61 else { return nil }
            if i < u.count {
                if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
                    i += 1
                    offsetSeconds = 0
                } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                    let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    _ = expect(UInt8(ascii: ":"))
                    let om = digits(2) ?? 0
                    offsetSeconds = sign * (oh * 3600 + om * 60)
                }
            }
        }
        guard i == u.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        var seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        if let offsetSeconds {
            seconds -= Int64(offsetSeconds)
        } else if let naiveZone, naiveZone.secondsFromGMT() != 0 || naiveZone.identifier != "GMT" {
            // Resolve the zone's offset at that local time (two passes handle DST edges).
            let guess = Date(timeIntervalSince1970: TimeInterval(seconds))
            var offset = naiveZone.secondsFromGMT(for: guess)
            offset = naiveZone.secondsFromGMT(for: guess.addingTimeInterval(TimeInterval(-offset)))
            seconds -= Int64(offset)
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(nanos) / 1e9)
    }

    /// Unix seconds ("1732406400", "1732406400.5") or milliseconds (13 or more integer digits).
    public static func fromUnix(_ text: some StringProtocol) -> Date? {
        // At most 18 fraction digits and 10^14 whole units (milliseconds up to the year 5138), so the
        // arithmetic below cannot overflow on a giant number in a damaged log.
        guard let d = ExactDecimal(text), d.significand >= 0, d.fractionDigits <= 18 else { return nil }
        let whole = d.significand / pow10(d.fractionDigits)
        guard whole < 100_000_000_000_000 else { return nil }
        // Whole milliseconds since the epoch, truncating finer fractions.
        var millis = d.significand * 1000 / pow10(d.fractionDigits)
        if whole >= 1_000_000_000_000 { millis /= 1000 } // already milliseconds
        guard let ms = Int64(exactly: millis) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(ms) / 1000)
    }

    /// `fromUnix` for a whole number already read (an importer's hot path that reads digits in place):
    /// seconds, or milliseconds from 10^12 on; nil when negative or 10^14 or more, as `fromUnix`.
    public static func fromWholeUnix(_ whole: Int) -> Date? {
        guard whole >= 0, whole < 100_000_000_000_000 else { return nil }
        let millis = whole >= 1_000_000_000_000 ? whole : whole * 1000
        return Date(timeIntervalSince1970: TimeInterval(millis) / 1000)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// "2026-11-24T09:30:00.123Z" — the form the ledger and JSON output use (UTC, milliseconds).
    public static func iso8601(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let millis = Int((totalMillis % 1000 + 1000) % 1000)
        let seconds = (totalMillis - Int64(millis)) / 1000
        var days = Int(seconds / 86_400)
        var rest = Int(seconds % 86_400)
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2)).\(pad(millis, 3))Z"
    }

    /// The civil date for days since 1970-01-01.
    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
