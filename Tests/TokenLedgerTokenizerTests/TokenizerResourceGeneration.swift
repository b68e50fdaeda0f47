import Foundation
import Testing
@testable import TokenLedgerTokenizer

/// Not a test: writes the bundled resources when `TOKENLEDGER_VOCAB_SOURCE` names a folder of
/// `.tiktoken` text files. Run through `scripts/make-tokenizer-resources.sh`.
@Suite("TokenizerResourceGeneration")
struct TokenizerResourceGeneration {
    static let source = ProcessInfo.processInfo.environment["TOKENLEDGER_VOCAB_SOURCE"]

    @Test("write Resources/Vocab from the .tiktoken files", .enabled(if: source != nil))
    // Encodings sharing another's ranks (o200k_harmony) have no file of their own.
    func generate() throws {
        let out = TokenizerFixtures.packageRoot.appendingPathComponent("Sources/TokenLedgerTokenizer/Resources/Vocab")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for name in EncodingName.available where name.resource == name.rawValue {
            let text = try String(contentsOfFile: "\(Self.source!)/\(name.rawValue).tiktoken", encoding: .utf8)
            let bytes = try CompactVocabulary.build(fromTiktokenText: text)
            try Data(bytes).write(to: out.appendingPathComponent("\(name.rawValue).bpe"))
        }
        try Data(UnicodeClasses.build()).write(to: out.appendingPathComponent("unicode-classes.bin"))
    }
}
