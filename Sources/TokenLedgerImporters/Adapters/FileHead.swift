/// Cheap questions `detect` asks of a file's first bytes, without parsing them.
/// Cost: a linear scan of at most 64 KiB per question.
struct FileHead {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether `text` occurs anywhere in the head.
    func contains(_ text: String) -> Bool { offset(of: Array(text.utf8), from: 0) != nil }

    /// Whether the head holds the JSON member `"key": "value"` (any whitespace around the colon).
    /// A `value` ending in `*` matches as a prefix: `"id": "gen-*"`.
    func containsPair(_ key: String, _ value: String) -> Bool {
        let needle = Array("\"\(key)\"".utf8)
        let prefix = value.hasSuffix("*")
        let want = Array("\"\(prefix ? String(value.dropLast()) : value)".utf8) + (prefix ? [] : [UInt8(ascii: "\"")])
        var from = 0
        while let at = offset(of: needle, from: from) {
            var i = at + needle.count
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
                if i + want.count <= bytes.count, bytes[i..<(i + want.count)].elementsEqual(want) { return true }
            }
            from = at + 1
        }
        return false
    }

    /// True for binary files (an SQLite database such as llm's `logs.db` stores response JSON as
    /// plain text, which would otherwise look like a saved response): a NUL in the first KiB.
    var isBinary: Bool { bytes.prefix(1024).contains(0) }

    /// The first line (without its terminator), for CSV headers.
    var firstLine: String {
        let end = bytes.firstIndex(of: 0x0A) ?? bytes.count
        var line = bytes[..<end]
        if line.last == 0x0D { line = line.dropLast() }
        if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        return String(decoding: line, as: UTF8.self)
    }

    /// The CSV header's column names, lower-cased, when the first line looks like one.
    var csvColumns: Set<String> {
        let line = firstLine
        guard !line.hasPrefix("{"), !line.hasPrefix("["), line.contains(","),
              let fields = ExportCSVLine.split(line) else { return [] }
        return Set(fields.map { $0.lowercased() })
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

    private func offset(of needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first && bytes[(i + 1)..<(i + needle.count)].elementsEqual(needle[1...]) { return i }
            i += 1
        }
        return nil
    }
}
