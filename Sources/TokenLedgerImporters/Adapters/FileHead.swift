#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cheap questions `detect` asks of a file's first bytes, without parsing them. One head is shared by
/// every built-in adapter asked about a file (`HeadDetecting`), and remembers its answers: a needle
/// several adapters ask about is searched for once, and the places of a member name once for all the
/// values asked of it.
/// Cost: one search of at most 64 KiB per distinct question (`ByteSearch`, moving up to the needle's
/// length a step).
final class FileHead {
    let bytes: [UInt8]
    private var answers: [String: Bool] = [:]
    /// Where each `"key"` asked of `containsPair` occurs, in order.
    private var places: [String: [Int]] = [:]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The head's quoted stretches (from a `"` to the next one) by length, found once when first
    /// needed: a quoted needle without a quote inside (`"custom_id"`) can only lie from one quote to
    /// the next, so it is looked for only among the stretches of its length. Most needles detection
    /// asks are such names, and a head lacks most of them: each was a search of all its bytes.
    private lazy var stretches = QuotedStretches(bytes)

    /// Whether `text` occurs anywhere in the head.
    func contains(_ text: String) -> Bool {
        if let known = answers[text] { return known }
        var needle = text
        let found = needle.withUTF8 { utf8 in
            let needle = UnsafeRawBufferPointer(utf8)
            guard QuotedStretches.fits(needle) else { return offset(of: needle, from: 0) != nil }
            return stretches.first(needle, in: bytes) != nil
        }
        answers[text] = found
        return found
    }

    /// Whether the head holds the JSON member `"key": "value"` (any whitespace around the colon).
    /// A `value` ending in `*` matches as a prefix: `"id": "gen-*"`.
    func containsPair(_ key: String, _ value: String) -> Bool {
        let needle = Array("\"\(key)\"".utf8)
        let prefix = value.hasSuffix("*")
        let want = Array("\"\(prefix ? String(value.dropLast()) : value)".utf8) + (prefix ? [] : [UInt8(ascii: "\"")])
        for at in occurrences(of: key, needle) {
            var i = at + needle.count
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
                if i + want.count <= bytes.count, bytes[i..<(i + want.count)].elementsEqual(want) { return true }
            }
        }
        return false
    }

    /// Every place `needle` (the quoted `key`) starts, each search going on from the byte after the last.
    private func occurrences(of key: String, _ needle: [UInt8]) -> [Int] {
        if let known = places[key] { return known }
        var found: [Int] = []
        if needle.withUnsafeBytes({ QuotedStretches.fits($0) }) {
            needle.withUnsafeBytes {
                stretches.each($0, in: bytes) { at in
                    found.append(at)
                    return true
                }
            }
        } else {
            var from = 0
            while let at = needle.withUnsafeBytes({ offset(of: $0, from: from) }) {
                found.append(at)
                from = at + 1
            }
        }
        places[key] = found
        return found
    }

    /// True for binary files (an SQLite database such as llm's `logs.db` stores response JSON as
    /// plain text, which would otherwise look like a saved response): a NUL in the first KiB.
    var isBinary: Bool {
        bytes.withUnsafeBytes { raw in raw.baseAddress.map { memchr($0, 0, min(raw.count, 1024)) != nil } ?? false }
    }

    /// The first line (without its terminator), for CSV headers.
    var firstLine: String {
        let end = bytes.firstIndex(of: 0x0A) ?? bytes.count
        var line = bytes[..<end]
        if line.last == 0x0D { line = line.dropLast() }
        if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        return String(decoding: line, as: UTF8.self)
    }

    /// The CSV header, when the first line looks like one (not JSON, at least two columns).
    var csvHeader: CSVHeader? {
        if startsWithJSONBracket { return nil }
        let line = firstLine
        guard !line.hasPrefix("{"), !line.hasPrefix("["), line.contains(",") else { return nil }
        return CSVHeader(firstLineOf: bytes)
    }

    /// True when `firstLine` surely starts with the Character "{" or "[": that byte, followed by the
    /// line's end or an ASCII byte other than CR (which cannot join it into one Character), so a JSON
    /// head is refused as a CSV header without decoding its first line.
    private var startsWithJSONBracket: Bool {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") else { return false }
        i += 1
        return i == bytes.count || bytes[i] == 0x0A || (bytes[i] < 0x80 && bytes[i] != 0x0D)
    }

    /// The first non-blank byte.
    var firstByte: UInt8? {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count {
            if bytes[i] != 0x20 && bytes[i] != 0x09 && bytes[i] != 0x0A && bytes[i] != 0x0D { return bytes[i] }
            i += 1
        }
        return nil
    }

    /// Where `needle` first occurs at or after `from`; nil when it does not (or is empty).
    func offset(of needle: UnsafeRawBufferPointer, from: Int) -> Int? {
        bytes.withUnsafeBytes { ByteSearch.offset(of: needle, in: $0, from: from) }
    }
}

/// Every stretch of a head from a `"` to the next `"`, grouped by length: where a quoted needle with no
/// quote inside can occur, since such a needle spans exactly one stretch. Found with one `memchr` a
/// quote and two passes over the quotes (a counting sort by length), so asking for a needle costs a
/// comparison per stretch of its length instead of a search of the whole head.
struct QuotedStretches {
    /// Stretches longer than this (from quote to quote) are not indexed: no needle asked is as long.
    static let longest = 126
    /// `starts[byLength[d] ..< byLength[d + 1]]`: the offsets of the quotes whose next quote is `d`
    /// bytes on, in order.
    private var byLength: [Int]
    private var starts: [Int]

    init(_ bytes: [UInt8]) {
        var byLength = [Int](repeating: 0, count: Self.longest + 2)
        var starts: [Int] = []
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 1 else { return }
            // The quotes' offsets, then a count of the stretches of each length and their starts
            // placed by those counts: unsafe buffers, as a head of 64 KiB holds thousands of quotes.
            let quotes = [Int](unsafeUninitializedCapacity: raw.count) { buffer, count in
                var from = 0
                while from < raw.count, let hit = memchr(base + from, 0x22, raw.count - from) {
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    buffer[count] = at
                    count += 1
                    from = at + 1
                }
            }
            guard quotes.count > 1 else { return }
            quotes.withUnsafeBufferPointer { q in
                byLength.withUnsafeMutableBufferPointer { counts in
                    for k in 1..<q.count where q[k] - q[k - 1] <= Self.longest { counts[q[k] - q[k - 1] + 1] += 1 }
                    for d in 1..<counts.count { counts[d] += counts[d - 1] }
                    var next = [Int](counts)
                    starts = [Int](unsafeUninitializedCapacity: counts[counts.count - 1]) { out, filled in
                        next.withUnsafeMutableBufferPointer { next in
                            for k in 1..<q.count where q[k] - q[k - 1] <= Self.longest {
                                let d = q[k] - q[k - 1]
                                out[next[d]] = q[k - 1]
                                next[d] += 1
                            }
                        }
                        filled = counts[counts.count - 1]
                    }
                }
            }
        }
        self.byLength = byLength
        self.starts = starts
    }

    /// True for a needle these stretches answer: `"…"` with no quote between its two, of at most
    /// `longest + 1` bytes.
    static func fits(_ needle: UnsafeRawBufferPointer) -> Bool {
        let n = needle.count
        guard n >= 2, n - 1 <= longest, needle[0] == 0x22, needle[n - 1] == 0x22 else { return false }
        return !needle[1..<(n - 1)].contains(0x22)
    }

    /// Where a fitting needle first occurs in `bytes` (the head these stretches were found in).
    func first(_ needle: UnsafeRawBufferPointer, in bytes: [UInt8]) -> Int? {
        var found: Int?
        each(needle, in: bytes) { at in
            found = at
            return false
        }
        return found
    }

    /// Calls `body` with every place a fitting needle occurs, in order, until it returns false.
    func each(_ needle: UnsafeRawBufferPointer, in bytes: [UInt8], _ body: (Int) -> Bool) {
        let d = needle.count - 1
        guard let needleBase = needle.baseAddress else { return }
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            for k in byLength[d]..<byLength[d + 1] where memcmp(base + starts[k] + 1, needleBase + 1, d - 1) == 0 {
                if !body(starts[k]) { return }
            }
        }
    }
}
