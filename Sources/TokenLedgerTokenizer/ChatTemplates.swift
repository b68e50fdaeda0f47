import Foundation
import TokenLedgerCore

/// The chat template an open-weight family's serving stack wraps a conversation in, as the pieces its
/// reference encodes: special tokens (one id each) and texts (each encoded on its own, as the reference
/// does). A request to such a model is billed for the template's tokens, not OpenAI's 3 per message.
///
/// Sources (the publisher's own code or template; golden counts in fixtures/tokenizer/chat-templates.jsonl,
/// written by scripts/make-chat-template-fixtures.py from the reference packages where one renders):
/// - Qwen (`qwen`, `qwen3_6`): ChatML as in Qwen's `tokenizer_config.json` chat_template —
///   `<|im_start|>ROLE\nCONTENT<|im_end|>\n` per message and `<|im_start|>assistant\n` for the reply;
///   Qwen 2.5 adds its default system message ("You are Qwen, created by Alibaba Cloud. You are a
///   helpful assistant.") and Qwen 2 "You are a helpful assistant." when the request has none; QwQ
///   starts the reply with `<think>` (an added token in its tokenizer) and a newline.
/// - DeepSeek: DeepSeek-V3's chat_template — `<｜begin▁of▁sentence｜>`, the system messages joined by
///   blank lines, `<｜User｜>CONTENT`, `<｜Assistant｜>CONTENT<｜end▁of▁sentence｜>`, then
///   `<｜Assistant｜>` for the reply (R1 and deepseek-reasoner: `<｜Assistant｜><think>\n`).
/// - Tekken (Mistral): mistral-common's `encode_chat_completion` — `<s>`, `[INST]USER[/INST]`,
///   `ASSISTANT</s>`, the system messages put in front of the last user message, joined by blank lines.
/// - gpt-oss (`o200k_harmony`): openai-harmony's rendering as OpenAI-compatible servers use it — a
///   system message (model identity, knowledge cutoff, the current date, reasoning effort, channels),
///   the request's system/developer messages as a developer message ("# Instructions\n\n" + text),
///   `<|start|>ROLE<|message|>CONTENT<|end|>`, assistant history on the `final` channel, then
///   `<|start|>assistant`.
/// - Llama 3 / Llama 4: llama-models' `ChatFormat.encode_dialog_prompt` — `<|begin_of_text|>`, per
///   message `<|start_header_id|>ROLE<|end_header_id|>` + "\n\n" + CONTENT + `<|eot_id|>` (Llama 4:
///   `<|header_start|>`, `<|header_end|>`, `<|eot|>`), then the assistant header.
struct ChatTemplate: Sendable, Equatable {
    enum Family: String, Sendable {
        case chatML = "Qwen ChatML"
        case deepSeek = "DeepSeek"
        case tekken = "Mistral Tekken [INST]"
        case harmony = "gpt-oss harmony"
        case llama3 = "Llama 3 headers"
        case llama4 = "Llama 4 headers"
    }

    /// One piece of a rendered conversation.
    enum Piece: Sendable, Equatable {
        /// A special token of the template: one id.
        case special(String)
        /// Text encoded on its own by the reference.
        case text(String)
    }

    /// One message as the template sees it: its role and its text.
    struct Message: Sendable, Equatable {
        var role: String
        var text: String
    }

    let family: Family
    /// The system message the template adds when the request has none (Qwen 2 and 2.5).
    var defaultSystem: String?
    /// Pieces after the reply's header (`<think>\n` for reasoning models that start thinking).
    var replyPrefix: [Piece] = []

    /// The template of `model`, whose encoding is `encoding`; nil for OpenAI's own encodings and the
    /// approximation (they keep OpenAI's per-message formula).
    init?(model: String, encoding: EncodingName?) {
        let name = ModelEncodings.openWeightName(model)
        if name.hasPrefix("deepseek"), encoding != nil, encoding != .o200kBase, encoding != .cl100kBase {
            // DeepSeek's R1 distills count with Qwen's or Llama's vocabulary but DeepSeek's template.
            family = .deepSeek
            if name.contains("reasoner") || name.contains("r1") { replyPrefix = [.text("<think>\n")] }
            return
        }
        switch encoding {
        case .qwen?, .qwen3_6?:
            family = .chatML
            if name.hasPrefix("qwen2.5") || name.hasPrefix("qwen2_5") {
                defaultSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
            } else if name.hasPrefix("qwen2-") || name == "qwen2" {
                defaultSystem = "You are a helpful assistant."
            }
            if name.hasPrefix("qwq") { replyPrefix = [.special("<think>"), .text("\n")] }
        case .deepseek?: family = .deepSeek
        case .tekken?: family = .tekken
        case .o200kHarmony?: family = .harmony
        case .llama3?: family = .llama3
        case .llama4?: family = .llama4
        case .o200kBase?, .cl100kBase?, nil: return nil
        }
    }

    /// The pieces of `messages` followed by the reply's start. `reasoningEffort` and `date`
    /// (YYYY-MM-DD) go into gpt-oss's system message; other families ignore them.
    func render(_ messages: [Message], reasoningEffort: String? = nil, date: String = "2026-01-01") -> [Piece] {
        switch family {
        case .chatML: return chatML(messages)
        case .deepSeek: return deepSeek(messages)
        case .tekken: return tekken(messages)
        case .harmony: return harmony(messages, reasoningEffort: reasoningEffort ?? "medium", date: date)
        case .llama3: return llama(messages, begin: "<|start_header_id|>", end: "<|end_header_id|>", eot: "<|eot_id|>")
        case .llama4: return llama(messages, begin: "<|header_start|>", end: "<|header_end|>", eot: "<|eot|>")
        }
    }

    private func chatML(_ messages: [Message]) -> [Piece] {
        var pieces: [Piece] = []
        if let defaultSystem, messages.first?.role != "system" {
            pieces += [.special("<|im_start|>"), .text("system\n" + defaultSystem), .special("<|im_end|>"), .text("\n")]
        }
        for message in messages {
            let role = message.role == "developer" ? "system" : message.role
            pieces += [.special("<|im_start|>"), .text(role + "\n" + message.text), .special("<|im_end|>"), .text("\n")]
        }
        return pieces + [.special("<|im_start|>"), .text("assistant\n")] + replyPrefix
    }

    private func deepSeek(_ messages: [Message]) -> [Piece] {
        let system = messages.filter { $0.role == "system" || $0.role == "developer" }.map(\.text).joined(separator: "\n\n")
        var pieces: [Piece] = [.special("<｜begin▁of▁sentence｜>"), .text(system)]
        for message in messages {
            switch message.role {
            case "system", "developer": continue
            case "assistant": pieces += [.special("<｜Assistant｜>"), .text(message.text), .special("<｜end▁of▁sentence｜>")]
            default: pieces += [.special("<｜User｜>"), .text(message.text)]
            }
        }
        return pieces + [.special("<｜Assistant｜>")] + replyPrefix
    }

    private func tekken(_ messages: [Message]) -> [Piece] {
        let system = messages.filter { $0.role == "system" || $0.role == "developer" }.map(\.text)
        let lastUser = messages.lastIndex { $0.role != "assistant" && $0.role != "system" && $0.role != "developer" }
        var pieces: [Piece] = [.special("<s>")]
        for (index, message) in messages.enumerated() {
            switch message.role {
            case "system", "developer": continue
            case "assistant": pieces += [.text(message.text), .special("</s>")]
            default:
                let text = index == lastUser && !system.isEmpty ? (system + [message.text]).joined(separator: "\n\n") : message.text
                pieces += [.special("[INST]"), .text(text), .special("[/INST]")]
            }
        }
        return pieces
    }

    private func harmony(_ messages: [Message], reasoningEffort: String, date: String) -> [Piece] {
        let system = "You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\n"
            + "Current date: \(date)\n\nReasoning: \(reasoningEffort)\n\n"
            + "# Valid channels: analysis, commentary, final. Channel must be included for every message."
        var pieces: [Piece] = [.special("<|start|>"), .text("system"), .special("<|message|>"), .text(system), .special("<|end|>")]
        for message in messages {
            switch message.role {
            case "system", "developer":
                pieces += [.special("<|start|>"), .text("developer"), .special("<|message|>"),
                           .text("# Instructions\n\n" + message.text), .special("<|end|>")]
            case "assistant":
                pieces += [.special("<|start|>"), .text("assistant"), .special("<|channel|>"), .text("final"),
                           .special("<|message|>"), .text(message.text), .special("<|end|>")]
            default:
                pieces += [.special("<|start|>"), .text(message.role), .special("<|message|>"), .text(message.text), .special("<|end|>")]
            }
        }
        return pieces + [.special("<|start|>"), .text("assistant")]
    }

    private func llama(_ messages: [Message], begin: String, end: String, eot: String) -> [Piece] {
        var pieces: [Piece] = [.special("<|begin_of_text|>")]
        for message in messages {
            let role = message.role == "tool" ? "ipython" : message.role == "developer" ? "system" : message.role
            pieces += [.special(begin), .text(role), .special(end), .text("\n\n"), .text(message.text), .special(eot)]
        }
        return pieces + [.special(begin), .text("assistant"), .special(end), .text("\n\n")]
    }

    /// Tokens of `pieces` with `encoding`: one per special token, each text counted on its own.
    static func tokens(_ pieces: [Piece], encoding: TokenEncoding) -> Int {
        pieces.reduce(0) { total, piece in
            switch piece {
            case .special: return total + 1
            case .text(let text): return total + (text.isEmpty ? 0 : encoding.count(text))
            }
        }
    }
}

extension ChatTokenCounter {
    /// Counts a Chat Completions body with the model family's own chat template (`ChatTemplate`): the
    /// messages' text and roles as the template renders them. Images, tool definitions, tool calls and
    /// tool results are named in `notes` and left out (the count is then a lower bound).
    func countWithTemplate(_ template: ChatTemplate, _ body: JSONObject, encoding: TokenEncoding) -> PromptTokenCount {
        var result = PromptTokenCount(encoding: encoding.name)
        var messages: [ChatTemplate.Message] = []
        for message in body["messages"]?.array ?? [] {
            guard let object = message.object else { continue }
            let role = object["role"]?.string ?? "user"
            var text = ""
            switch object["content"] {
            case .string(let value)?: text = value
            case .array(let parts)?:
                for part in parts {
                    if let value = part.string { text += value; continue }
                    switch part["type"]?.string {
                    case "text", "input_text", "output_text": text += part["text"]?.string ?? ""
                    case let type: result.uncounted("content of type '\(type ?? "unknown")' is not counted with the \(template.family.rawValue) template.")
                    }
                }
            default: break
            }
            if role == "tool" || object["tool_calls"] != nil || object["function_call"] != nil {
                result.uncounted("tool calls and tool results are not counted with the \(template.family.rawValue) template.")
                if role == "tool" { continue }
            }
            messages.append(.init(role: role, text: text))
        }
        if !(body["tools"]?.array ?? []).isEmpty || !(body["functions"]?.array ?? []).isEmpty {
            result.uncounted("tool definitions are not counted with the \(template.family.rawValue) template.")
        }
        let effort = body["reasoning_effort"]?.string ?? body["reasoning"]?["effort"]?.string
        result.messages = ChatTemplate.tokens(template.render(messages, reasoningEffort: effort, date: Self.today()), encoding: encoding)
        noteStructuredOutput(body, into: &result)
        return result
    }

    /// Today's date (UTC) as YYYY-MM-DD, for gpt-oss's system message.
    static func today() -> String {
        let days = Int((Date().timeIntervalSince1970 / 86_400).rounded(.down))
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}
