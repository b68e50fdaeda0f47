import Testing
import TokenLedgerCore

/// RFC 8259 conformance in the shape of the JSONTestSuite corpus (y_ = must accept, n_ = must reject),
/// written case by case for this parser: every log line the importers read goes through it, so a
/// document it wrongly accepts becomes a record and one it wrongly rejects is a quarantined line.
@Suite("JSON parser: RFC 8259 accept/reject vectors")
struct JSONConformanceTests {
    static let mustAccept: [String] = [
        // structure
        "[]", "{}", "[[]]", "[{}]", "{\"a\":[]}", " [1] ", "\n[1]\n", "\t{\r\n}\t", "[1,2,3]", "[null,true,false]",
        "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}",
        // top-level scalars (RFC 8259 allows them)
        "1", "-0", "\"asd\"", "true", "false", "null", " 2 ",
        // numbers
        "[0]", "[-0]", "[-0.0]", "[1E22]", "[1e-2]", "[1E+2]", "[123e65]", "[-123]", "[1.5e+9]", "[0e1]", "[0E-0]",
        "[123.456789]", "[-1.0e-10]", "[99999999999999999999999999999999999999]", "[1e400]", "[-1e-400]",
        // strings
        "[\"\"]", "[\" \"]", "[\"\\\"\"]", "[\"\\\\\"]", "[\"\\/\"]", "[\"\\b\\f\\n\\r\\t\"]", "[\"\\u0000\"]",
        "[\"\\u0061\\u30af\\u30EA\\u30b9\"]", "[\"\\uD834\\uDD1E\"]", "[\"é😀中\"]", "[\"\u{7F}\"]", "[\"a/*b*/c\"]",
        "[\"\\u00A0\"]", "[\"\\uFFFF\"]", "[\"new\\u000Aline\"]",
        // objects
        "{\"\":0}", "{\"a\":1,\"a\":2}", "{\"\\u0061\":\"b\"}", "{ \"a\" : \"b\" , \"c\" : [ ] }", "{\"a\":null}",
    ]

    static let mustReject: [String] = [
        // empty and stray
        "", " ", "\n", "]", "}", "[", "{", "[1]x", "[] []", "{}}", "[1]]", "<null>", "\u{FEFF}",
        // commas and colons
        "[1,]", "[,1]", "[,]", "[1,,2]", "{\"a\":1,}", "{,\"a\":1}", "{\"a\" 1}", "{\"a\":}", "{:\"a\"}",
        "{\"a\":\"b\",,\"c\":\"d\"}", "{\"a\":\"b\"\"c\":\"d\"}", "[1 2]", "{\"a\";1}", "{\"a\"::1}",
        // keys
        "{a:1}", "{'a':1}", "{1:1}", "{null:1}", "{[]:1}",
        // literals
        "[tru]", "[nul]", "[True]", "[NULL]", "[nan]", "[NaN]", "[Infinity]", "[-Infinity]", "[undefined]",
        // numbers
        "[01]", "[-01]", "[1.]", "[.1]", "[+1]", "[1e]", "[1e+]", "[1E-]", "[-]", "[0x1]", "[-.123]", "[2.e3]",
        "[1eE2]", "[1.0e-]", "[- 1]", "[1 000]", "[0.1.2]", "[1e1.5]", "[--1]", "[1ee2]", "[.e1]",
        // strings
        "[\"a]", "[\"\\x15\"]", "[\"\\u00G1\"]", "[\"\\u12\"]", "[\"\\\"]", "['single']", "[\"tab\there\"]",
        "[\"line\nbreak\"]", "[\"\u{01}\"]", "[\"\\a\"]", "[\"\\U0061\"]", "[\"\\\u{00E9}\"]",
        // comments are not JSON
        "[1]//c", "/* c */[1]", "[1/*c*/]", "{\"a\":1 # c\n}",
        // unclosed
        "[1", "[1,", "{\"a\":1", "{\"a\":", "{\"a\"", "[[1]", "[\"a\",", "{\"a\":[1}",
    ]

    @Test("every must-accept document parses", arguments: mustAccept)
    func accepts(_ text: String) {
        #expect(throws: Never.self) { try JSONParser.parse(text) }
    }

    @Test("every must-reject document is an error with an offset inside the input", arguments: mustReject)
    func rejects(_ text: String) {
        do {
            let value = try JSONParser.parse(text)
            Issue.record("accepted \(text.debugDescription) as \(value)")
        } catch {
            #expect(error.offset >= 0 && error.offset <= text.utf8.count, "offset \(error.offset) for \(text.debugDescription)")
        }
    }

    @Test("nesting is capped at 512 levels: 511 parse, 513 are an error rather than a stack overflow")
    func depth() throws {
        _ = try JSONParser.parse(String(repeating: "[", count: 511) + String(repeating: "]", count: 511))
        #expect(throws: JSONParser.Error.self) {
            try JSONParser.parse(String(repeating: "[", count: 513) + String(repeating: "]", count: 513))
        }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test("decoded values are the ones written")
    func values() throws {
        #expect(try JSONParser.parse("[\"\\u0061\\u30af\"]") == .array([.string("aク")]))
        #expect(try JSONParser.parse("[\"\\uD834\\uDD1E\"]") == .array([.string("𝄞")]))
        #expect(try JSONParser.parse("[\"\\b\\f\\n\\r\\t\\/\"]") == .array([.string("\u{08}\u{0C}\n\r\t/")]))
        // RFC 8259 leaves duplicate names to the reader; this one keeps both members in order and a lookup
        // answers with the first.
        #expect(try JSONParser.parse("{\"a\":1,\"a\":2}") == .object(JSONObject([("a", .number("1")), ("a", .number("2"))])))
        #expect(try JSONParser.parse("{\"a\":1,\"a\":2}")["a"] == .number("1"))
        #expect(try JSONParser.parse("{\"\":0}")[""] == .number("0"))
    }

    /// Numbers are kept as the text written so money and token counts are exact; the writer must give the
    /// same text back, whatever its size or form.
    @Test("number text round-trips through parse and write unchanged", arguments: [
        "0", "-0", "-0.0", "1E22", "1e-2", "1E+2", "123e65", "0.000000000000000000000000001",
        "99999999999999999999999999999999999999", "-1.0e-10", "1e400", "0.1", "1.10", "123456789012345678901234567890.5",
    ])
    func numberRoundTrip(_ text: String) throws {
        let parsed = try JSONParser.parse("[\(text)]")
        #expect(parsed == .array([.number(text)]))
        #expect(parsed.serialized() == "[\(text)]")
    }
}
