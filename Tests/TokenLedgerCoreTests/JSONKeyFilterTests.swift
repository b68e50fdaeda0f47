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

    /// Bytes a wide string scan must stop at (decoded nil: an error), and bytes it must pass over: multibyte
    /// UTF-8 whose bytes are a quote, a backslash or a control character with the high bit set (¢ is C2 A2,
    /// U+071C is DC 9C, a no-break space C2 A0, U+009F C2 9F) and a four-byte emoji.
    static let specials: [(json: String, decoded: String?)] = [
        (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), ("é", "é"), ("\u{7F}", "\u{7F}"),
        ("¢", "¢"), ("\u{071C}", "\u{071C}"), ("\u{A0}", "\u{A0}"), ("\u{9F}", "\u{9F}"), ("😀", "😀"), (" ", " "), ("!", "!"),
        ("\u{00}", nil), ("\u{01}", nil), ("\u{1F}", nil), ("\t", nil),
    ]

    @Test("strings read sixteen and eight bytes at a time stop at every quote, escape and control character, wherever it falls")
    func stringsScannedByWords() throws {
        // Each special byte at every position of strings of 1-40 bytes, in a skipped member and in a
        // kept one, so each lands at every offset of a 16-byte and an 8-byte step and near the end of the buffer.
        for length in 1...40 {
            for at in 0..<length {
                for special in Self.specials {
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

    @Test("a string that the line ends inside, at any offset of a 16-byte step, is an error")
    func unterminatedStrings() {
        for length in 0...40 {
            for tail in ["", "\\", "\\u00", "é"] {
                let document = #"{"skip":""# + String(repeating: "a", count: length) + tail
                #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Array(document.utf8), keepingTopLevelKeys: ["id"]) }
                #expect(throws: JSONParser.Error.self) { try JSONParser.parse(document) }
                Array(document.utf8).withUnsafeBytes { buffer in
                    var json = JSONParser(scanning: buffer)
                    let opened = json.beginObject()
                    let key = try? json.nextKey()
                    let plain = json.readPlainStringBytes()
                    #expect(opened && key != nil && plain == nil)
                    #expect(throws: JSONParser.Error.self) { try json.skipValue() }
                }
            }
        }
    }

    @Test("the member-by-member reader scans strings as the whole-document parser does")
    func scanningReaderAgrees() throws {
        for length in 1...40 {
            for at in 0..<length {
                for special in Self.specials {
                    let text = String(repeating: "a", count: at) + special.json + String(repeating: "b", count: length - at - 1)
                    let bytes = Array(#"{"skip":"\#(text)","id":"\#(text)"}"#.utf8)
                    try bytes.withUnsafeBytes { buffer in
                        var json = JSONParser(scanning: buffer)
                        let opened = json.beginObject()
                        let first = try json.nextKey().map { String(decoding: $0, as: UTF8.self) }
                        #expect(opened && first == "skip")
                        guard special.decoded != nil else {
                            #expect(throws: JSONParser.Error.self) { try json.skipValue() }
                            return
                        }
                        try json.skipValue()
                        let second = try json.nextKey().map { String(decoding: $0, as: UTF8.self) }
                        #expect(second == "id")
                        if special.json.hasPrefix("\\") {
                            let plain = json.readPlainStringBytes()
                            let decoded = try json.readString()
                            let expected = String(repeating: "a", count: at) + (special.decoded ?? "") + String(repeating: "b", count: length - at - 1)
                            #expect(plain == nil && decoded == expected)
                        } else {
                            let plain = json.readPlainStringBytes().map { String(decoding: $0, as: UTF8.self) }
                            #expect(plain == text)
                        }
                        let end = try json.nextKey()
                        let atEnd = json.isAtEnd()
                        #expect(end == nil && atEnd)
                    }
                }
            }
        }
    }

    @Test("non-object documents parse in full")
    func nonObjects() throws {
        #expect(try JSONParser.parse(Array("[1,2]".utf8), keepingTopLevelKeys: []) == [1, 2])
    }
}
