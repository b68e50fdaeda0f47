import TokenLedgerCore

/// Input tokens of a request, as OpenAI bills them, with where they come from.
public struct PromptTokenCount: Sendable, Equatable {
    /// The encoding used, or nil when the counts are the approximation (non-OpenAI model).
    public var encoding: EncodingName?
    /// Message text, roles and names, 3 tokens per message, +1 per name, +3 reply priming.
    public var messages: Int = 0
    /// Tool / function definitions (the cookbook's reverse-engineered formula).
    public var tools: Int = 0
    /// Image inputs (tile or patch formula).
    public var images: Int = 0
    /// How many images were counted.
    public var imageCount: Int = 0
    /// Images whose size was unknown (remote URL without a given size, unreadable data URL):
    /// counted at the largest cost the model can bill for one image, so `total` is an upper bound.
    public var imagesAtUpperBound: Int = 0
    /// Things the count could not see exactly (audio, files, unsized images), one sentence each.
    public var notes: [String] = []
    /// Parts of the body that are billed but not counted (a file, audio, a structured-output schema whose
    /// billing rule is unknown, …): each also has a note. When non-zero, `total` is a lower bound.
    public var uncountedParts: Int = 0

    /// True when billed parts were left out, so the bill will be at least `total`.
    public var isLowerBound: Bool { uncountedParts > 0 }

    /// Records a billed part that is not counted, with the sentence that names it.
    mutating func uncounted(_ note: String) {
        uncountedParts += 1
        notes.append(note)
    }

    /// True when the count is the labelled approximation for a model without a public tokenizer.
    public var isApproximate: Bool { encoding == nil }
    /// All input tokens.
    public var total: Int { messages + tools + images }

    /// The count as JSON (for `--json` outputs and the estimator).
    public var json: JSONValue {
        .object(JSONObject([
            ("encoding", encoding.map { .string($0.rawValue) } ?? .null),
            ("approximate", .bool(isApproximate)),
            ("total", .int(total)),
            ("messages", .int(messages)),
            ("tools", .int(tools)),
            ("images", .int(images)),
            ("image_count", .int(imageCount)),
            ("images_at_upper_bound", .int(imagesAtUpperBound)),
            ("lower_bound", .bool(isLowerBound)),
            ("notes", .array(notes.map { .string($0) })),
        ]))
    }
}

/// Counts the input tokens of an OpenAI Chat Completions or Responses API request body.
///
/// Formula (OpenAI cookbook "How to count tokens with tiktoken", checked by its authors against the
/// API's `prompt_tokens`): every message costs 3 tokens plus the tokens of each string field (role,
/// content, name, …), a `name` adds 1, and the reply is primed with 3. Tools use the cookbook's
/// reverse-engineered per-function/per-property constants. Images use `ImageTokenRule`.
public struct ChatTokenCounter: Sendable {
    /// The model the request is counted for (it picks the encoding and the per-message rules).
    public let model: String
    let encoding: TokenEncoding?
    /// Sizes of remote images by URL (`--image-size URL=WxH`); data URLs are read directly.
    public var imageSizes: [String: ImageSize]
    /// The approximation's rules for the model's family (used when `encoding` is nil).
    let approximation: ApproximateTokenCounter.Rules

    /// Errors in the request body itself.
    public enum RequestError: UserFacingError, Equatable {
        /// The body is not a JSON object.
        case notAnObject
        /// The body has no messages, input or contents to count.
        case noMessages
        /// Neither the body nor the caller names a model.
        case noModel

        public var message: String {
            switch self {
            case .notAnObject: return "the request body is not a JSON object; pass a Chat Completions or Responses API request."
            case .noMessages: return "the request has neither 'messages' (Chat Completions, Anthropic Messages), 'input' (Responses API) nor 'contents' (Gemini); nothing to count."
            case .noModel: return "the request names no model; add \"model\" to it or pass --model."
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// A counter for `model` (exact for OpenAI models, approximate for known other families).
    public init(model: String, imageSizes: [String: ImageSize] = [:]) throws(TokenizerError) {
        self.model = model
        self.imageSizes = imageSizes
        approximation = ApproximateTokenCounter.family(ofModel: model) == "gemini" ? .gemini : .standard
        if let name = ModelEncodings.encoding(forModel: model) {
            encoding = try TokenEncoding.named(name)
        } else if ApproximateTokenCounter.family(ofModel: model) != nil {
            encoding = nil
        } else {
            throw .unknownModel(model)
        }
    }

    /// Counts `request` for `model`, or for the request's own "model" when `model` is nil.
    /// Cost: one tokenizer pass over every string in the request.
    public static func count(request: JSONValue, model: String? = nil,
                             imageSizes: [String: ImageSize] = [:]) throws -> PromptTokenCount {
        guard let name = model ?? request["model"]?.string else { throw RequestError.noModel }
        return try ChatTokenCounter(model: name, imageSizes: imageSizes).count(request: request)
    }

    /// Counts a request body: Chat Completions `messages`/`tools`/`functions`, Responses API
    /// `instructions`/`input`/`tools`, Anthropic Messages (`system`, content blocks, `tools`) or Gemini
    /// `generateContent` (`contents`, `systemInstruction`, `tools`), chosen by the body's shape and the model.
    public func count(request: JSONValue) throws(RequestError) -> PromptTokenCount {
        guard let body = request.object else { throw .notAnObject }
        if body["contents"] != nil { return try countGemini(body) }
        if body["messages"] != nil, isAnthropicRequest(body) { return try countAnthropic(body) }
        if body["messages"] != nil, let encoding, let template = ChatTemplate(model: model, encoding: encoding.name) {
            return countWithTemplate(template, body, encoding: encoding) // the family's own chat template
        }
        var result = PromptTokenCount(encoding: encoding?.name)
        let callNames = toolCallNames(body)
        if let messages = body["messages"]?.array {
            for (index, message) in messages.enumerated() where !isEmptyBeforeCalls(messages, at: index) {
                countMessage(message, callNames: callNames, into: &result)
            }
        } else if body["input"] != nil || body["instructions"] != nil {
            // An empty `instructions` is billed as nothing (no developer message is added).
            if let instructions = body["instructions"]?.string, !instructions.isEmpty {
                countMessage(["role": "developer", "content": .string(instructions)], into: &result)
            }
            if let input = body["input"]?.string {
                countMessage(["role": "user", "content": .string(input)], into: &result)
            } else if let items = body["input"]?.array {
                for (index, item) in items.enumerated() {
                    countResponsesItem(item, callNames: callNames, into: &result)
                    if opensReferencedCallTurn(items, at: index) { result.messages += Self.referencedCallTurn }
                }
            }
        } else {
            throw .noMessages
        }
        result.messages += 3 // <|start|>assistant<|message|>
        var functions: [JSONValue] = []
        for tool in body["tools"]?.array ?? [] {
            if let f = tool["function"] { functions.append(f) } // Chat Completions
            else if tool["type"]?.string == "function" { functions.append(tool) } // Responses API
            else if let type = tool["type"]?.string { result.uncounted("built-in tool '\(type)' is not counted.") }
        }
        functions += body["functions"]?.array ?? [] // legacy Chat Completions
        let isChat = body["messages"] != nil
        let firstRole = body["messages"]?.array?.first?["role"]?.string
        result.tools = toolTokens(functions, api: isChat ? .chat(hasSystemMessage: firstRole == "system" || firstRole == "developer") : .responses)
        if !functions.isEmpty { result.tools += namedToolChoiceTokens(body, isChat: isChat) }
        if isReasoningModel {
            // Reasoning models bill one token less for the reply priming (o3-mini, gpt-5, gpt-5.x).
            result.messages -= 1
        }
        for key in ["previous_response_id", "conversation"] where body[key] != nil && body[key] != .null {
            result.uncounted("'\(key)' adds the stored earlier turns to the input; they are billed but not in this body and are not counted.")
        }
        noteStructuredOutput(body, into: &result)
        return result
    }

    /// True for an assistant message with empty content and no calls directly before an assistant message with
    /// tool calls (simonw/llm sends its turns so): the two are one turn, billed as the calls alone. Evidence:
    /// simonw/llm tests/cassettes/test_tools/test_tool_use_basic.yaml#1 (gpt-4o-mini), billed 87, counted 90
    /// with the empty message as one of its own and 86 without it.
    func isEmptyBeforeCalls(_ messages: [JSONValue], at index: Int) -> Bool {
        guard encoding?.name != .cl100kBase, index + 1 < messages.count else { return false }
        let message = messages[index], next = messages[index + 1]
        guard message["role"]?.string == "assistant", next["role"]?.string == "assistant",
              message["tool_calls"] == nil, next["tool_calls"]?.array?.isEmpty == false else { return false }
        switch message["content"] {
        case nil, .null?: return true
        case .string(let text)?: return text.isEmpty
        case .array(let parts)?: return parts.isEmpty
        default: return false
        }
    }

    /// o-series and gpt-5 family models (billed by the reasoning models' rules above).
    var isReasoningModel: Bool {
        let m = model.lowercased()
        if m.hasPrefix("gpt-5") { return true }
        guard m.hasPrefix("o"), m.count > 1 else { return false }
        return m[m.index(after: m.startIndex)].isNumber
    }

    /// gpt-5 family models, whose earlier answers carry a channel (harmony's `<|channel|>final`): three gpt-5
    /// Responses pairs with one and two assistant messages billed 2 and 4 more than without it.
    var isHarmonyModel: Bool { model.lowercased().hasPrefix("gpt-5") }

    func tokens(_ text: String) -> Int {
        encoding?.count(text) ?? ApproximateTokenCounter.estimate(text, rules: approximation)
    }

    func countMessage(_ message: JSONValue, callNames: [String: String] = [:], into result: inout PromptTokenCount) {
        guard let object = message.object else { return }
        let role = object["role"]?.string
        if role == "tool", encoding?.name != .cl100kBase {
            result.messages += toolResultTokens(name: object["tool_call_id"]?.string.flatMap { callNames[$0] } ?? object["name"]?.string,
                                                content: contentTokens(object["content"], into: &result))
            return
        }
        var calls: [(name: String, arguments: String)] = (object["tool_calls"]?.array ?? []).map {
            ($0[path: "function", "name"]?.string ?? "", $0[path: "function", "arguments"]?.string ?? "")
        }
        if let call = object["function_call"]?.object { calls.append((call["name"]?.string ?? "", call["arguments"]?.string ?? "")) }
        if !calls.isEmpty, encoding?.name != .cl100kBase {
            result.messages += toolCallTokens(calls)
            // The calls are messages of their own; the assistant message itself is billed only with content.
            switch object["content"] {
            case .string(let text)? where !text.isEmpty: break
            case .array(let parts)? where !parts.isEmpty: break
            default: return
            }
        }
        result.messages += 3
        if role == "assistant", isHarmonyModel {
            // gpt-5 models read an earlier answer on its channel (`<|channel|>final`): 2 tokens more.
            result.messages += 2
        }
        for (key, value) in object {
            switch value {
            case .string where key == "tool_call_id":
                // The id pairs a tool result with its call; it is not part of the prompt the model reads.
                break
            case .string(let text):
                result.messages += tokens(text)
                if key == "name" { result.messages += 1 }
            case .array(let parts) where key == "content":
                for part in parts { countContentPart(part, into: &result) }
            case .array where key == "tool_calls" && !calls.isEmpty && encoding?.name != .cl100kBase:
                break
            case .object where key == "function_call" && encoding?.name != .cl100kBase:
                break
            case .array(let calls) where key == "tool_calls":
                for call in calls {
                    result.messages += tokens(call[path: "function", "name"]?.string ?? "")
                    result.messages += tokens(call[path: "function", "arguments"]?.string ?? "")
                }
            case .object(let call) where key == "function_call":
                result.messages += tokens(call["name"]?.string ?? "") + tokens(call["arguments"]?.string ?? "")
            default:
                break
            }
        }
    }

    func countResponsesItem(_ item: JSONValue, callNames: [String: String] = [:], into result: inout PromptTokenCount) {
        switch item["type"]?.string {
        case "function_call":
            result.messages += toolCallTokens([(item["name"]?.string ?? "", item["arguments"]?.string ?? "")])
        case "function_call_output":
            // Through the Responses API a result bills 3 tokens less than through Chat Completions, except on
            // reasoning models.
            result.messages += toolResultTokens(name: item["call_id"]?.string.flatMap { callNames[$0] },
                                                content: contentTokens(item["output"], into: &result)) - (isReasoningModel ? 0 : 3)
        case "message", nil:
            var message = item.object ?? JSONObject()
            message["type"] = nil
            message["id"] = nil
            message["status"] = nil
            countMessage(.object(message), callNames: callNames, into: &result)
        case let other?:
            result.uncounted("input item of type '\(other)' is not counted.")
        }
    }

    func countContentPart(_ part: JSONValue, into result: inout PromptTokenCount) {
        if let text = part.string {
            result.messages += tokens(text)
            return
        }
        switch part["type"]?.string {
        case "text", "input_text", "output_text":
            result.messages += tokens(part["text"]?.string ?? "")
        case "refusal":
            result.messages += tokens(part["refusal"]?.string ?? "")
        case "image_url":
            countImage(url: part[path: "image_url", "url"]?.string ?? part["image_url"]?.string,
                       detail: part[path: "image_url", "detail"]?.string, into: &result)
        case "input_image":
            countImage(url: part["image_url"]?.string, detail: part["detail"]?.string, into: &result)
        case let other?:
            result.uncounted("content of type '\(other)' is not counted.")
        case nil:
            break
        }
    }

    func countImage(url: String?, detail: String?, into result: inout PromptTokenCount) {
        result.imageCount += 1
        guard let rule = ImageTokenRule.forModel(model) else {
            result.uncounted("no image token rule is known for \(model); an image is not counted.")
            return
        }
        let size = url.flatMap { imageSizes[$0] ?? ImageSize(dataURL: $0) }
        let level = ImageTokenRule.Detail(rawValue: detail ?? "auto") ?? .auto
        if size == nil && !(level == .low && { if case .tiles = rule { return true } else { return false } }()) {
            result.imagesAtUpperBound += 1
            let shown = (url ?? "?").hasPrefix("data:") ? "an inline image" : "image \(url ?? "?")"
            result.notes.append("the size of \(shown) is unknown; counted at the most it can cost (give its size to be exact).")
        }
        result.images += rule.tokens(size: size, detail: level)
    }

    /// Which API a body was sent to, for the constants that differ between them.
    enum API: Equatable {
        case chat(hasSystemMessage: Bool)
        case responses
    }

    /// Tokens of the function definitions. o200k models: the definitions rendered as
    /// `FunctionSignatures` plus a constant that public request/usage pairs fix per API and model kind
    /// (docs/request-counting.md): Chat Completions +2, or −2 when the first message is a system or developer
    /// message (the definitions join it instead of opening a message of their own); Responses −3; reasoning
    /// models +2 through Responses and +84 through Chat Completions, which adds a preamble of its own when
    /// tools are present. cl100k models (gpt-4, gpt-3.5-turbo): the cookbook's formula, 10 per function,
    /// 3 + 3 per property, −3 + 3 per enum item, 12 at the end.
    /// Tokens a `tool_choice` naming one function adds on gpt-4o-family models: 17 in Chat Completions, 16
    /// through Responses. Evidence (docs/request-counting.md): every countable Mirascope pair with a named
    /// choice is under the rule by exactly that (six Chat pairs at −17, six Responses pairs at −16, three tool
    /// sets; the four and five with a nested `$defs` object at −29 and −28), while `auto`, `required` and
    /// `allowed_tools` pairs fit without it. All of them name one function, so whether the cost depends on
    /// the name is not known; reasoning and cl100k models have no such pairs and get nothing.
    func namedToolChoiceTokens(_ body: JSONObject, isChat: Bool) -> Int {
        guard encoding?.name != .cl100kBase, !isReasoningModel, body["tool_choice"]?["type"]?.string == "function" else { return 0 }
        return isChat ? 17 : 16
    }

    func toolTokens(_ functions: [JSONValue], api: API) -> Int {
        guard !functions.isEmpty else { return 0 }
        guard encoding?.name == .cl100kBase else {
            let constant: Int
            switch (isReasoningModel, api) {
            case (true, .chat): constant = Self.reasoningChatToolConstant
            case (true, .responses): constant = 2
            case (false, .chat(let hasSystemMessage)): constant = hasSystemMessage ? -2 : 2
            case (false, .responses): constant = -3
            }
            return tokens(FunctionSignatures.render(functions)) + constant
        }
        var total = 0
        for function in functions {
            total += 10
            let name = function["name"]?.string ?? ""
            total += tokens(name + ":" + trimmingPeriod(function["description"]?.string ?? ""))
            guard let properties = function[path: "parameters", "properties"]?.object, properties.count > 0 else { continue }
            total += 3
            for (key, property) in properties {
                total += 3
                if let items = property["enum"]?.array {
                    total -= 3
                    for item in items {
                        total += 3 + tokens(item.string ?? item.serialized())
                    }
                }
                let type = property["type"]?.string ?? ""
                total += tokens("\(key):\(type):\(trimmingPeriod(property["description"]?.string ?? ""))")
            }
        }
        return total + 12
    }

    /// What Chat Completions adds on a reasoning model with tools beyond the rendered definitions: its
    /// 82-token tool preamble plus the +2 the Responses API also bills (every gpt-5-mini, gpt-5 and
    /// gpt-5.4-mini pair with one tool: 84; with two or three tools 82–84).
    static let reasoningChatToolConstant = 84

    /// A `json_schema` response format (Chat `response_format`, Responses `text.format`) is billed as
    /// input by a rule OpenAI does not publish: say so, with the best estimate the public pairs give (about the
    /// schema's compact JSON text: 14 of 16 distinct schemas billed within −8 to +12 tokens of it, two with
    /// many `anyOf` branches 29 and 49 less; docs/request-counting.md), and mark the count as a lower bound.
    /// `json_object` adds nothing and needs no note.
    func noteStructuredOutput(_ body: JSONObject, into result: inout PromptTokenCount) {
        let format = body["response_format"] ?? body["text"]?["format"]
        guard format?["type"]?.string == "json_schema" else { return }
        let schema = format?[path: "json_schema", "schema"] ?? format?["schema"] ?? .null
        result.uncounted("the json_schema response format is billed as input by an unpublished rule and is not counted; the total is a lower bound. Public pairs bill about the schema's compact JSON text (\(tokens(schema.serialized())) tokens here), most within -8 to +12 tokens of it.")
    }

    private func trimmingPeriod(_ text: String) -> String {
        text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}
