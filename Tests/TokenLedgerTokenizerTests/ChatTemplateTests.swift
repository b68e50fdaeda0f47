import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerTokenizer

/// Each open-weight family's chat template, against the prompt tokens its publisher's code gives
/// (fixtures/tokenizer/chat-templates.jsonl, scripts/make-chat-template-fixtures.py).
@Suite("Chat templates of the open-weight families")
struct ChatTemplateTests {
    struct Golden {
        var model: String
        var encoding: EncodingName
        var messages: [ChatTemplate.Message]
        var effort: String?
        var date: String
        var tokens: Int
    }

    static func goldens() throws -> [Golden] {
        let text = try String(contentsOfFile: TokenizerFixtures.path("fixtures/tokenizer/chat-templates.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let row = try JSONParser.parse(String(line))
            return Golden(model: row["model"]!.string!, encoding: EncodingName(rawValue: row["encoding"]!.string!)!,
                          messages: row["messages"]!.array!.map { .init(role: $0["role"]!.string!, text: $0["content"]!.string!) },
                          effort: row["reasoning_effort"]?.string, date: row["date"]!.string!, tokens: row["tokens"]!.int!)
        }
    }

    @Test("every golden conversation counts what the publisher's template gives (Llama where its vocabulary is installed)")
    func goldenCounts() throws {
        let goldens = try Self.goldens()
        #expect(goldens.count >= 40)
        var checked = 0
        for golden in goldens where golden.encoding.isInstalled {
            let encoding = try TokenEncoding.named(golden.encoding)
            let template = try #require(ChatTemplate(model: golden.model, encoding: golden.encoding))
            let pieces = template.render(golden.messages, reasoningEffort: golden.effort, date: golden.date)
            #expect(ChatTemplate.tokens(pieces, encoding: encoding) == golden.tokens,
                    "\(golden.model) \(golden.messages.map(\.role))")
            checked += 1
        }
        #expect(checked >= 36)
    }

    @Test("count --request uses the family's template: Qwen 3's ChatML wraps each message in <|im_start|>ROLE\\n … <|im_end|>\\n, not OpenAI's 3 per message")
    func requestUsesTemplate() throws {
        let body = try JSONParser.parse(#"{"model":"qwen3-235b-a22b","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello world"}]}"#)
        let count = try ChatTokenCounter.count(request: body)
        let qwen = try TokenEncoding.named(.qwen)
        // <|im_start|> "system\nBe brief." <|im_end|> "\n"  <|im_start|> "user\nhello world" <|im_end|> "\n"  <|im_start|> "assistant\n"
        // 3 × <|im_start|> + 2 × <|im_end|> + 2 × "\n", and the three texts.
        let expected = 5 + 2 + qwen.count("system\nBe brief.") + qwen.count("user\nhello world") + qwen.count("assistant\n")
        #expect(count.encoding == .qwen && !count.isApproximate && !count.isLowerBound)
        #expect(count.total == expected)
        #expect(count.total != qwen.count("Be brief.") + qwen.count("system") + qwen.count("hello world") + qwen.count("user") + 9)
    }

    @Test("Qwen 2.5 adds its default system message; QwQ and DeepSeek R1 start the reply thinking; OpenAI models keep the cookbook formula")
    func familyDetails() throws {
        let user = [ChatTemplate.Message(role: "user", text: "hi")]
        let qwen25 = try #require(ChatTemplate(model: "Qwen/Qwen2.5-72B-Instruct", encoding: .qwen))
        #expect(qwen25.render(user).contains(.text("system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.")))
        #expect(!(try #require(ChatTemplate(model: "qwen3-32b", encoding: .qwen))).render(user).contains(.text("system\n")))
        #expect(try #require(ChatTemplate(model: "qwq-32b", encoding: .qwen)).render(user).suffix(2) == [.special("<think>"), .text("\n")])
        #expect(try #require(ChatTemplate(model: "deepseek-reasoner", encoding: .deepseek)).render(user).last == .text("<think>\n"))
        #expect(try #require(ChatTemplate(model: "deepseek-r1-distill-qwen-32b", encoding: .qwen)).family == .deepSeek)
        #expect(ChatTemplate(model: "gpt-4o", encoding: .o200kBase) == nil)
        #expect(ChatTemplate(model: "claude-sonnet-4", encoding: nil) == nil)
    }

    @Test("tools, tool calls and images are named and make the templated count a lower bound")
    func uncountedParts() throws {
        let body = try JSONParser.parse(#"""
            {"model":"deepseek-chat","tools":[{"type":"function","function":{"name":"f","parameters":{}}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
                         {"role":"assistant","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                         {"role":"tool","tool_call_id":"1","content":"42"}]}
            """#)
        let count = try ChatTokenCounter.count(request: body)
        #expect(count.isLowerBound)
        #expect(count.notes.contains { $0.contains("tool definitions") })
        #expect(count.notes.contains { $0.contains("'image_url'") })
        #expect(count.notes.contains { $0.contains("tool calls and tool results") })
    }

    @Test("today's date for gpt-oss's system message is YYYY-MM-DD")
    func today() {
        let date = ChatTokenCounter.today()
        #expect(date.count == 10 && date.hasPrefix("20") && Array(date)[4] == "-" && Array(date)[7] == "-")
    }
}
