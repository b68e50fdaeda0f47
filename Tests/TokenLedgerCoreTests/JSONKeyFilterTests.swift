import Testing
import TokenLedgerCore

@Suite("JSON parsing that keeps only the top-level members a reader needs")
struct JSONKeyFilterTests {
    let line = #"{"id":"chatcmpl-1","choices":[{"message":{"content":"a \"quoted\" \u00e9 text\n","tool_calls":[{"x":[1,2.5e3,true,false,null]}]}}],"usage":{"prompt_tokens":10,"cost":0.00012},"model":"gpt-4o"}"#

    @Test("kept members are exactly what a full parse gives; the rest are absent")
    func keepsOnlyRequested() throws {
        let full = try JSONParser.parse(line)
        let kept = try JSONParser.parse(Array(line.utf8), keepingTopLevelKeys: ["id", "usage", "model"])
        #expect(kept.object?.keys == ["id", "usage", "model"])
        #expect(kept["usage"] == full["usage"] && kept["id"] == full["id"] && kept["model"] == full["model"])
        #expect(kept["choices"] == nil)
    }

    @Test("malformed JSON inside a skipped member is still an error")
    func skippedMembersAreValidated() {
        for bad in [#"{"choices":[1,2,}"#, #"{"choices":"unterminated}"#, #"{"choices":{"a" 1},"id":"x"}"#,
                    #"{"choices":"bad \q escape","id":"x"}"#, #"{"choices":01,"id":"x"}"#, #"{"choices":tru,"id":"x"}"#,
                    #"{"id":"x"} trailing"#, #"{"id":"x","choices":[{"#] {
            #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Array(bad.utf8), keepingTopLevelKeys: ["id"]) }
        }
    }

    @Test("strings read eight bytes at a time stop at every quote, escape and control character, wherever it falls")
    func stringsScannedByWords() throws {
        // Each special byte at every position of strings of 1-24 bytes, in a skipped member and in a
        // kept one, so each lands at every offset of an 8-byte word and near the end of the buffer.
        let specials: [(json: String, decoded: String?)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), ("é", "é"), ("\u{7F}", "\u{7F}"),
            ("\u{01}", nil), ("\u{1F}", nil), ("\t", nil),
        ]
        for length in 1...24 {
            for at in 0..<length {
                for special in specials {
                    let before = String(repeating: "a", count: at), after = String(repeating: "b", count: length - at - 1)
                    let text = before + special.json + after
                    let document = #"{"skip":"\#(text)","id":"\#(text)"}"#
                    if let decoded = special.decoded {
                        let kept = try JSONParser.parse(Array(document.utf8), keepingTopLevelKeys: ["id"])
                        #expect(kept["id"]?.string == before + decoded + after)
                        #expect(try JSONParser.parse(document)["skip"]?.string == before + decoded + after)
                    } else {
                        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Array(document.utf8), keepingTopLevelKeys: ["id"]) }
                        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(document) }
                    }
                }
            }
        }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Array(#"{"skip":"abcdefghijklmnop"#.utf8), keepingTopLevelKeys: ["id"]) }
    }

    @Test("non-object documents parse in full")
    func nonObjects() throws {
        #expect(try JSONParser.parse(Array("[1,2]".utf8), keepingTopLevelKeys: []) == [1, 2])
    }
}
