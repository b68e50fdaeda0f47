import Foundation
import Testing
import TokenLedgerCore

@Suite("The TOML subset reader keeps numbers exact and knows every line")
struct TOMLTests {
    static let priceTable = """
        # OpenAI official prices
        [table]
        provider = "openai"
        channel = 'official'
        checked = "2026-11-20"

        [[model]]
        id = "o3-mini-2025-01-31"
        aliases = [
          "o3-mini",   # the alias logs use
          "O3-Mini",
        ]
        context_window = 200_000
        efforts = ["low", "medium", "high"]

        [[model.period]]
        from = 2025-01-31
        input = 1.10
        cached_input = 0.55
        output = 4.40
        batch = 0.5

        [model.period.flex]
        input = 1.00
        official = { input = 1.10, output = 4.40 }

        [[model.period]]
        from = "2025-06-10"
        input = 2
        output = 8

        [[model]]
        id = "gpt-4o"
        "quoted key" = true
        """

    @Test("a price table: tables, arrays of tables, sub-tables of the last element, exact numbers, lines")
    func priceTable() throws {
        let doc = try TOMLDocument.parse(Self.priceTable, file: "pricing/openai.toml")
        let table = try #require(try doc.root.table("table"))
        #expect(try table.string("provider") == "openai")
        #expect(try table.string("channel") == "official")
        #expect(try table.date("checked") == "2026-11-20")
        #expect(table.location(of: "provider").description == "pricing/openai.toml:3")

        let models = try doc.root.tables("model")
        #expect(models.count == 2)
        let o3 = models[0]
        #expect(o3.line == 7)
        #expect(try o3.strings("aliases") == ["o3-mini", "O3-Mini"])
        #expect(try o3.int("context_window") == 200_000)
        let periods = try o3.tables("period")
        #expect(periods.count == 2)
        #expect(try periods[0].date("from") == "2025-01-31")
        #expect(periods[0]["input"]?.numberText == "1.10")          // text kept as written
        #expect(periods[0]["input"]?.line == 18)
        #expect(try periods[0].decimal("cached_input")?.description == "0.55")
        let flex = try #require(try periods[0].table("flex"))
        #expect(flex.line == 23)
        #expect(flex["input"]?.numberText == "1.00")
        let official = try #require(try flex.table("official"))
        #expect(official["output"]?.numberText == "4.40")
        #expect(official.line == 25)
        #expect(try periods[1].date("from") == "2025-06-10")       // a string date reads as a date too
        #expect(try periods[1].int("input") == 2)
        #expect(try models[1].bool("quoted key") == true)
        #expect(models[1].keys == ["id", "quoted key"])
    }

    @Test("strings: escapes, literal strings, unicode")
    func strings() throws {
        let doc = try TOMLDocument.parse(#"""
            a = "tab\there \"q\" \u00e9 \U0001F600"
            b = 'C:\path\no-escapes'
            c = ""
            """#, file: "t.toml")
        #expect(try doc.root.string("a") == "tab\there \"q\" é 😀")
        #expect(try doc.root.string("b") == #"C:\path\no-escapes"#)
        #expect(try doc.root.string("c") == "")
    }

    @Test("numbers keep their text: signs, underscores, exponents; no floats")
    func numbers() throws {
        let doc = try TOMLDocument.parse("a = -3\nb = +0.075\nc = 1_000_000\nd = 1e-6\ne = 0\n", file: "n.toml")
        #expect(doc.root["a"]?.numberText == "-3")
        #expect(doc.root["b"]?.numberText == "0.075")
        #expect(doc.root["c"]?.int == 1_000_000)
        #expect(doc.root["d"]?.decimal == ExactDecimal("0.000001"))
        #expect(doc.root["e"]?.int == 0)
        #expect(Money(decimalText: doc.root["b"]?.numberText ?? "") == Money(picodollars: 75_000_000_000))
    }

    @Test("CRLF line endings and a BOM are accepted")
    func crlf() throws {
        let doc = try TOMLDocument.parse("\u{FEFF}[t]\r\nx = 1\r\ny = \"a\"\r\n", file: "w.toml")
        let t = try #require(try doc.root.table("t"))
        #expect(t["y"]?.line == 3)
        #expect(try t.string("y") == "a")
    }

    @Test("everything outside the subset is an error with file and line", arguments: [
        ("x = 1\ny = \n", 2, "expected a value"),
        ("x = \"\"\"multi\"\"\"\n", 1, "multi-line strings"),
        ("a.b = 1\n", 1, "dotted keys"),
        ("x = 1\nx = 2\n", 2, "defined twice"),
        ("[t]\n[t]\n", 2, "defined twice"),
        ("x = 2025-01-31T10:00:00Z\n", 1, "not a date"),
        ("x = 2025-02-30\n", 1, "not a date"),
        ("x = inf\n", 1, "is not a number"),
        ("x = 01\n", 1, "is not a number"),
        ("x = 1__0\n", 1, "is not a number"),
        ("x = hello\n", 1, "is not a number"),
        ("\n\nx = [1, 2\n", 3, "never closed"),
        ("x = { a = 1,\n b = 2 }\n", 1, "one line"),
        ("x = \"open\n", 1, "never closed"),
        ("x = 1 y = 2\n", 1, "one key = value per line"),
        ("[t\n", 1, "expected ']'"),
        ("x = 1\n[x.y]\n", 2, "already a number"),
        ("[[m]]\n[m]\n", 2, "defined twice"),
        ("x = \"\\q\"\n", 1, "invalid escape"),
        ("= 3\n", 1, "expected a key"),
    ])
    func errors(text: String, line: Int, fragment: String) {
        do {
            _ = try TOMLDocument.parse(text, file: "bad.toml")
            Issue.record("parsed without error: \(text)")
        } catch {
            #expect(error.location == SourceLocation(file: "bad.toml", line: line), "\(text)")
            #expect(error.message.hasPrefix("bad.toml:\(line): "))
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.exitStatus == .usage)
        }
    }

    @Test("typed accessors name the key, the expected type and the line")
    func typedErrors() throws {
        let doc = try TOMLDocument.parse("[t]\nname = 3\nlist = [\"a\", 1]\nn = 1.5\n", file: "c.toml")
        let t = try #require(try doc.root.table("t"))
        #expect(throws: TOMLError(file: "c.toml", line: 2, reason: "'name' must be a string, not a number")) { try t.string("name") }
        #expect(throws: TOMLError(file: "c.toml", line: 3, reason: "'list' must hold only strings, found a number")) { try t.strings("list") }
        #expect(throws: TOMLError(file: "c.toml", line: 4, reason: "'n' must be a whole number, not 1.5")) { try t.int("n") }
        #expect(throws: TOMLError(file: "c.toml", line: 1, reason: "'missing' is required (a string)")) { try t.requiredString("missing") }
        #expect(t.unknownKeys(allowed: ["name", "n"]).map(\.key) == ["list"])
        #expect(t.unknownKeys(allowed: ["name", "n"]).first?.location.line == 3)
    }
}

@Suite("The config file")
struct ConfigFileTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a missing default config is an empty config")
    func missingDefault() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try ConfigFile.load(explicit: nil, paths: Paths(environment: ["HOME": dir.path]))
        #expect(!config.exists)
        #expect(try config.tables("terms").isEmpty)
        #expect(config.url.path == dir.path + "/.config/tokenledger/config.toml")
    }

    @Test("a missing --config file is a usage error naming the path")
    func missingExplicit() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/nope.toml"
        #expect(throws: ConfigFile.Error.missing(path: path)) {
            try ConfigFile.load(explicit: path, paths: Paths(environment: ["HOME": dir.path]))
        }
        #expect(ConfigFile.Error.missing(path: path).exitStatus == .usage)
        #expect(throws: ConfigFile.Error.missing(path: path)) {
            try ConfigFile.load(explicit: nil, paths: Paths(environment: ["TOKENLEDGER_CONFIG": path]))
        }
    }

    @Test("sections are read by name; bad TOML reports the file and line")
    func sections() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.toml")
        try Data("""
            [[terms]]
            name = "acme-2026"
            provider = "openai"
            discount = "15%"

            [[budget]]
            name = "monthly"
            limit = 100.00
            """.utf8).write(to: url)
        let config = try ConfigFile.load(explicit: url.path)
        #expect(try config.tables("terms").first?.string("name") == "acme-2026")
        #expect(try config.tables("budget").first?["limit"]?.numberText == "100.00")
        #expect(try config.tables("source").isEmpty)

        try Data("[[terms]]\nname = acme\n".utf8).write(to: url)
        do {
            _ = try ConfigFile.load(explicit: url.path)
            Issue.record("bad TOML loaded")
        } catch let error as TOMLError {
            #expect(error.location == SourceLocation(file: url.path, line: 2))
            #expect(error.exitStatus == .usage)
        }
    }
}
