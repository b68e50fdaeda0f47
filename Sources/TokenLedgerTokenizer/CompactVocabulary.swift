import Foundation
import TokenLedgerCore

/// A BPE rank table in the compact binary form shipped in `Resources/Vocab/<encoding>.bpe`.
///
/// The file is used in place (memory-mapped, or read once into one buffer): loading allocates nothing
/// per token, so a cold `tokenledger count` touches only the pages it needs. Layout, little-endian:
///
///     "TLBPE\0\0\u{5}"                         8-byte magic
///     u32 tokenCount, blobLength, longSlotCount, maxTokenLength, shortSlotCount
///     u32 pairRanks[65536]                      rank of every 2-byte token (or 0xFFFF_FFFF)
///     u32 byteRanks[256]                        rank of every 1-byte token
///     u32 offsets[tokenCount + 1]               token r's bytes are blob[offsets[r] ..< offsets[r+1]]
///     zero padding to a multiple of 64
///     u64 shortSlots[shortSlotCount]            tokens of 3–5 bytes, key inline, linear probing:
///                                               bytes (40 bits, little-endian) | length << 40 | (rank + 1) << 43
///     u64 shortFilter[8192]                     a 2^19-bit set of those keys' hashes: most absent keys
///                                               are rejected by one load from this 64 KB
///     u64 longFilter[16384]                     the same for the long table's keys, 2^20 bits in 128 KB
///     u64 longSlots[2 * longSlotCount]          tokens of 6 bytes or more, linear probing, 16 bytes a slot:
///                                               bytes 0–7 | (bytes 8–11 | (rank + 1) << 32 | length << 50); 0 = empty
///     u8  blob[blobLength]
///
/// Ranks are 0 ..< tokenCount with no gaps (both OpenAI files are dense; the builder checks).
/// A lookup is one or two table loads with the key inline: 1–2 bytes index a table, 3–5 bytes probe
/// the short table (after its filter), 6 bytes or more probe the long table, whose 16-byte slot holds
/// the first 12 bytes, so tokens up to 12 bytes (89% of o200k's long tokens) never touch the blob;
/// longer ones compare their tail with the blob (two more loads, only when the first 12 bytes match).
package struct CompactVocabulary: @unchecked Sendable {
    /// "No such token": larger than every rank.
    public static let absent: UInt32 = .max
    static let magic: [UInt8] = Array("TLBPE\0\0\u{5}".utf8)
    static let filterWords = 8192
    static let longFilterWords = 16384
    static let headerSize = 8 + 5 * 4
    static let rankMask: UInt32 = (1 << 18) - 1
    /// Long-table keys hold this many bytes inline.
    static let inlineBytes = 12

    public let tokenCount: Int
    public let maxTokenLength: Int
    let pairRanks: UnsafePointer<UInt32>
    let byteRanks: UnsafePointer<UInt32>
    let offsets: UnsafePointer<UInt32>
    let longSlots: UnsafePointer<UInt64>
    let longShift: UInt64
    let longFilter: UnsafePointer<UInt64>
    let shortSlots: UnsafePointer<UInt64>
    let shortShift: UInt64
    let shortFilter: UnsafePointer<UInt64>
    let blob: UnsafePointer<UInt8>
    /// The 3-byte characters a long merge may join up front (built on first use).
    let premerge = CharacterPremerge()
    /// Keeps the mapped or read bytes alive for as long as any copy of this value lives.
    private let storage: Storage

    final class Storage: @unchecked Sendable {
        let base: UnsafeRawPointer
        let length: Int
        let unmap: Bool

        init(base: UnsafeRawPointer, length: Int, unmap: Bool) {
            self.base = base
            self.length = length
            self.unmap = unmap
        }

        deinit {
            if unmap {
                munmap(UnsafeMutableRawPointer(mutating: base), length)
            } else {
                base.deallocate()
            }
        }
    }

    enum FormatError: Error, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self {
            case .malformed(let why): return "malformed compact vocabulary: \(why)"
            }
        }
    }

    /// Maps the file at `path` (falls back to reading it). Cost: one `mmap`; pages load on first use.
    public init(contentsOf path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FormatError.malformed("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FormatError.malformed("cannot stat \(path)") }
        let length = Int(info.st_size)
        guard length >= CompactVocabulary.headerSize else { throw FormatError.malformed("file too short") }
        if let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED {
            try self.init(storage: Storage(base: UnsafeRawPointer(mapped), length: length, unmap: true))
        } else {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 64)
            var done = 0
            while done < length {
                let n = read(fd, buffer + done, length - done)
                guard n > 0 else {
                    buffer.deallocate()
                    throw FormatError.malformed("cannot read \(path)")
                }
                done += n
            }
            try self.init(storage: Storage(base: UnsafeRawPointer(buffer), length: length, unmap: false))
        }
    }

    /// Uses bytes already in memory (tests; the builder's output). Cost: one copy.
    public init(data: [UInt8]) throws {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        data.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        try self.init(storage: Storage(base: UnsafeRawPointer(buffer), length: data.count, unmap: false))
    }

    private init(storage: Storage) throws {
        let base = storage.base
        let length = storage.length
        guard length >= CompactVocabulary.headerSize,
              (0..<8).allSatisfy({ base.load(fromByteOffset: $0, as: UInt8.self) == CompactVocabulary.magic[$0] })
        else { throw FormatError.malformed("bad magic") }
        let header = (0..<5).map { Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 8 + 4 * $0, as: UInt32.self))) }
        let (count, blobLength, longCount, maxLength, shortCount) = (header[0], header[1], header[2], header[3], header[4])
        guard longCount > 1, longCount & (longCount - 1) == 0, shortCount > 1, shortCount & (shortCount - 1) == 0
        else { throw FormatError.malformed("slot count not a power of two") }
        let pairsAt = CompactVocabulary.headerSize
        let bytesAt = pairsAt + 65536 * 4
        let offsetsAt = bytesAt + 256 * 4
        let shortAt = (offsetsAt + (count + 1) * 4 + 63) & ~63
        let filterAt = shortAt + shortCount * 8
        let longFilterAt = filterAt + CompactVocabulary.filterWords * 8
        let longAt = longFilterAt + CompactVocabulary.longFilterWords * 8
        let blobAt = longAt + longCount * 16
        guard blobAt + blobLength == length else { throw FormatError.malformed("sizes do not add up") }
        self.storage = storage
        tokenCount = count
        maxTokenLength = maxLength
        pairRanks = (base + pairsAt).assumingMemoryBound(to: UInt32.self)
        byteRanks = (base + bytesAt).assumingMemoryBound(to: UInt32.self)
        offsets = (base + offsetsAt).assumingMemoryBound(to: UInt32.self)
        longSlots = (base + longAt).assumingMemoryBound(to: UInt64.self)
        longShift = UInt64(64 - longCount.trailingZeroBitCount)
        longFilter = (base + longFilterAt).assumingMemoryBound(to: UInt64.self)
        shortSlots = (base + shortAt).assumingMemoryBound(to: UInt64.self)
        shortShift = UInt64(64 - shortCount.trailingZeroBitCount)
        shortFilter = (base + filterAt).assumingMemoryBound(to: UInt64.self)
        blob = (base + blobAt).assumingMemoryBound(to: UInt8.self)
    }

    // MARK: Lookup (the hot path)

    /// The rank of the token whose bytes are `key[0 ..< count]`, or `absent`. Cost: O(count).
    @inline(__always)
    public func rank(_ key: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        if count == 2 { return pairRanks[Int(key[0]) << 8 | Int(key[1])] }
        if count == 1 { return byteRanks[Int(key[0])] }
        if count <= 5 { return shortRank(key, count) }
        if count > maxTokenLength { return CompactVocabulary.absent }
        return longRank(key, count)
    }

    /// The inline key of a 3–5 byte token: its bytes and its length, 43 bits.
    @inline(__always)
    static func shortKey(_ key: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var k = UInt64(count) << 40
        for i in 0..<count { k |= UInt64(key[i]) << (8 * UInt64(i)) }
        return k
    }

    @inline(__always)
    func shortRank(_ key: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        let k = CompactVocabulary.shortKey(key, count)
        let h = k &* 0x9E37_79B9_7F4A_7C15
        let bit = Int(truncatingIfNeeded: h >> 13) & (CompactVocabulary.filterWords * 64 - 1)
        if shortFilter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return CompactVocabulary.absent }
        let mask = Int(bitPattern: UInt(1) << (64 - shortShift)) &- 1
        var slot = Int(truncatingIfNeeded: h >> shortShift)
        while true {
            let entry = shortSlots[slot]
            if entry == 0 { return CompactVocabulary.absent }
            if entry & ((1 << 43) - 1) == k { return UInt32(truncatingIfNeeded: entry >> 43) &- 1 }
            slot = (slot + 1) & mask
        }
    }

    /// The inline part of a key of 6 or more bytes: bytes 0–7, and bytes 8–11 zero-padded. Reads
    /// only `key[0 ..< count]` (overlapping 4-byte loads for the odd lengths).
    @inline(__always)
    static func longKey(_ key: UnsafePointer<UInt8>, _ count: Int) -> (head: UInt64, tail: UInt64) {
        let raw = UnsafeRawPointer(key)
        func word(_ at: Int) -> UInt64 { UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        if count < 8 { return (word(0) | word(count - 4) << UInt64(8 * (count - 4)), 0) }
        let head = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        if count >= 12 { return (head, word(8)) }
        if count == 8 { return (head, 0) }
        return (head, word(count - 4) >> UInt64(8 * (12 - count)))
    }

    /// The long table's hash of a key: its inline bytes and its length.
    @inline(__always)
    static func longHash(_ head: UInt64, _ tail: UInt64, _ count: Int) -> UInt64 {
        let h = (head &* 0x9E37_79B9_7F4A_7C15) ^ ((tail | UInt64(count) << 32) &* 0xC2B2_AE3D_27D4_EB4F)
        return (h ^ (h >> 32)) &* 0xBF58_476D_1CE4_E5B9
    }

    /// The long filter's bit for a key hash (bits independent of the slot's top bits).
    @inline(__always)
    static func longFilterBit(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h >> 8) & (longFilterWords * 64 - 1) }

    /// Keys of 6 bytes or more: a filter load (most absent keys stop there), then usually one 16-byte slot load (the probe sequence rarely leaves its
    /// cache line), plus a blob compare of bytes 12… for keys over 12 bytes whose first 12 match.
    @inline(__always)
    func longRank(_ key: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        let (head, tail) = CompactVocabulary.longKey(key, count)
        let want = tail | UInt64(count) << 50
        let rankField = UInt64(CompactVocabulary.rankMask) << 32
        let mask = Int(bitPattern: UInt(1) << (64 - longShift)) &- 1
        let h = CompactVocabulary.longHash(head, tail, count)
        let bit = CompactVocabulary.longFilterBit(h)
        if longFilter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return CompactVocabulary.absent }
        var slot = Int(truncatingIfNeeded: h >> longShift)
        while true {
            let second = longSlots[2 * slot + 1]
            if second == 0 { return CompactVocabulary.absent }
            if longSlots[2 * slot] == head && second & ~rankField == want {
                let rank = Int(truncatingIfNeeded: (second & rankField) >> 32) - 1
                let inline = CompactVocabulary.inlineBytes
                if count <= inline || CompactVocabulary.equal(blob + Int(offsets[rank]) + inline, key + inline, count - inline) {
                    return UInt32(rank)
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Byte equality for short keys without a call into libc (most keys are under 16 bytes).
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= count {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// The bytes of token `rank` (no copy). Precondition: `rank < tokenCount`.
    @inline(__always)
    public func bytes(of rank: Int) -> UnsafeBufferPointer<UInt8> {
        let start = Int(offsets[rank])
        return UnsafeBufferPointer(start: blob + start, count: Int(offsets[rank + 1]) - start)
    }

    // MARK: Building and checking (not hot: run once to produce the resource, and in tests)

    /// Builds the compact form from a `.tiktoken` text (`base64 rank` per line, ranks dense from 0).
    public static func build(fromTiktokenText text: String) throws -> [UInt8] {
        var tokens: [[UInt8]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let rank = Int(parts[1]), let bytes = Data(base64Encoded: String(parts[0])) else {
                throw FormatError.malformed("bad line '\(line.prefix(40))'")
            }
            guard rank == tokens.count else { throw FormatError.malformed("ranks are not dense at \(rank)") }
            tokens.append([UInt8](bytes))
        }
        guard tokens.count < Int(rankMask) else { throw FormatError.malformed("too many tokens") }
        var pairs = [UInt32](repeating: absent, count: 65536)
        var singles = [UInt32](repeating: absent, count: 256)
        var offsets: [UInt32] = [0]
        var blob: [UInt8] = []
        var maxLength = 0
        for (rank, token) in tokens.enumerated() {
            blob += token
            offsets.append(UInt32(blob.count))
            maxLength = max(maxLength, token.count)
            if token.count == 1 { singles[Int(token[0])] = UInt32(rank) }
            if token.count == 2 { pairs[Int(token[0]) << 8 | Int(token[1])] = UInt32(rank) }
        }
        guard maxLength < 1 << 14 else { throw FormatError.malformed("a token is longer than 16383 bytes") }
        let longTokens = tokens.indices.filter { tokens[$0].count >= 6 }
        var longCount = 2
        while longCount < longTokens.count * 2 { longCount <<= 1 }
        let longShift = UInt64(64 - longCount.trailingZeroBitCount)
        var longSlots = [UInt64](repeating: 0, count: 2 * longCount)
        var longFilter = [UInt64](repeating: 0, count: longFilterWords)
        for rank in longTokens {
            let count = tokens[rank].count
            let (head, tail) = tokens[rank].withUnsafeBufferPointer { longKey($0.baseAddress!, count) }
            let h = longHash(head, tail, count)
            let bit = longFilterBit(h)
            longFilter[bit >> 6] |= 1 << UInt64(bit & 63)
            var slot = Int(truncatingIfNeeded: h >> longShift)
            while longSlots[2 * slot + 1] != 0 { slot = (slot + 1) & (longCount - 1) }
            longSlots[2 * slot] = head
            longSlots[2 * slot + 1] = tail | UInt64(rank + 1) << 32 | UInt64(count) << 50
        }
        let shortTokens = tokens.indices.filter { (3...5).contains(tokens[$0].count) }
        var shortCount = 2
        while shortCount < shortTokens.count * 3 / 2 { shortCount <<= 1 }
        let shortShift = UInt64(64 - shortCount.trailingZeroBitCount)
        var shortSlots = [UInt64](repeating: 0, count: shortCount)
        var filter = [UInt64](repeating: 0, count: filterWords)
        for rank in shortTokens {
            let k = tokens[rank].withUnsafeBufferPointer { shortKey($0.baseAddress!, $0.count) }
            let h = k &* 0x9E37_79B9_7F4A_7C15
            let bit = Int(truncatingIfNeeded: h >> 13) & (filterWords * 64 - 1)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
            var slot = Int(truncatingIfNeeded: h >> shortShift)
            while shortSlots[slot] != 0 { slot = (slot + 1) & (shortCount - 1) }
            shortSlots[slot] = k | UInt64(rank + 1) << 43
        }
        var out = magic
        func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for v in [UInt32(tokens.count), UInt32(blob.count), UInt32(longCount), UInt32(maxLength), UInt32(shortCount)] { put(v) }
        for v in pairs { put(v) }
        for v in singles { put(v) }
        for v in offsets { put(v) }
        while out.count % 64 != 0 { out.append(0) }
        for v in shortSlots { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for v in filter { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for v in longFilter { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for v in longSlots { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        out += blob
        return out
    }

    /// The `.tiktoken` text this table was built from, byte for byte (checked against `SHA256SUMS`).
    public func tiktokenText() -> String {
        var out = ""
        out.reserveCapacity(tokenCount * 16)
        for rank in 0..<tokenCount {
            out += Data(bytes(of: rank)).base64EncodedString()
            out += " \(rank)\n"
        }
        return out
    }
}
