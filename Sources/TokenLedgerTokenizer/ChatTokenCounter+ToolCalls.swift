import TokenLedgerCore

/// Tool-call history as o200k models read it (Chat `tool_calls` / `tool` messages, Responses
/// `function_call` / `function_call_output` items).
///
/// A call is a message addressed to the function, `assistant to=functions.NAME` followed by its
/// arguments; several calls in one assistant turn are one call to `multi_tool_use.parallel` whose
/// arguments list them (`{"tool_uses":[{"recipient_name":"functions.NAME","parameters":{…}}, …]}`). A result
/// is a message from the function, `functions.NAME to=assistant` followed by its content, one token less
/// than a message of its own. The `call_…` ids are not text the model reads. Public request/usage pairs
/// (docs/request-counting.md): a gpt-4o call to `get_weather` with `{"city":"Paris"}` and its result
/// "sunny in Paris" bill 26 tokens together: 3 + 6 + 5 for the call, 3 + 6 + 4 − 1 for the result.
/// A `multi_tool_use.parallel` call bills 3 tokens less than that message would: two gpt-4o tool sets with
/// two calls in one turn (test_dbos_agent_with_hitl_tool.yaml#1, billed 133; test_complex_agent_run.yaml#1
/// and its replays in other suites, billed 423) are both 3 over the same rule with the 3.
///
/// Reasoning models write a call on a channel with a JSON content type (harmony's
/// `<|channel|>commentary to=functions.NAME <|constrain|>json`), 5 tokens more per call message; through
/// the Responses API their results do not get the 3-token discount (docs/request-counting.md: eight Chat
/// pairs of gpt-5, gpt-5-mini and gpt-5.4-mini with one call and result billed 4–6 more than without the
/// 5, two with two sequential calls 10 and 11 more; Responses gpt-5 / gpt-5.2: 7, 17 and 27 more for one,
/// two and three calls).
extension ChatTokenCounter {
    /// Tokens a reasoning model's call message adds for its channel and content type.
    static let reasoningCallHeader = 5

    /// Function names by call id, so a result can be addressed from its function.
    func toolCallNames(_ body: JSONObject) -> [String: String] {
        var names: [String: String] = [:]
        for message in body["messages"]?.array ?? [] {
            for call in message["tool_calls"]?.array ?? [] {
                if let id = call["id"]?.string, let name = call[path: "function", "name"]?.string { names[id] = name }
            }
        }
        for item in body["input"]?.array ?? [] where item["type"]?.string == "function_call" {
            if let id = item["call_id"]?.string, let name = item["name"]?.string { names[id] = name }
        }
        return names
    }

    /// Tokens of the calls of one assistant turn.
    func toolCallTokens(_ calls: [(name: String, arguments: String)]) -> Int {
        let header = 3 + (isReasoningModel ? Self.reasoningCallHeader : 0)
        if calls.count == 1, let call = calls.first {
            return header + tokens("assistant to=functions.\(call.name)") + tokens(call.arguments)
        }
        let uses = calls.map { call -> JSONValue in
            let parameters = (try? JSONParser.parse(call.arguments)) ?? .string(call.arguments)
            return .object(JSONObject([("recipient_name", .string("functions.\(call.name)")), ("parameters", parameters)]))
        }
        let arguments = JSONValue.object(JSONObject([("tool_uses", .array(uses))])).serialized()
        // The parallel call bills 3 tokens less than a message of its own would (see the type's comment).
        return header - 3 + tokens("assistant to=multi_tool_use.parallel") + tokens(arguments)
    }

    /// Tokens a turn of Responses `function_call` items bills beyond the calls when its items carry the `id`
    /// the API gave them (`fc_…`), as clients that send back the response's output items do; a call sent
    /// without its id bills the calls alone. Evidence (docs/request-counting.md): Mirascope's gpt-4o and
    /// gpt-4o-mini pairs with one call and its result sent with the item's id bill 3 more than the rule
    /// without it (40 pairs 4 under, which the 3 brings within 1), its two-call turn 3 more too (12 pairs 2
    /// under, +1 with it), while pydantic-ai's items without ids fit the rule (six pairs at 0 and −1).
    /// Reasoning models are left out: their three countable pairs with ids spread from −5 to −1.
    static let referencedCallTurn = 3

    /// True when `items[index]` is the first `function_call` item of a turn and carries its item id, on a
    /// model that is not a reasoning model.
    func opensReferencedCallTurn(_ items: [JSONValue], at index: Int) -> Bool {
        guard !isReasoningModel, items[index]["type"]?.string == "function_call",
              let id = items[index]["id"]?.string, !id.isEmpty else { return false }
        return index == 0 || items[index - 1]["type"]?.string != "function_call"
    }

    /// Tokens of one tool result whose content costs `content` tokens.
    func toolResultTokens(name: String?, content: Int) -> Int {
        guard let name else { return 3 + tokens("tool") + content }
        return 3 + tokens("functions.\(name) to=assistant") - 1 + content
    }

    /// Tokens of a message's `content` (a string or content parts); images and other parts go to `result`.
    func contentTokens(_ content: JSONValue?, into result: inout PromptTokenCount) -> Int {
        switch content {
        case .string(let text)?:
            return tokens(text)
        case .array(let parts)?:
            let before = result.messages
            for part in parts { countContentPart(part, into: &result) }
            let added = result.messages - before
            result.messages = before
            return added
        default:
            return 0
        }
    }
}
