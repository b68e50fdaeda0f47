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

    /// Whether `text` occurs anywhere in the head.
    func contains(_ text: String) -> Bool {
        if let known = answers[text] { return known }
        var needle = text
        let found = needle.withUTF8 { offset(of: UnsafeRawBufferPointer($0), from: 0) != nil }
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
        var from = 0
        while let at = needle.withUnsafeBytes({ offset(of: $0, from: from) }) {
            found.append(at)
            from = at + 1
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
