import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerTokenizer

/// Every part of a request body that is billed is counted or named: Anthropic Messages and Gemini bodies
/// are read whole, and what cannot be counted makes the count a lower bound. Expected numbers are worked
/// out by hand from tiktoken 0.14's o200k_base ids (`tiktoken-ref ids`) wherever the model is exact, and
/// from the providers' documented rules for images and tool prompts.
@Suite("Request bodies: every billed part counted or named")
struct RequestBodyCountingTests {
    func body(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test("Responses: an empty instructions string adds nothing")
    func emptyInstructions() throws {
        let count = try ChatTokenCounter.count(request: body(#"{"model":"gpt-4o","instructions":"","input":"hello world"}"#))
        // 3 + "user" [1428] + "hello world" [24912, 2375] + 3 reply priming.
        #expect(count.total == 9)
    }

    @Test("Chat: a call is addressed to its function and a result comes from it; call ids are not text")
    func toolCallIDs() throws {
        let request = try body(#"""
            {"model":"gpt-4o","messages":[
              {"role":"user","content":"What's the weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_Xq2ZpX8v0mY1b3KfA9tLw7Rc","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_Xq2ZpX8v0mY1b3KfA9tLw7Rc","content":"18C"}]}
            """#)
        let count = try ChatTokenCounter.count(request: request)
        // user 3 + 1 + 6; the call 3 + "assistant to=functions.get_weather" (6: [173781, 316, 28, 44580, 775,
        // 170154]) + arguments (5); the result 3 + "functions.get_weather to=assistant" (6) − 1 + "18C" (2);
        // priming 3. The ids appear nowhere.
        #expect(count.messages == 10 + 14 + 10 + 3)
    }

    @Test("Chat and Responses: a json_schema format is named and makes the count a lower bound; json_object does not")
    func structuredOutput() throws {
        let schema = try ChatTokenCounter.count(request: body(#"""
            {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}
            """#))
        #expect(schema.isLowerBound && schema.uncountedParts == 1)
        #expect(schema.notes.contains { $0.contains("json_schema") && $0.contains("lower bound") })
        // The best estimate the pairs give: the schema's compact JSON, {"type":"object","properties":{"a":{"type":
        // "string"}}} = 14 tokens (tiktoken-ref count).
        #expect(schema.notes.contains { $0.contains("compact JSON text (14 tokens here)") })
        #expect(schema.json["lower_bound"] == .bool(true))
        let responses = try ChatTokenCounter.count(request: body(#"""
            {"model":"gpt-4o","input":"hi","text":{"format":{"type":"json_schema","name":"r","schema":{"type":"object"}}}}
            """#))
        #expect(responses.isLowerBound)
        let object = try ChatTokenCounter.count(request: body(#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}"#))
        #expect(!object.isLowerBound && object.notes.isEmpty)
    }

    @Test("Anthropic: the top-level system and tools are counted, with the documented tool-use system prompt")
    func anthropicSystemAndTools() throws {
        // An Anthropic-shaped body with an exact (OpenAI) model, so every number is worked out by hand.
        let request = try body(#"""
            {"model":"gpt-4o","max_tokens":100,"system":"You are terse.",
             "messages":[{"role":"user","content":"hello world"}],
             "tools":[{"name":"lookup","description":"Look a word up","input_schema":{"type":"object","properties":{"word":{"type":"string"}}}}]}
            """#)
        let count = try ChatTokenCounter.count(request: request)
        // system 3 + "system" (1) + "You are terse." (4); user 3 + 1 + 2; priming 3.
        #expect(count.messages == 17)
        // The tool's JSON text (28 tokens) + Anthropic's tool-use system prompt for tool_choice auto (346).
        #expect(count.tools == 28 + 346)
        #expect(!count.isLowerBound)
        let forced = try ChatTokenCounter.count(request: body(#"""
            {"model":"gpt-4o","system":"You are terse.","messages":[{"role":"user","content":"hello world"}],"tool_choice":{"type":"any"},
             "tools":[{"name":"lookup","description":"Look a word up","input_schema":{"type":"object","properties":{"word":{"type":"string"}}}}]}
            """#))
        #expect(forced.tools == 28 + 313)
    }

    @Test("Anthropic: tool_use and tool_result blocks count name, input and result, not their ids")
    func anthropicToolBlocks() throws {
        let request = try body(#"""
            {"model":"gpt-4o","system":[{"type":"text","text":"You are terse."}],"messages":[
              {"role":"user","content":"What's the weather in Paris?"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"18C"}]}]}
            """#)
        let count = try ChatTokenCounter.count(request: request)
        // system 8; user 3 + 1 + 6; assistant 3 + 1 + "get_weather" (2) + {"city":"Paris"} (5); user 3 + 1 + "18C" (2); priming 3.
        #expect(count.messages == 8 + 10 + 11 + 6 + 3)
    }

    @Test("Anthropic: a Claude model's body is read whole — system, tools, images, documents, thinking")
    func claudeBody() throws {
        let system = String(repeating: "You review pull requests for a payments service and answer in short bullet points. ", count: 10)
        let request = try body(#"""
            {"model":"claude-sonnet-4-5","max_tokens":1024,"system":"\#(system)",
             "thinking":{"type":"enabled","budget_tokens":2048},
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Review this."},
                 {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQK"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"Earlier reasoning.","signature":"s"},{"type":"text","text":"Looks fine."}]},
               {"role":"user","content":"And the tests?"}],
             "tools":[{"name":"run_tests","description":"Run the test suite","input_schema":{"type":"object","properties":{}}},
                      {"type":"web_search_20250305","name":"web_search"}]}
            """#)
        let count = try ChatTokenCounter.count(request: request)
        #expect(count.isApproximate && count.encoding == nil)
        #expect(count.messages > 150, "the 10-sentence system prompt is counted")
        #expect(count.tools > 346, "tool text plus the tool-use system prompt")
        #expect(count.isLowerBound && count.uncountedParts == 2, "the PDF and the server tool")
        #expect(count.notes.contains { $0.contains("application/pdf") })
        #expect(count.notes.contains { $0.contains("web_search_20250305") })
        #expect(count.notes.contains { $0.contains("extended thinking") })
    }

    @Test("Anthropic images: width × height / 750 after resizing, as Anthropic's vision documentation tabulates")
    func anthropicImages() {
        #expect(ChatTokenCounter.anthropicImageTokens(ImageSize(width: 200, height: 200)) == 54)
        #expect(ChatTokenCounter.anthropicImageTokens(ImageSize(width: 1000, height: 1000)) == 1_334)
        #expect(ChatTokenCounter.anthropicImageTokens(ImageSize(width: 1092, height: 1092)) == 1_590)
        // Long edge 4000 → 1568 × 784, still over ~1,600 tokens → scaled to 1549 × 774.
        #expect(ChatTokenCounter.anthropicImageTokens(ImageSize(width: 4000, height: 2000)) == 1_599)
    }

    @Test("Claude Opus 4.7 and later are labelled as billing more tokens than the approximation")
    func newerClaudeTokenizer() {
        #expect(ChatTokenCounter.usesNewerClaudeTokenizer("claude-opus-4-7"))
        #expect(ChatTokenCounter.usesNewerClaudeTokenizer("claude-opus-5"))
        #expect(!ChatTokenCounter.usesNewerClaudeTokenizer("claude-opus-4-6"))
        #expect(!ChatTokenCounter.usesNewerClaudeTokenizer("claude-opus-4-20250514"))
        #expect(!ChatTokenCounter.usesNewerClaudeTokenizer("claude-sonnet-4-5"))
    }

    @Test("Gemini: a generateContent body is read — system instruction, parts, function declarations, schema, images")
    func geminiBody() throws {
        // A 1×1 PNG: both sides ≤ 384 px → 258 tokens on Gemini 2.x.
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        let request = try body(#"""
            {"systemInstruction":{"parts":[{"text":"You are terse."}]},
             "contents":[{"role":"user","parts":[{"text":"What is in this picture?"},{"inlineData":{"mimeType":"image/png","data":"\#(png)"}}]},
                         {"role":"model","parts":[{"functionCall":{"name":"lookup","args":{"word":"cat"}}}]},
                         {"role":"user","parts":[{"functionResponse":{"name":"lookup","response":{"meaning":"a small feline"}}}]}],
             "tools":[{"functionDeclarations":[{"name":"lookup","description":"Look a word up","parameters":{"type":"OBJECT","properties":{"word":{"type":"STRING"}}}}]}],
             "generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"OBJECT","properties":{"answer":{"type":"STRING"}}}}}
            """#)
        let count = try ChatTokenCounter.count(request: request, model: "gemini-2.5-flash")
        #expect(count.isApproximate)
        #expect(count.images == 258 && count.imageCount == 1)
        #expect(count.messages > 10 && count.tools > 10)
        #expect(!count.isLowerBound)
        let withVideo = try ChatTokenCounter.count(request: body(#"""
            {"contents":[{"parts":[{"text":"Summarise"},{"fileData":{"mimeType":"video/mp4","fileUri":"gs://b/v.mp4"}}]}]}
            """#), model: "gemini-2.5-pro")
        #expect(withVideo.isLowerBound && withVideo.notes.contains { $0.contains("video/mp4") })
    }

    @Test("Gemini images: 258 tokens up to 384 px, else 258 per 768 px tile")
    func geminiImages() {
        #expect(ChatTokenCounter.geminiImageTokens(ImageSize(width: 384, height: 384)) == 258)
        #expect(ChatTokenCounter.geminiImageTokens(ImageSize(width: 1024, height: 768)) == 516)
        #expect(ChatTokenCounter.geminiImageTokens(ImageSize(width: 1600, height: 1600)) == 9 * 258)
    }
}
