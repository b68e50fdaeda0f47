import Foundation

/// The tokenizer benchmark's corpora: real text already on the machine, each file or string used
/// once (exact duplicates dropped), valid UTF-8 only, taken in sorted path order until the corpus
/// reaches `TokenizerCorpora.target` bytes. Deterministic for a given set of installed packages.
///
/// - docs: plain-text files under /usr/share/doc (not .gz; no NUL bytes: README, changelogs, copyright
///   texts, HTML and Markdown docs of the installed packages).
/// - code: the Python standard library's .py sources (/usr/lib/python3.N, the Debian python3 package).
/// - docs+code: the two above, concatenated (16 MB; the figure issue 14 sets targets on).
/// - cjk: the Chinese, Japanese and Korean translations (msgstr) in the gettext catalogues under
///   /usr/share/locale/{zh_*,ja,ko}, then the Japanese and Chinese manual pages (troff source) under
///   /usr/share/man/{ja,zh_CN,zh_TW} — Debian's manpages-ja and manpages-zh, installed by
///   `apt-get install manpages-ja manpages-zh`.
/// - scripts: the translations in the gettext catalogues of 20 languages in other scripts (Cyrillic,
///   Greek, Arabic, Hebrew, Devanagari, Bengali, Tamil, Thai, Georgian, Armenian, Vietnamese…),
///   taken one catalogue per language in turn so every language contributes.
enum TokenizerCorpora {
    static let target = 8 * 1_048_576

    struct Corpus {
        var name: String
        var text: String
        var files: Int
        var provenance: String
        var bytes: Int { text.utf8.count }
    }

    enum Missing: Error, CustomStringConvertible {
        case tooSmall(String, Int, String)
        var description: String {
            switch self {
            case .tooSmall(let name, let bytes, let advice):
                return "corpus \(name): only \(bytes / 1000) KB of text found (needs \(target / 1_048_576) MiB); \(advice)"
            }
        }
    }

    /// Collects text from `sources` (each yields the texts of one file) until `target` bytes.
    struct Builder {
        var parts: [String] = []
        var bytes = 0
        var files = 0
        var seenTexts: [Int: [String]] = [:]

        var full: Bool { bytes >= target }

        /// Adds `text` unless it is empty or an exact duplicate; true if added.
        mutating func add(_ text: String) -> Bool {
            guard !text.isEmpty, !full else { return false }
            let h = text.hashValue
            if let known = seenTexts[h], known.contains(text) { return false }
            seenTexts[h, default: []].append(text)
            parts.append(text)
            bytes += text.utf8.count
            return true
        }

        func corpus(_ name: String, provenance: String) -> Corpus {
            Corpus(name: name, text: parts.joined(), files: files, provenance: provenance)
        }
    }

    static func sortedFiles(under root: String, where keep: (String) -> Bool) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            var isDir: ObjCBool = false
            guard keep(relative), FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil else { continue }
            out.append(path)
        }
        return out.sorted()
    }

    /// The file's text if it is valid UTF-8 without NUL bytes (so: text), else nil.
    static func text(ofFile path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), !data.contains(0) else { return nil }
        return String(validating: data, as: UTF8.self)
    }

    static func docs() throws -> Corpus {
        var b = Builder()
        for path in sortedFiles(under: "/usr/share/doc", where: { !$0.hasSuffix(".gz") }) where !b.full {
            if let t = text(ofFile: path), b.add(t) { b.files += 1 }
        }
        guard b.full else { throw Missing.tooSmall("docs", b.bytes, "install a few documented packages (apt-get install python3-doc)") }
        return b.corpus("docs", provenance: "\(b.files) plain-text files under /usr/share/doc (sorted paths, .gz skipped)")
    }

    static func code() throws -> Corpus {
        let lib = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib"))?
            .filter { $0.hasPrefix("python3.") }.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last
        var b = Builder()
        if let lib {
            for path in sortedFiles(under: "/usr/lib/" + lib, where: { $0.hasSuffix(".py") }) where !b.full {
                if let t = text(ofFile: path), b.add(t) { b.files += 1 }
            }
        }
        guard b.full else { throw Missing.tooSmall("code", b.bytes, "install Python 3 (apt-get install python3)") }
        return b.corpus("code", provenance: "\(b.files) .py files of the Python standard library in /usr/lib/\(lib ?? "python3")")
    }

    /// The translated strings (msgstr) of a gettext .mo catalogue, plural forms split apart.
    static func translations(ofCatalogue path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 28 else { return [] }
        let bytes = [UInt8](data)
        func u32(_ at: Int, _ little: Bool) -> Int {
            guard at + 4 <= bytes.count else { return 0 }
            let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            return Int(little ? v : v.byteSwapped)
        }
        let little = u32(0, true) == 0x9504_12DE
        guard little || u32(0, false) == 0x9504_12DE else { return [] }
        let count = u32(8, little), table = u32(16, little)
        var out: [String] = []
        for i in 0..<count {
            let length = u32(table + 8 * i, little), offset = u32(table + 8 * i + 4, little)
            guard offset + length <= bytes.count, length > 0 else { continue }
            for part in bytes[offset..<(offset + length)].split(separator: 0) {
                if let s = String(validating: part, as: UTF8.self) { out.append(s + "\n") }
            }
        }
        return out
    }

    static func catalogues(_ language: String) -> [String] {
        sortedFiles(under: "/usr/share/locale/\(language)/LC_MESSAGES", where: { $0.hasSuffix(".mo") })
    }

    static func cjk() throws -> Corpus {
        var b = Builder()
        var catalogueCount = 0, manPages = 0
        for language in ["ja", "ko", "zh_CN", "zh_HK", "zh_Hans", "zh_Hant", "zh_TW"] {
            for path in catalogues(language) where !b.full {
                var added = false
                for s in translations(ofCatalogue: path) where b.add(s) { added = true }
                if added { catalogueCount += 1 }
            }
        }
        for language in ["ja", "zh_CN", "zh_TW"] {
            for path in sortedFiles(under: "/usr/share/man/\(language)", where: { $0.hasSuffix(".gz") }) where !b.full {
                if let t = gunzip(path), b.add(t) { manPages += 1 }
            }
        }
        b.files = catalogueCount + manPages
        guard b.full else {
            throw Missing.tooSmall("cjk", b.bytes, "install Debian's Japanese and Chinese manual pages (apt-get install manpages-ja manpages-zh)")
        }
        return b.corpus("cjk", provenance: "translations from \(catalogueCount) gettext catalogues under /usr/share/locale/{ja,ko,zh_*}, then \(manPages) manual pages of manpages-ja/manpages-zh")
    }

    static let otherScripts = ["ar", "be", "bg", "bn", "el", "fa", "gu", "he", "hi", "hy", "ka", "kk", "km", "mk", "ml",
                               "ru", "sr", "ta", "th", "uk", "vi"]

    static func scripts() throws -> Corpus {
        var b = Builder()
        var queues = otherScripts.map { catalogues($0) }
        var round = 0
        var used = Set<String>()
        while !b.full && queues.contains(where: { round < $0.count }) {
            for q in queues.indices where round < queues[q].count && !b.full {
                var added = false
                for s in translations(ofCatalogue: queues[q][round]) where b.add(s) { added = true }
                if added { b.files += 1; used.insert(otherScripts[q]) }
            }
            round += 1
        }
        queues.removeAll()
        guard b.full else { throw Missing.tooSmall("scripts", b.bytes, "the gettext catalogues of installed packages hold too little text") }
        return b.corpus("scripts", provenance: "translations from \(b.files) gettext catalogues of \(used.count) languages under /usr/share/locale (\(otherScripts.joined(separator: " ")), one catalogue per language in turn)")
    }

    /// `gzip -dc path` as text (valid UTF-8 only).
    static func gunzip(_ path: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, !data.contains(0) else { return nil }
        return String(validating: data, as: UTF8.self)
    }
}
