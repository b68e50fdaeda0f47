import Foundation

/// The character classes the split patterns test, one flag byte per Unicode scalar.
///
/// Stored in `Resources/Vocab/unicode-classes.bin` as a two-level table (a `UInt16` block index per
/// 256 scalars, then the distinct 256-byte blocks), generated from the Swift standard library's Unicode
/// data cut at Unicode 16.0, the version of the `regex` crate inside tiktoken 0.14 (letters new in 16.0
/// split as letters there, those new in 17.0 do not — both are in the golden cases; the Oniguruma inside
/// Hugging Face `tokenizers`, DeepSeek's reference, agrees on letters new in 16.0). Lookup: two loads. ASCII never reaches the table.
package struct UnicodeClasses: @unchecked Sendable {
    /// `\p{L}`: any letter.
    public static let letter: UInt8 = 1
    /// `\p{N}`: any number (Nd, Nl, No).
    public static let number: UInt8 = 2
    /// `\s`: White_Space.
    public static let space: UInt8 = 4
    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`: o200k's "upper" class.
    public static let upper: UInt8 = 8
    /// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`: o200k's "lower" class.
    public static let lower: UInt8 = 16
    /// `\p{P}`: any punctuation (DeepSeek's pattern).
    public static let punctuation: UInt8 = 32
    /// `\p{S}`: any symbol (DeepSeek's pattern).
    public static let symbol: UInt8 = 64

    static let magic: [UInt8] = Array("TLUCL\0\0\u{1}".utf8)
    static let blockShift = 8
    static let indexCount = 0x110000 >> 8

    let index: UnsafePointer<UInt16>
    let blocks: UnsafePointer<UInt8>
    private let storage: Storage

    final class Storage: @unchecked Sendable {
        let base: UnsafeMutablePointer<UInt8>
        init(_ bytes: [UInt8]) {
            base = .allocate(capacity: bytes.count)
            base.initialize(from: bytes, count: bytes.count)
        }
        deinit { base.deallocate() }
    }

    /// Reads the table from its bytes (the resource file). Cost: one copy of ~70 KB.
    public init(bytes: [UInt8]) throws {
        guard bytes.count > 8 + UnicodeClasses.indexCount * 2, Array(bytes[0..<8]) == UnicodeClasses.magic else {
            throw CompactVocabulary.FormatError.malformed("bad unicode class table")
        }
        let blockBytes = bytes.count - 8 - UnicodeClasses.indexCount * 2
        guard blockBytes % 256 == 0 else { throw CompactVocabulary.FormatError.malformed("bad unicode block size") }
        storage = Storage(bytes)
        let base = UnsafePointer(storage.base)
        index = UnsafeRawPointer(base + 8).bindMemory(to: UInt16.self, capacity: UnicodeClasses.indexCount)
        blocks = base + 8 + UnicodeClasses.indexCount * 2
        let blockCount = blockBytes / 256
        for i in 0..<UnicodeClasses.indexCount where Int(index[i]) >= blockCount {
            throw CompactVocabulary.FormatError.malformed("unicode block index out of range")
        }
    }

    /// The class flags of a non-ASCII scalar value (`value < 0x110000`).
    @inline(__always)
    public func flags(_ value: UInt32) -> UInt8 {
        let block = Int(index[Int(value >> 8)])
        return blocks[block << 8 | Int(value & 0xFF)]
    }

    /// The flags of one scalar computed from the standard library (used by the generator and tests).
    /// Scalars assigned after this Unicode version are unassigned to tiktoken (its `regex` crate).
    public static let unicodeVersion = (major: 16, minor: 0)

    public static func computeFlags(_ scalar: Unicode.Scalar) -> UInt8 {
        let p = scalar.properties
        // The standard library may know a newer Unicode (Swift 6.3: 17.0); newer scalars are Cn there.
        guard let age = p.age, (age.major, age.minor) <= unicodeVersion else { return 0 }
        var f: UInt8 = 0
        switch p.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: f = letter | upper
        case .lowercaseLetter: f = letter | lower
        case .modifierLetter, .otherLetter: f = letter | upper | lower
        case .nonspacingMark, .spacingMark, .enclosingMark: f = upper | lower
        case .decimalNumber, .letterNumber, .otherNumber: f = number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: f = punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: f = symbol
        default: f = 0
        }
        if p.isWhitespace { f |= space }
        return f
    }

    /// Builds the resource bytes from the standard library's Unicode data.
    public static func build() -> [UInt8] {
        var blockList: [[UInt8]] = []
        var known: [[UInt8]: UInt16] = [:]
        var index: [UInt16] = []
        for b in 0..<indexCount {
            var block = [UInt8](repeating: 0, count: 256)
            for i in 0..<256 {
                if let s = Unicode.Scalar(UInt32(b << 8 | i)) { block[i] = computeFlags(s) }
            }
            if let k = known[block] {
                index.append(k)
            } else {
                let k = UInt16(blockList.count)
                known[block] = k
                blockList.append(block)
                index.append(k)
            }
        }
        var out = magic
        for v in index { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for block in blockList { out += block }
        return out
    }
}
