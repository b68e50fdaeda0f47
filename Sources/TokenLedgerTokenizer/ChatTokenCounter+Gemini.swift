import TokenLedgerCore

/// Gemini `generateContent` request bodies (Gemini API and Vertex AI).
///
/// Gemini's tokenizer is not public, so the count is the labelled approximation; this file reads every
/// part of the body that is billed as input: `systemInstruction`, each content's `parts` (text, function
/// calls and responses, executable code, inline images), `tools[].functionDeclarations` and the
/// `generationConfig` response schema (counted as their JSON text). Images follow Gemini's documented rule:
/// 258 tokens when both sides are at most 384 px, otherwise 258 per 768 × 768 tile; Gemini 1.5 bills a flat
/// 258 and Gemini 3 bills by media resolution (1,120 at its default, high). Audio, video, PDFs and files
/// referenced by URI are billed by duration or pages and are named in the notes instead.
extension ChatTokenCounter {
    func countGemini(_ body: JSONObject) throws(RequestError) -> PromptTokenCount {
        let contents: [JSONValue]
        switch body["contents"] {
        case .array(let list)?: contents = list
        case .object?: contents = [body["contents"]!]
        case .string(let text)?: contents = [.object(JSONObject([("parts", .array([.object(JSONObject([("text", .string(text))]))]))]))]
        default: throw .noMessages
        }
        var result = PromptTokenCount(encoding: encoding?.name)
        // Gemini 2.5 and later bill one token more per request than Gemini 2.0 for the same text (five public
        // pairs of the same prompts on gemini-2.0-flash and gemini-2.5-flash, docs/request-counting.md).
        let m = model.lowercased()
        let isGemini25OrLater = !(m.contains("gemini-1.") || m.contains("gemini-2.0"))
        if isGemini25OrLater { result.messages += 1 }
        if let system = body["systemInstruction"] ?? body["system_instruction"] {
            if let text = system.string { result.messages += tokens(text) } else { countGeminiParts(system["parts"], into: &result) }
        }
        for content in contents {
            if let text = content.string { result.messages += tokens(text) } else { countGeminiParts(content["parts"], into: &result) }
        }
        for tool in body["tools"]?.array ?? [] {
            let declarations = tool["functionDeclarations"]?.array ?? tool["function_declarations"]?.array
            if let declarations {
                for declaration in declarations {
                    result.tools += geminiDeclarationTokens(declaration)
                    noteRecursiveReference(declaration, into: &result)
                }
            }
            for key in tool.object?.keys ?? [] where key != "functionDeclarations" && key != "function_declarations" {
                result.uncounted("the built-in tool '\(key)' is not counted.")
            }
        }
        if isGemini25OrLater && result.tools > 0 {
            // Gemini 2.5 bills declarations at about 1.25 times their keys and text, Gemini 3 at about 1.1, and
            // 15 tokens more when `functionCallingConfig.mode` is ANY (fitted to 50 public pairs with
            // declarations, checked on held-out ones: docs/request-counting.md).
            let percent = m.contains("gemini-2.5") ? 125 : 110
            result.tools = (result.tools * percent + 50) / 100
            let config = body["toolConfig"] ?? body["tool_config"]
            let mode = (config?["functionCallingConfig"] ?? config?["function_calling_config"])?["mode"]?.string
            if mode?.uppercased() == "ANY" { result.tools += 15 }
        }
        if let cache = body["cachedContent"] ?? body["cached_content"], cache != .null {
            result.uncounted("the cached content '\(cache.string ?? "?")' is billed as input but is not in the body; it is not counted.")
        }
        if result.isApproximate {
            result.notes.append(Self.measuredError(family: "Gemini", median: "2.7", p90: "12"))
        }
        // `generationConfig.responseSchema` is not billed as input: requests with and without a schema of
        // 60 to 290 tokens of JSON bill the same prompt tokens (see docs/request-counting.md).
        return result
    }

    /// A function declaration as Gemini bills it: its keys and text values, without the JSON punctuation
    /// (public pairs bill about half the declaration's JSON text).
    func geminiDeclarationTokens(_ declaration: JSONValue) -> Int {
        switch declaration {
        case .object(let object):
            return object.reduce(0) { $0 + tokens($1.key) + geminiDeclarationTokens($1.value) }
        case .array(let items):
            return items.reduce(0) { $0 + geminiDeclarationTokens($1) }
        case .string(let text):
            return tokens(text)
        default:
            return tokens(declaration.serialized())
        }
    }

    /// A declaration whose schema refers to itself through `$ref` (a tree, a linked list) is billed with the
    /// recursion written out to a depth no public rule gives: pydantic-ai's
    /// `test_google_validated_accepts_what_auto_accepts` (gemini-2.5-flash, a `TreeNode` whose children are
    /// `TreeNode`s) bills 776 where the schema as written counts 334. Only the schema as written is counted,
    /// and the note says so (the count is a lower bound).
    func noteRecursiveReference(_ declaration: JSONValue, into result: inout PromptTokenCount) {
        for key in ["parameters", "parameters_json_schema", "parametersJsonSchema", "response", "response_json_schema", "responseJsonSchema"] {
            guard let schema = declaration[key], Self.hasRecursiveReference(schema) else { continue }
            let name = declaration["name"]?.string ?? "?"
            result.uncounted("function declaration '\(name)' has a recursive $ref, which Gemini bills written out to an unknown depth; only the schema as written is counted.")
            return
        }
    }

    /// True when following the local `$ref`s (`#/$defs/NAME`, `#/definitions/NAME`) of `schema` leads back to a
    /// definition already being followed.
    static func hasRecursiveReference(_ schema: JSONValue) -> Bool {
        let definitions = (schema["$defs"] ?? schema["definitions"])?.object ?? JSONObject()
        guard !definitions.keys.isEmpty else { return false }
        func reaches(_ value: JSONValue, _ path: Set<String>) -> Bool {
            switch value {
            case .object(let object):
                for (key, member) in object {
                    if key == "$defs" || key == "definitions" { continue }
                    if key == "$ref", let reference = member.string {
                        let name = String(reference.split(separator: "/").last ?? "")
                        if path.contains(name) { return true }
                        if let target = definitions[name], reaches(target, path.union([name])) { return true }
                    } else if reaches(member, path) {
                        return true
                    }
                }
                return false
            case .array(let items):
                return items.contains { reaches($0, path) }
            default:
                return false
            }
        }
        return reaches(schema, [])
    }

    private func countGeminiParts(_ parts: JSONValue?, into result: inout PromptTokenCount) {
        let list: [JSONValue]
        switch parts {
        case .array(let items)?: list = items
        case .object?: list = [parts!]
        default: return
        }
        for part in list {
            if part["thoughtSignature"] != nil || part["thought_signature"] != nil {
                result.uncounted("a thought signature carries the model's earlier thinking, which is billed as input but cannot be counted.")
            }
            if let text = part["text"]?.string {
                result.messages += tokens(text)
            } else if let call = part["functionCall"] ?? part["function_call"] {
                result.messages += tokens(call["name"]?.string ?? "") + tokens((call["args"] ?? .object(JSONObject())).serialized())
            } else if let response = part["functionResponse"] ?? part["function_response"] {
                result.messages += tokens(response["name"]?.string ?? "") + tokens((response["response"] ?? .object(JSONObject())).serialized())
                // Gemini 3 function responses carry their own media parts (images, files).
                countGeminiParts(response["parts"], into: &result)
            } else if let code = part["executableCode"] ?? part["executable_code"] {
                result.messages += tokens(code["code"]?.string ?? "")
            } else if let outcome = part["codeExecutionResult"] ?? part["code_execution_result"] {
                result.messages += tokens(outcome["output"]?.string ?? "")
            } else if let inline = part["inlineData"] ?? part["inline_data"] {
                countGeminiInline(inline, into: &result)
            } else if let file = part["fileData"] ?? part["file_data"] {
                let mime = file["mimeType"]?.string ?? file["mime_type"]?.string ?? "file"
                result.uncounted("a \(mime) file referenced by URI is not counted (its size is not in the request).")
            }
        }
    }

    private func countGeminiInline(_ inline: JSONValue, into result: inout PromptTokenCount) {
        let mime = inline["mimeType"]?.string ?? inline["mime_type"]?.string ?? ""
        guard mime.hasPrefix("image/") else {
            result.uncounted("inline \(mime.isEmpty ? "data" : mime) is billed by duration or pages and is not counted.")
            return
        }
        result.imageCount += 1
        let size = (inline["data"]?.string).flatMap { ImageSize(dataURL: "data:\(mime);base64,\($0)") }
        let m = model.lowercased()
        if m.contains("gemini-3") {
            result.images += 1_120
            return
        }
        if m.contains("gemini-1.5") || m.contains("gemini-1.0") {
            result.images += 258
            return
        }
        guard let size else {
            result.uncounted("an inline image could not be read; it is not counted.")
            return
        }
        result.images += Self.geminiImageTokens(size)
    }

    /// The approximation's measured error for a family, as a note shown with every approximate count
    /// (figures from docs/request-counting.md, pairs of at least 100 billed tokens).
    static func measuredError(family: String, median: String, p90: String) -> String {
        "approximate: on public request/usage pairs of at least 100 billed tokens, \(family) counts are off by a median of \(median) % (90th percentile \(p90) %)."
    }

    /// Gemini 2.x: 258 tokens for an image whose sides are both at most 384 px, else 258 per 768 × 768 tile.
    static func geminiImageTokens(_ size: ImageSize) -> Int {
        if size.width <= 384 && size.height <= 384 { return 258 }
        return ((size.width + 767) / 768) * ((size.height + 767) / 768) * 258
    }
}
