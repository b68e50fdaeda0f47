import Testing
import TokenLedgerCore

/// The TOML subset against cases in the shape of toml-test's valid/ and invalid/ folders, restricted to
/// what the subset claims (TOML.swift's doc comment): valid TOML inside the subset must parse to the values
/// written; invalid TOML must be an error with a line, never a guess. Valid TOML outside the subset (dotted
/// keys, multi-line strings, date-times, hex) is covered by TOMLTests' "outside the subset" cases.
@Suite("TOML reader: toml-test style valid/invalid cases within the subset")
struct TOMLConformanceTests {
    static let valid: [(text: String, key: String, expected: String)] = [
        ("", "", ""),
        ("# only a comment\n", "", ""),
        ("a = 1 # trailing comment\n", "a", "1"),
        ("a = 1_000\n", "a", "1000"),
        ("a = +17\n", "a", "17"),
        ("a = -0\n", "a", "-0"),
        ("a = 0.5\n", "a", "0.5"),
        ("a = -3.25e-2\n", "a", "-3.25e-2"),
        ("a = 6.626e34\n", "a", "6.626e34"),
        ("a = 1_0.0_1\n", "a", "10.01"),
        ("a = \"tab\\tquote\\\"backslash\\\\\"\n", "a", "tab\tquote\"backslash\\"),
        ("a = \"\\u00E9\\U0001F600\"\n", "a", "é😀"),
        ("a = 'C:\\Users\\no\\escapes'\n", "a", "C:\\Users\\no\\escapes"),
        ("a = \"# not a comment\"\n", "a", "# not a comment"),
        ("\"quoted key\" = \"v\"\n", "quoted key", "v"),
        ("'literal key' = \"v\"\n", "literal key", "v"),
        ("bare-key_1 = \"v\"\n", "bare-key_1", "v"),
        ("1234 = \"v\"\n", "1234", "v"),
        ("a=\"no spaces\"\n", "a", "no spaces"),
        ("  a  =  \"indented\"  \n", "a", "indented"),
        ("a = true\n", "a", "true"),
        ("a = false\n", "a", "false"),
    ]

    @Test("valid documents in the subset parse to the values written", arguments: valid)
    func validScalars(_ c: (text: String, key: String, expected: String)) throws {
        let doc = try TOMLDocument.parse(c.text, file: "v.toml")
        guard !c.key.isEmpty else {
            #expect(doc.root.keys.isEmpty)
            return
        }
        let value = try #require(doc.root[c.key]?.kind, "missing key \(c.key)")
        switch value {
        case .string(let s): #expect(s == c.expected)
        case .number(let n): #expect(n == c.expected)
        case .bool(let b): #expect(String(b) == c.expected)
        default: Issue.record("unexpected \(value) for \(c.text.debugDescription)")
        }
    }

    @Test("arrays: multi-line, nested, trailing comma, comments inside")
    func arrays() throws {
        let doc = try TOMLDocument.parse("a = [\n  \"x\", # first\n  \"y\",\n]\nb = [[1, 2], [\"c\"]]\nc = []\n", file: "v.toml")
        #expect(try doc.root.strings("a") == ["x", "y"])
        guard case .array(let b)? = doc.root["b"]?.kind else { Issue.record("b is not an array"); return }
        #expect(b.count == 2)
        guard case .array(let c)? = doc.root["c"]?.kind else { Issue.record("c is not an array"); return }
        #expect(c.isEmpty)
    }

    @Test("tables: headers with spaces and quotes, arrays of tables with sub-tables, inline tables")
    func tables() throws {
        let text = """
        [ server ]
        host = "h"
        [ "quoted table" ]
        x = 1
        [[model]]
        name = "a"
        [model.flex]
        input = "1.5"
        [[model]]
        name = "b"
        inline = { k = "v", n = 2 }

        """
        let doc = try TOMLDocument.parse(text, file: "v.toml")
        #expect(try doc.root.table("server")?.string("host") == "h")
        #expect(try doc.root.table("quoted table")?.int("x") == 1)
        let models = try doc.root.tables("model")
        #expect(models.map { try? $0.string("name") } == ["a", "b"])
        #expect(try models.first?.table("flex")?.string("input") == "1.5")
        #expect(try models.last?.table("inline")?.string("k") == "v")
        #expect(try models.last?.table("inline")?.int("n") == 2)
    }

    static let invalid: [(text: String, line: Int)] = [
        // keys
        ("a b = 1\n", 1), ("= 1\n", 1), ("\"unterminated = 1\n", 1), ("a = 1\na = 1\n", 2), ("a\n", 1),
        // strings
        ("a = \"unterminated\n", 1), ("a = 'unterminated\n", 1), ("a = \"bad \\x escape\"\n", 1),
        ("a = \"\\u00G0\"\n", 1), ("a = \"\\uD800\"\n", 1),
        // numbers
        ("a = 01\n", 1), ("a = 1__2\n", 1), ("a = _1\n", 1), ("a = 1_\n", 1), ("a = 1.\n", 1), ("a = .1\n", 1),
        ("a = 1e\n", 1), ("a = +-1\n", 1), ("a = 1.2.3\n", 1), ("a = nan\n", 1), ("a = 0x10\n", 1),
        // booleans
        ("a = True\n", 1), ("a = truee\n", 1),
        // arrays
        ("a = [1 2]\n", 1), ("a = [,]\n", 1), ("a = [1,,2]\n", 1), ("\na = [1,\n", 2),
        // tables
        ("[]\n", 1), ("[a]\nx = 1\n[a]\n", 3), ("[a]b\n", 1), ("[a\n", 1), ("[[a]\n", 1), ("x = 1\n[x]\n", 2),
        // inline tables
        ("a = { k = 1, }\n", 1), ("a = { k = 1\n", 1), ("a = { k = 1, k = 2 }\n", 1),
        // one key = value per line
        ("a = 1 b = 2\n", 1), ("a = \"x\" \"y\"\n", 1),
    ]

    @Test("invalid documents are an error naming the line", arguments: invalid)
    func invalidDocuments(_ c: (text: String, line: Int)) {
        do {
            let doc = try TOMLDocument.parse(c.text, file: "bad.toml")
            Issue.record("accepted \(c.text.debugDescription) as \(doc.root.keys)")
        } catch {
            #expect(error.location == SourceLocation(file: "bad.toml", line: c.line), "\(c.text.debugDescription): \(error.message)")
        }
    }
}
