import Foundation
import TokenLedgerCore

/// The encodings bundled with TokenLedger.
public enum EncodingName: String, CaseIterable, Sendable, CustomStringConvertible {
    case o200kBase = "o200k_base"
    case cl100kBase = "cl100k_base"

    public var description: String { rawValue }

    /// The special tokens and their ids, exactly as tiktoken defines them.
    public var specialTokens: [(text: String, id: Int)] {
        switch self {
        case .o200kBase:
            return [("<|endoftext|>", 199_999), ("<|endofprompt|>", 200_018)]
        case .cl100kBase:
            return [
                ("<|endoftext|>", 100_257), ("<|fim_prefix|>", 100_258), ("<|fim_middle|>", 100_259),
                ("<|fim_suffix|>", 100_260), ("<|endofprompt|>", 100_276),
            ]
        }
    }

    var pattern: PreTokenizer.Pattern {
        switch self {
        case .o200kBase: return .o200k
        case .cl100kBase: return .cl100k
        }
    }
}

/// Errors from loading or using an encoding.
public enum TokenizerError: UserFacingError, Equatable {
    case unknownEncoding(String)
    case unknownModel(String)
    case resourcesMissing(String)
    case resourceDamaged(String)

    public var message: String {
        switch self {
        case .unknownEncoding(let name):
            return "unknown encoding '\(name)'; use o200k_base or cl100k_base."
        case .unknownModel(let name):
            return "no tokenizer is known for model '\(name)'; pass --encoding o200k_base or cl100k_base instead."
        case .resourcesMissing(let path):
            return "the tokenizer vocabulary is missing (looked for \(path)); install with scripts/install.sh (it puts the vocabulary in PREFIX/share/tokenledger/Vocab) or set TOKENLEDGER_VOCAB_DIR to the folder holding it."
        case .resourceDamaged(let why):
            return "the bundled tokenizer vocabulary is damaged (\(why)); reinstall TokenLedger."
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .unknownEncoding, .unknownModel: return .usage
        case .resourcesMissing, .resourceDamaged: return .failure
        }
    }
}

/// One BPE encoding (o200k_base or cl100k_base): split rules, ranks and special tokens; thread-safe.
///
/// Results are byte-for-byte those of tiktoken's `encode_ordinary` (and `encode(allowed_special="all")`
/// with `allowSpecial`). Load with `TokenEncoding.named(_:)`, which maps the bundled file once per process.
public final class TokenEncoding: Sendable {
    public let name: EncodingName
    public let vocabulary: CompactVocabulary
    let classes: UnicodeClasses
    let specials: [(bytes: [UInt8], id: Int)]

    init(name: EncodingName, vocabulary: CompactVocabulary, classes: UnicodeClasses) {
        self.name = name
        self.vocabulary = vocabulary
        self.classes = classes
        specials = name.specialTokens.map { (Array($0.text.utf8), $0.id) }
    }

    // MARK: Loading

    /// The shared, lazily loaded encoding. Cost on first use: one `mmap` of the vocabulary (~2–4 MB,
    /// paged in on demand) and a 70 KB read of the Unicode class table; afterwards free.
    public static func named(_ name: EncodingName) throws(TokenizerError) -> TokenEncoding {
        let result: Result<TokenEncoding, TokenizerError>
        switch name {
        case .o200kBase: result = sharedO200k
        case .cl100kBase: result = sharedCl100k
        }
        return try result.get()
    }

    /// Looks up an encoding by its tiktoken name ("o200k_base", "cl100k_base").
    public static func named(_ text: String) throws(TokenizerError) -> TokenEncoding {
        guard let name = EncodingName(rawValue: text) else { throw .unknownEncoding(text) }
        return try named(name)
    }

    /// The encoding a model uses (exact name, then prefix, as tiktoken's model table).
    public static func forModel(_ model: String) throws(TokenizerError) -> TokenEncoding {
        guard let name = ModelEncodings.encoding(forModel: model) else { throw .unknownModel(model) }
        return try named(name)
    }

    private static let sharedO200k = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.o200kBase) }
    private static let sharedCl100k = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.cl100kBase) }
    private static let sharedClasses = Result<UnicodeClasses, TokenizerError> { () throws(TokenizerError) -> UnicodeClasses in
        let path = try resourcePath("unicode-classes.bin")
        guard let data = FileManager.default.contents(atPath: path) else { throw .resourcesMissing(path) }
        do { return try UnicodeClasses(bytes: [UInt8](data)) } catch { throw .resourceDamaged("\(error)") }
    }

    static func load(_ name: EncodingName) throws(TokenizerError) -> TokenEncoding {
        let classes = try sharedClasses.get()
        let path = try resourcePath("\(name.rawValue).bpe")
        do {
            return TokenEncoding(name: name, vocabulary: try CompactVocabulary(contentsOf: path), classes: classes)
        } catch {
            throw .resourceDamaged("\(error)")
        }
    }

    /// The folder holding the vocabulary files: `$TOKENLEDGER_VOCAB_DIR`, else the SwiftPM resource
    /// bundle next to the executable (where `Bundle.module` looks first, as in a build folder), else
    /// `../share/tokenledger/Vocab` beside the executable's folder (where `scripts/install.sh` puts it).
    /// Resolved by hand because `Bundle.module` traps when the bundle is missing, and a missing file
    /// must be a clear error.
    static let resourceDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["TOKENLEDGER_VOCAB_DIR"], !dir.isEmpty { return dir }
        let bundleName = "TokenLedger_TokenLedgerTokenizer.resources"
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let folders = [Bundle.main.bundleURL, executable.deletingLastPathComponent()]
        let candidates = folders.flatMap { folder in
            [
                folder.appendingPathComponent(bundleName).appendingPathComponent("Vocab"),
                folder.appendingPathComponent(bundleName).appendingPathComponent("Contents/Resources/Vocab"),
                folder.deletingLastPathComponent().appendingPathComponent("share/tokenledger/Vocab"),
            ]
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.standardizedFileURL.path
            ?? candidates[0].path
    }()

    static func resourcePath(_ file: String) throws(TokenizerError) -> String {
        let path = resourceDirectory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { throw .resourcesMissing(path) }
        return path
    }

    // MARK: Encoding

    /// Token ids of `text`. Special-token text is ordinary text unless `allowSpecial`. Cost: O(n);
    /// the result reserves room for n/2 ids (4n bytes of address space, touched only as ids are
    /// written; 2 MB pages where the system allows). `threads`: nil splits texts over 1 MiB across all cores at cuts that provably change no id
    /// (`IndependentChunks`); 1 keeps it on the calling thread.
    public func encode(_ text: String, allowSpecial: Bool = false, threads: Int? = nil) -> [Int] {
        var text = text
        return text.withUTF8 { utf8 -> [Int] in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return [] }
            let parts = chunks(base, utf8.count, threads: threads)
            let lists = IndependentChunks.map(parts.cuts, threads: parts.threads) { start, end -> [Int] in
                // Real text has 0.26–0.40 tokens per byte: room for n/2 ids rarely overflows.
                var overflow: [Int] = []
                var ids = [Int](unsafeUninitializedCapacity: (end - start) / 2 + 16) { room, initialized in
                    HugePages.advise(UnsafeMutableRawPointer(room.baseAddress!), byteCount: room.count * MemoryLayout<Int>.stride)
                    var sink = IdWriter(base: room.baseAddress!, capacity: room.count)
                    run(base + start, end - start, allowSpecial: allowSpecial, into: &sink)
                    initialized = sink.count
                    overflow = sink.overflow
                }
                if !overflow.isEmpty { ids += overflow }
                return ids
            }
            return lists.count == 1 ? lists[0] : Array(lists.joined())
        }
    }

    /// The number of tokens in `text`, without building the id list. Cost: O(n), no allocation per
    /// token; `threads` as in `encode`.
    public func count(_ text: String, allowSpecial: Bool = false, threads: Int? = nil) -> Int {
        var text = text
        return text.withUTF8 { utf8 -> Int in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return 0 }
            let parts = chunks(base, utf8.count, threads: threads)
            return IndependentChunks.map(parts.cuts, threads: parts.threads) { start, end -> Int in
                var sink = TokenCounter()
                run(base + start, end - start, allowSpecial: allowSpecial, into: &sink)
                return sink.count
            }.reduce(0, +)
        }
    }

    /// The cuts and thread count for a text of `n` bytes (one chunk unless it is worth splitting).
    func chunks(_ base: UnsafePointer<UInt8>, _ n: Int, threads: Int?) -> (cuts: [Int], threads: Int) {
        let wanted = threads ?? (n >= IndependentChunks.parallelThreshold ? ProcessInfo.processInfo.activeProcessorCount : 1)
        guard wanted > 1 else { return ([0, n], 1) }
        // Several chunks per thread, so a slow chunk (dense CJK) does not leave the other cores idle.
        return (IndependentChunks.cuts(base, n, parts: 4 * wanted, classes: classes), wanted)
    }

    func run<Sink: TokenSink>(_ text: String, allowSpecial: Bool, cache: PieceCache? = nil, into sink: inout Sink) {
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return }
            run(base, utf8.count, allowSpecial: allowSpecial, cache: cache, into: &sink)
        }
    }

    /// Encodes on this thread with `cache`, or with a fresh one when none is given and the text is
    /// long enough to repay it.
    @inline(__always)
    func run<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, allowSpecial: Bool, cache: PieceCache? = nil,
                              into sink: inout Sink) {
        if cache == nil && n >= PieceCache.worthFrom {
            let fresh = PieceCache(forBytes: n)
            defer { fresh.deallocate() }
            run(base, n, allowSpecial: allowSpecial, cache: fresh, into: &sink)
        } else if allowSpecial {
            encodeWithSpecials(base, n, cache: cache, into: &sink)
        } else {
            encodeOrdinary(base, n, cache: cache, into: &sink)
        }
    }

    @inline(__always)
    func encodeOrdinary<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        switch name.pattern {
        case .o200k: encodeO200k(base, n, cache: cache, into: &sink)
        case .cl100k: encodeCl100k(base, n, cache: cache, into: &sink)
        }
    }

    // One piece loop per pattern, each in its own function, so each gets the inliner's whole budget:
    // with the scanner inlined into the loop o200k_base ids went 207 → 212 MB/s; sharing one caller,
    // the other pattern's scanner stayed a call (cl100k_base 219 → 210).
    @inline(never)
    func encodeO200k<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, o200k: true, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeCl100k<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, o200k: false, cache: cache, into: &sink)
    }

    @inline(__always)
    func encodePieces<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, o200k: Bool, cache: PieceCache?, into sink: inout Sink) {
        let scanner = PreTokenizer(pattern: name.pattern, text: base, count: n, classes: classes)
        let vocab = vocabulary
        var i = 0
        while i < n {
            let e = o200k ? scanner.o200kEnd(at: i) : scanner.cl100kEnd(at: i)
            let length = e - i
            if let cache, length >= 3 && length <= PieceCache.maxLongLength {
                if length <= PieceCache.maxLength {
                    cache.encode(base + i, length, readable: i + 16 <= n, vocab, into: &sink)
                } else {
                    cache.encodeLong(base + i, length, readable: i + 32 <= n, vocab, into: &sink)
                }
            } else {
                BytePairMerge.encode(base + i, length, vocab, into: &sink)
            }
            i = e
        }
    }

    func encodeWithSpecials<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        var segmentStart = 0
        var i = 0
        while i + 1 < n {
            if base[i] == 0x3C && base[i + 1] == 0x7C, // "<|"
               let special = specials.first(where: { $0.bytes.count <= n - i && memcmp(base + i, $0.bytes, $0.bytes.count) == 0 }) {
                encodeOrdinary(base + segmentStart, i - segmentStart, cache: cache, into: &sink)
                sink.append(UInt32(special.id))
                i += special.bytes.count
                segmentStart = i
                continue
            }
            i += 1
        }
        encodeOrdinary(base + segmentStart, n - segmentStart, cache: cache, into: &sink)
    }

    /// The pre-tokenizer's pieces of `text` (for tests and debugging). Cost: O(n) plus one string per piece.
    func pieces(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { utf8 -> [String] in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return [] }
            let scanner = PreTokenizer(pattern: name.pattern, text: base, count: utf8.count, classes: classes)
            var out: [String] = []
            var i = 0
            while i < utf8.count {
                let e = name.pattern == .o200k ? scanner.o200kEnd(at: i) : scanner.cl100kEnd(at: i)
                out.append(String(decoding: UnsafeBufferPointer(rebasing: utf8[i..<e]), as: UTF8.self))
                i = e
            }
            return out
        }
    }

    // MARK: Decoding

    /// The bytes of `ids` (special tokens included); nil if an id is not in this encoding.
    public func decodeBytes(_ ids: [Int]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for id in ids {
            if id >= 0 && id < vocabulary.tokenCount {
                out.append(contentsOf: vocabulary.bytes(of: id))
            } else if let special = specials.first(where: { $0.id == id }) {
                out += special.bytes
            } else {
                return nil
            }
        }
        return out
    }

    /// The text of `ids`, invalid UTF-8 replaced by U+FFFD (as tiktoken's `decode`); nil for unknown ids.
    public func decode(_ ids: [Int]) -> String? {
        decodeBytes(ids).map { String(decoding: $0, as: UTF8.self) }
    }
}
