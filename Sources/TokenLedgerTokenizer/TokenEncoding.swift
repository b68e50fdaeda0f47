import Foundation
import TokenLedgerCore

/// Errors from loading or using an encoding.
public enum TokenizerError: UserFacingError, Equatable {
    /// No encoding has this name; `message` lists the names there are.
    case unknownEncoding(String)
    /// No encoding is known for this model name.
    case unknownModel(String)
    /// The vocabulary files are not where TokenLedger looks (the path is in the message).
    case resourcesMissing(String)
    /// A vocabulary file is there but fails its checksum or format check.
    case resourceDamaged(String)
    /// An encoding TokenLedger does not redistribute (Llama's) whose rank file was not built here.
    case notInstalled(EncodingName)

    public var message: String {
        switch self {
        case .unknownEncoding(let name):
            return "unknown encoding '\(name)'; use one of \(EncodingName.allCases.map(\.rawValue).joined(separator: ", "))."
        case .unknownModel(let name):
            return "no tokenizer is known for model '\(name)'; pass --encoding with one of \(EncodingName.allCases.map(\.rawValue).joined(separator: ", ")) instead."
        case .resourcesMissing(let path):
            return "the tokenizer vocabulary is missing (looked for \(path)); install with scripts/install.sh (it puts the vocabulary in PREFIX/share/tokenledger/Vocab) or set TOKENLEDGER_VOCAB_DIR to the folder holding it."
        case .resourceDamaged(let why):
            return "the bundled tokenizer vocabulary is damaged (\(why)); reinstall TokenLedger."
        case .notInstalled(let name):
            return "the \(name) vocabulary is not installed (Meta's licence asks that its agreement travel with it, so TokenLedger does not ship it); build it from the llama-models package with scripts/make-tokenizer-resources.sh, or count the model approximately without --encoding."
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .unknownEncoding, .unknownModel: return .usage
        case .resourcesMissing, .resourceDamaged, .notInstalled: return .failure
        }
    }
}

/// One BPE encoding: split rules, ranks and special tokens; thread-safe.
///
/// Results are those of the publisher's tokenizer on ordinary text: tiktoken's `encode_ordinary` (and
/// `encode(allowed_special="all")` with `allowSpecial`) with the published ranks and pattern, after
/// NFC for Qwen, with Tekken's ids shifted past its special tokens. Load with
/// `TokenEncoding.named(_:)`, which maps the bundled file of that encoding only, once per process.
public final class TokenEncoding: Sendable {
    /// Which encoding this is.
    public let name: EncodingName
    package let vocabulary: CompactVocabulary
    let classes: UnicodeClasses
    /// Special tokens, longest first (for matching in text).
    let specials: [(bytes: [UInt8], id: Int)]
    /// The text of each special id; where two share an id (o200k_harmony's 200018), the one listed first.
    let specialText: [Int: [UInt8]]
    /// The first bytes of the special tokens, so a text byte that starts none costs one load.
    let specialStarts: [Bool]
    /// `name.idOffset`, `name.byteIds` (and its inverse), `name.normalizesToNFC`, kept here for the hot path.
    let idOffset: Int
    let byteIds: [Int]?
    let byteRanks: [Int]?
    let normalizesToNFC: Bool
    /// Whether ranks must be turned into ids (`shift`); special ids are then marked with this bit
    /// until `shift` clears it (ranks stay below 2^18).
    let mapsIds: Bool
    static let specialMark = 1 << 31

    init(name: EncodingName, vocabulary: CompactVocabulary, classes: UnicodeClasses) {
        self.name = name
        self.vocabulary = vocabulary
        self.classes = classes
        // Longest first: where one special token's text begins another's, the longer one wins (as
        // Hugging Face's added-token matcher does; tiktoken's alternation has no defined order there).
        specials = name.specialTokens.map { (Array($0.text.utf8), $0.id) }.sorted { $0.bytes.count > $1.bytes.count }
        specialText = Dictionary(name.specialTokens.map { ($0.id, Array($0.text.utf8)) }, uniquingKeysWith: { first, _ in first })
        var starts = [Bool](repeating: false, count: 256)
        for special in specials { starts[Int(special.bytes[0])] = true }
        specialStarts = starts
        idOffset = name.idOffset
        byteIds = name.byteIds
        byteRanks = byteIds.map { ids in
            var ranks = [Int](repeating: 0, count: 256)
            for (rank, id) in ids.enumerated() { ranks[id - name.idOffset] = rank }
            return ranks
        }
        normalizesToNFC = name.normalizesToNFC
        mapsIds = idOffset != 0 || byteIds != nil
    }

    // MARK: Loading

    /// The shared, lazily loaded encoding. Cost on first use: one `mmap` of its vocabulary (4–10 MB,
    /// paged in on demand; no other encoding's file is touched) and a 45 KB read of the Unicode class
    /// table; afterwards free.
    public static func named(_ name: EncodingName) throws(TokenizerError) -> TokenEncoding {
        let result: Result<TokenEncoding, TokenizerError>
        switch name {
        case .o200kBase: result = sharedO200k
        case .cl100kBase: result = sharedCl100k
        case .o200kHarmony: result = sharedO200kHarmony
        case .llama3: result = sharedLlama3
        case .llama4: result = sharedLlama4
        case .qwen: result = sharedQwen
        case .qwen3_6: result = sharedQwen3_6
        case .tekken: result = sharedTekken
        case .deepseek: result = sharedDeepseek
        }
        return try result.get()
    }

    /// Looks up an encoding by its name ("o200k_base", "llama3", …).
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
    private static let sharedO200kHarmony = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.o200kHarmony) }
    private static let sharedLlama3 = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.llama3) }
    private static let sharedLlama4 = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.llama4) }
    private static let sharedQwen = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.qwen) }
    private static let sharedQwen3_6 = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.qwen3_6) }
    private static let sharedTekken = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.tekken) }
    private static let sharedDeepseek = Result<TokenEncoding, TokenizerError> { () throws(TokenizerError) in try load(.deepseek) }
    private static let sharedClasses = Result<UnicodeClasses, TokenizerError> { () throws(TokenizerError) -> UnicodeClasses in
        let path = try resourcePath("unicode-classes.bin")
        guard let data = FileManager.default.contents(atPath: path) else { throw .resourcesMissing(path) }
        do { return try UnicodeClasses(bytes: [UInt8](data)) } catch { throw .resourceDamaged("\(error)") }
    }

    static func load(_ name: EncodingName) throws(TokenizerError) -> TokenEncoding {
        let classes = try sharedClasses.get()
        if name.resource != name.rawValue, let owner = EncodingName(rawValue: name.resource) {
            // Same ranks as another encoding (o200k_harmony): share its mapped file.
            return TokenEncoding(name: name, vocabulary: try named(owner).vocabulary, classes: classes)
        }
        guard name.isInstalled || !name.isBuiltLocally else { throw .notInstalled(name) }
        let path = try resourcePath("\(name.resource).bpe")
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
        var text = normalized(text)
        var ids = text.withUTF8 { utf8 -> [Int] in
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
        shift(&ids)
        return ids
    }

    /// Ranks → published ids (Tekken's offset, DeepSeek's byte order; a no-op elsewhere). Cost: O(ids)
    /// for those two only.
    @inline(__always)
    func shift(_ ids: inout [Int]) {
        guard mapsIds else { return }
        let offset = idOffset
        let mark = TokenEncoding.specialMark
        if let byteIds {
            byteIds.withUnsafeBufferPointer { table in
                ids.withUnsafeMutableBufferPointer { p in
                    for k in p.indices {
                        let v = p[k]
                        p[k] = v >= mark ? v - mark : v < 256 ? table[v] : v + offset
                    }
                }
            }
        } else {
            ids.withUnsafeMutableBufferPointer { p in
                for k in p.indices { p[k] = p[k] >= mark ? p[k] - mark : p[k] + offset }
            }
        }
    }

    /// `text` as the encoding's tokenizer sees it: NFC for Qwen (as its reference's Python 3.11
    /// `unicodedata` gives it, `QwenNFC`), else unchanged. Text whose scalars are all below U+0300 is
    /// already NFC (no scalar there decomposes or combines), so only a text with a UTF-8 byte of 0xCC or
    /// more pays for normalising. The standard library's NFC underneath, not Foundation's
    /// `precomposedStringWithCanonicalMapping`: on Linux that one turned U+E00F5 U+0301 into U+1E4D
    /// (a supplementary scalar read as its low 16 bits) and left marks out of canonical order after a
    /// decomposition (32 of 20,000 random strings wrong against Python's `unicodedata`).
    @inline(__always)
    func normalized(_ text: String) -> String {
        guard normalizesToNFC else { return text }
        return QwenNFC.normalize(text)
    }

    /// The number of tokens in `text`, without building the id list. Cost: O(n), no allocation per
    /// token; `threads` as in `encode`.
    public func count(_ text: String, allowSpecial: Bool = false, threads: Int? = nil) -> Int {
        var text = normalized(text)
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

    /// Ranks (not yet `shift`ed) of `text` after `normalized`.
    func run<Sink: TokenSink>(_ text: String, allowSpecial: Bool, cache: PieceCache? = nil, into sink: inout Sink) {
        var text = normalized(text)
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
        case .llama3: encodeLlama3(base, n, cache: cache, into: &sink)
        case .qwen: encodeQwen(base, n, cache: cache, into: &sink)
        case .qwen35: encodeQwen35(base, n, cache: cache, into: &sink)
        case .tekken: encodeTekken(base, n, cache: cache, into: &sink)
        case .deepseek: encodeDeepseek(base, n, cache: cache, into: &sink)
        }
    }

    // One piece loop per pattern, each in its own function, so each gets the inliner's whole budget:
    // with the scanner inlined into the loop o200k_base ids went 207 → 212 MB/s; sharing one caller,
    // the other pattern's scanner stayed a call (cl100k_base 219 → 210).
    @inline(never)
    func encodeO200k<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, O200kRules.self, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeCl100k<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, Cl100kRules.self, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeLlama3<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, Llama3Rules.self, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeQwen<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, QwenRules.self, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeQwen35<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, Qwen35Rules.self, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeTekken<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        encodePieces(base, n, TekkenRules.self, cache: cache, into: &sink)
    }

    @inline(never)
    func encodeDeepseek<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink) {
        let scanner = PreTokenizer(pattern: .deepseek, text: base, count: n, classes: classes)
        encodePieces(base, n, cache: cache, into: &sink) { scanner.deepseekEnd(at: $0) }
    }

    @inline(__always)
    func encodePieces<R: SplitRules, Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, _ rules: R.Type, cache: PieceCache?,
                                                      into sink: inout Sink) {
        let scanner = PreTokenizer(pattern: name.pattern, text: base, count: n, classes: classes)
        encodePieces(base, n, cache: cache, into: &sink) { scanner.end(at: $0, rules) }
    }

    /// The piece loop: `end(i)` is where the piece starting at byte i ends.
    @inline(__always)
    func encodePieces<Sink: TokenSink>(_ base: UnsafePointer<UInt8>, _ n: Int, cache: PieceCache?, into sink: inout Sink,
                                       end: (Int) -> Int) {
        let vocab = vocabulary
        var i = 0
        while i < n {
            let e = end(i)
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
            if specialStarts[Int(base[i])],
               let special = specials.first(where: { $0.bytes.count <= n - i && memcmp(base + i, $0.bytes, $0.bytes.count) == 0 }) {
                encodeOrdinary(base + segmentStart, i - segmentStart, cache: cache, into: &sink)
                sink.append(mapsIds ? UInt32(special.id | TokenEncoding.specialMark) : UInt32(special.id))
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
        var text = normalized(text)
        return text.withUTF8 { utf8 -> [String] in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return [] }
            let scanner = PreTokenizer(pattern: name.pattern, text: base, count: utf8.count, classes: classes)
            var out: [String] = []
            var i = 0
            while i < utf8.count {
                let e = scanner.end(at: i)
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
            var rank = id - idOffset
            if let byteRanks, rank >= 0 && rank < 256 { rank = byteRanks[rank] }
            if rank >= 0 && rank < vocabulary.tokenCount {
                out.append(contentsOf: vocabulary.bytes(of: rank))
            } else if let text = specialText[id] {
                out += text
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
