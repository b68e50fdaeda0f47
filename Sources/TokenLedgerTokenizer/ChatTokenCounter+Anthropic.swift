import TokenLedgerCore

/// Anthropic Messages request bodies (`/v1/messages`, and the same body sent through Bedrock or Vertex).
///
/// Claude's tokenizer is not public, so a Claude count is the labelled approximation; what this file gets
/// right is which parts of the body are billed. The layout follows the chat rules, which land at a median
/// error of 0 on text-only requests: the top-level `system` counts as one message, every message costs
/// 3 tokens plus its role and content, and the reply is primed with 3. Tools cost their JSON text plus the
/// tool-use system prompt Anthropic documents per model; images cost width × height / 750 after Anthropic's
/// resizing (long edge at most 1,568 px, at most about 1,600 tokens). Parts whose billing cannot be
/// counted (PDF documents, server tools, MCP servers, adaptive thinking) are named in the notes and make
/// the count a lower bound; extended thinking adds a 30-token preamble.
extension ChatTokenCounter {
    /// True for a Claude model, or a body only the Messages API has (`system`, `anthropic_version`, or
    /// content blocks of Anthropic's own types).
    func isAnthropicRequest(_ body: JSONObject) -> Bool {
        if ApproximateTokenCounter.family(ofModel: model) == "claude" { return true }
        if body["system"] != nil || body["anthropic_version"] != nil { return true }
        let anthropicBlocks: Set<String> = ["tool_use", "tool_result", "thinking", "redacted_thinking", "document"]
        for message in body["messages"]?.array ?? [] {
            for block in message["content"]?.array ?? [] {
                guard let type = block["type"]?.string else { continue }
                if anthropicBlocks.contains(type) || (type == "image" && block["source"] != nil) { return true }
            }
        }
        return false
    }

    func countAnthropic(_ body: JSONObject) throws(RequestError) -> PromptTokenCount {
        guard let messages = body["messages"]?.array else { throw .noMessages }
        var result = PromptTokenCount(encoding: encoding?.name)
        var droppedThinking = 0
        if let system = body["system"], !(system.string?.isEmpty ?? false) {
            countAnthropicMessage(role: "system", content: system, keepsThinking: false, into: &result, droppedThinking: &droppedThinking)
        }
        // Thinking stays in the context only within a tool-use loop: the last assistant turn, when what follows it
        // is its tool results (or nothing). After a new user turn the API drops it like every earlier turn's
        // (test_anthropic_thinking_roundtrip_wire_stable[vercel].yaml#1: billed 114, 156 with the thinking kept).
        var lastAssistant = messages.lastIndex { $0["role"]?.string == "assistant" }
        if let index = lastAssistant, index + 1 < messages.count,
           !(messages[index + 1]["content"]?.array ?? []).contains(where: { $0["type"]?.string == "tool_result" }) {
            lastAssistant = nil
        }
        // A compaction block replaces everything before it: the API reads its summary instead of the turns it
        // summarised (test_anthropic_compaction_end_to_end.yaml#1: billed 239 for a body whose text before the
        // block is about 48,000 tokens).
        let compacted = messages.lastIndex { ($0["content"]?.array ?? []).contains { $0["type"]?.string == "compaction" } }
        for (index, message) in messages.enumerated() where index >= (compacted ?? 0) {
            var content = message["content"] ?? .null
            if index == compacted, let blocks = content.array,
               let start = blocks.lastIndex(where: { $0["type"]?.string == "compaction" }) {
                content = .array(Array(blocks[start...]))
            }
            countAnthropicMessage(role: message["role"]?.string ?? "user", content: content,
                                  keepsThinking: index == lastAssistant, into: &result, droppedThinking: &droppedThinking)
        }
        if let trigger = body["context_management"]?["edits"]?.array?
            .first(where: { $0["type"]?.string?.hasPrefix("compact") ?? false })?[path: "trigger", "value"]?.int,
           result.total * 5 >= trigger * 4 {
            // Within a fifth of the trigger, as the approximation's error goes: test_anthropic_compaction_end_to_end
            // .yaml#0 counts 48,155 against a 50,000 trigger and was compacted (billed 220).
            result.notes.append("the count reaches the compaction trigger (\(trigger) input tokens) within the approximation's error: the API may summarise the conversation first and bill the summary, far below this count.")
        }
        result.messages += 3
        if droppedThinking > 0 {
            result.notes.append("\(droppedThinking) thinking block(s) of earlier assistant turns are not counted: the API drops them from the context.")
        }
        countAnthropicTools(body, into: &result)
        let outputFormat = body["output_format"] ?? body["output_config"]?["format"]
        if outputFormat?["type"]?.string == "json_schema" {
            // Structured output: the schema's JSON text plus a fixed preamble of 121 tokens (claude-sonnet-4-5
            // pairs without tools: 118, 121, 121 and 127 beyond the schema; docs/request-counting.md).
            result.tools += tokens((outputFormat?["schema"] ?? .null).serialized()) + Self.structuredOutputPreamble
        }
        switch body["thinking"]?["type"]?.string {
        case "enabled":
            // Extended thinking adds a system preamble Anthropic does not publish; first-turn pairs bill 22 to 34
            // tokens beyond the text (median 30; docs/request-counting.md).
            result.messages += Self.thinkingPreamble
            result.notes.append("extended thinking adds a system preamble Anthropic does not publish; counted as the \(Self.thinkingPreamble) tokens its bills show (22 to 34 in public pairs).")
        case "adaptive":
            result.uncounted("adaptive thinking adds a system preamble Anthropic does not publish; it is not counted, so the total is a lower bound.")
        default:
            break
        }
        if Self.usesNewerClaudeTokenizer(model) {
            result.notes.append("\(model) uses a newer tokenizer that bills about a third more tokens for the same text than this approximation assumes.")
        } else if result.isApproximate {
            // Measured over pydantic-ai's and Mirascope's pairs together (docs/request-counting.md), as Gemini's is.
            result.notes.append(Self.measuredError(family: "Claude (up to 4.6)", median: "3.2", p90: "14"))
        }
        return result
    }

    /// Tokens of the extended-thinking system preamble: the median of what first-turn pairs with thinking
    /// enabled bill beyond their text (claude-sonnet-4-0, -4-5, -4-6, claude-haiku-4-5: 22, 28, 29, 29, 30, 30,
    /// 31, 34, 34, 34).
    static let thinkingPreamble = 30

    private func countAnthropicMessage(role: String, content: JSONValue, keepsThinking: Bool,
                                       into result: inout PromptTokenCount, droppedThinking: inout Int) {
        result.messages += 3 + tokens(role)
        switch content {
        case .string(let text): result.messages += tokens(text)
        case .array(let blocks):
            for block in blocks { countAnthropicBlock(block, keepsThinking: keepsThinking, into: &result, droppedThinking: &droppedThinking) }
        default: break
        }
    }

    /// What a `tool_use` block and a `tool_result` block each bill beyond their text: the markup the model
    /// reads calls and results in. Public pairs (docs/request-counting.md): a call and its result bill a
    /// median of 50 tokens more than their text on Claude 4.5 and 4.6 (32 pairs of claude-sonnet-4-5 and
    /// claude-haiku-4-5 whose first turn the tool rules fit; 27 to 78 per call), about 40 on Claude Sonnet 4.
    /// An Anthropic-shaped body counted for another family's model gets none, and so do Claude Opus 4.7 and
    /// later (their pairs are already counted over with it left out; no fit for them).
    var anthropicToolTurnOverhead: Int {
        guard ApproximateTokenCounter.family(ofModel: model) == "claude", !Self.usesNewerClaudeTokenizer(model) else { return 0 }
        let m = model.lowercased()
        return ["-4-5", "-4.5", "-4-6", "-4.6"].contains(where: { m.contains($0) }) ? 25 : 20
    }

    private func countAnthropicBlock(_ block: JSONValue, keepsThinking: Bool,
                                     into result: inout PromptTokenCount, droppedThinking: inout Int) {
        if let text = block.string {
            result.messages += tokens(text)
            return
        }
        switch block["type"]?.string {
        case "text":
            result.messages += tokens(block["text"]?.string ?? "")
        case "image":
            countAnthropicImage(block["source"] ?? .null, into: &result)
        case "tool_use", "server_tool_use":
            // The id pairs the call with its result; the model reads the name and the input.
            result.messages += tokens(block["name"]?.string ?? "") + tokens((block["input"] ?? .object(JSONObject())).serialized())
            if block["type"]?.string == "tool_use" { result.messages += anthropicToolTurnOverhead }
        case "tool_result":
            result.messages += anthropicToolTurnOverhead
            switch block["content"] {
            case .string(let text)?: result.messages += tokens(text)
            case .array(let parts)?:
                for part in parts { countAnthropicBlock(part, keepsThinking: keepsThinking, into: &result, droppedThinking: &droppedThinking) }
            default: break
            }
        case "document":
            let source = block["source"]
            if source?["type"]?.string == "text" {
                result.messages += tokens(source?["data"]?.string ?? "")
            } else if source?["type"]?.string == "content", let parts = source?["content"]?.array {
                for part in parts { countAnthropicBlock(part, keepsThinking: keepsThinking, into: &result, droppedThinking: &droppedThinking) }
            } else {
                result.uncounted("a \(source?["media_type"]?.string ?? "file") document is billed per page (text and page image) and is not counted.")
            }
        case "compaction":
            result.messages += tokens(block["content"]?.string ?? "")
        case "thinking":
            if keepsThinking { result.messages += tokens(block["thinking"]?.string ?? "") } else { droppedThinking += 1 }
        case "redacted_thinking":
            if keepsThinking { result.uncounted("a redacted thinking block is billed but its text is encrypted; it is not counted.") } else { droppedThinking += 1 }
        case let other?:
            result.uncounted("content block of type '\(other)' is not counted.")
        case nil:
            break
        }
    }

    /// Anthropic's rule: tokens = width × height / 750 after scaling the long edge to at most 1,568 px and
    /// the area to at most about 1,600 tokens. An image of unknown size (a URL) counts at that maximum.
    private func countAnthropicImage(_ source: JSONValue, into result: inout PromptTokenCount) {
        result.imageCount += 1
        var size: ImageSize?
        if source["type"]?.string == "base64", let data = source["data"]?.string {
            size = ImageSize(dataURL: "data:\(source["media_type"]?.string ?? "image/png");base64,\(data)")
        } else if let url = source["url"]?.string {
            size = imageSizes[url]
        }
        guard let size else {
            result.imagesAtUpperBound += 1
            result.notes.append("the size of an image is unknown; counted at the most Claude bills for one image (give its size to be exact).")
            result.images += Self.anthropicImageCap
            return
        }
        result.images += Self.anthropicImageTokens(size)
    }

    static let anthropicImageCap = 1_600

    /// Tokens a json_schema output format adds beyond its schema's text.
    static let structuredOutputPreamble = 121

    /// Tokens Anthropic bills for an image of `size` (its vision documentation's formula).
    static func anthropicImageTokens(_ size: ImageSize) -> Int {
        var width = Double(size.width), height = Double(size.height)
        let longEdge = max(width, height)
        if longEdge > 1_568 {
            width = (width * 1_568 / longEdge).rounded(.down)
            height = (height * 1_568 / longEdge).rounded(.down)
        }
        if width * height / 750 > Double(anthropicImageCap) {
            let scale = (Double(anthropicImageCap) * 750 / (width * height)).squareRoot()
            width = (width * scale).rounded(.down)
            height = (height * scale).rounded(.down)
        }
        return Int((width * height / 750).rounded(.up))
    }

    private func countAnthropicTools(_ body: JSONObject, into result: inout PromptTokenCount) {
        if let servers = body["mcp_servers"]?.array, !servers.isEmpty {
            // The API lists each server's tools and bills their definitions; none of them is in the body
            // (test_anthropic_mcp_servers.yaml#0: a 56-token body billed 2,674).
            result.uncounted("'mcp_servers' (\(servers.count)) add the tools the API lists from each server; they are billed but not in this body and are not counted.")
        }
        guard let tools = body["tools"]?.array, !tools.isEmpty else { return }
        var custom = 0
        for tool in tools {
            let type = tool["type"]?.string
            if type == nil || type == "custom" {
                custom += 1
                result.tools += tokens(tool.serialized())
            } else {
                result.uncounted("server tool '\(type!)' adds a definition Anthropic bills by its own table; it is not counted.")
            }
        }
        guard custom > 0 else { return }
        let choice = body["tool_choice"]?["type"]?.string ?? "auto"
        let prompt = Self.toolUseSystemPrompt(model: model)
        result.tools += (choice == "any" || choice == "tool") ? prompt.anyOrTool : prompt.autoOrNone
    }

    /// The tool-use system prompt Anthropic adds when `tools` is present, by model and `tool_choice`.
    /// Anthropic's pricing documentation lists 346 / 313 for Claude 3.5 Sonnet and later, and Claude Sonnet 4
    /// bills that; Claude 4.5 and 4.6 models bill more: 491 / 588, fitted to public request/usage pairs
    /// (claude-sonnet-4-5 with one tool and `tool_choice` auto: 143 to 147 over the documented 346 in 34 of 76 pairs,
    /// across different tools; any or tool: +253 to +277 over 313 for claude-sonnet-4-5, claude-haiku-4-5
    /// and claude-opus-4-6; docs/request-counting.md).
    static func toolUseSystemPrompt(model: String) -> (autoOrNone: Int, anyOrTool: Int) {
        let m = model.lowercased()
        for version in ["-4-5", "-4.5", "-4-6", "-4.6"] where m.contains(version) { return (491, 588) }
        if m.contains("claude-3-opus") { return (530, 281) }
        if m.contains("claude-3-sonnet") { return (159, 235) }
        if m.contains("claude-3-haiku") || m.contains("claude-3-5-haiku") || m.contains("claude-3.5-haiku") { return (264, 340) }
        return (346, 313)
    }

    /// Claude Opus 4.7 and later bill more tokens for the same text (a newer tokenizer).
    static func usesNewerClaudeTokenizer(_ model: String) -> Bool {
        let m = model.lowercased()
        guard let range = m.range(of: "claude-opus-") else { return false }
        let version = m[range.upperBound...].split(whereSeparator: { $0 == "-" || $0 == "." }).prefix(2).compactMap { Int($0) }
        guard let major = version.first else { return false }
        let minor = version.count > 1 && version[1] < 100 ? version[1] : 0
        return major > 4 || (major == 4 && minor >= 7)
    }
}
