import Testing
import TokenLedgerCore

@Suite("JSON keeps numbers exact and keys in order")
struct JSONTests {
    @Test("numbers keep their text, so money parses exactly")
    func numbersKeepText() throws {
        let value = try JSONParser.parse(#"{"usage":{"cost":0.00012,"prompt_tokens":1200,"big":1.1e-06}}"#)
        #expect(value[path: "usage", "cost"]?.money?.decimalString == "0.00012")
        #expect(value[path: "usage", "prompt_tokens"]?.int == 1200)
        #expect(value[path: "usage", "big"] == .number("1.1e-06"))
        #expect(value[path: "usage", "missing"] == nil)
    }

    @Test("integral decimals read as integers; fractions do not")
    func ints() throws {
        #expect(try JSONParser.parse("59200.0").int == 59200)
        #expect(try JSONParser.parse("1e3").int == 1000)
        #expect(try JSONParser.parse("1.5").int == nil)
        #expect(try JSONParser.parse(#""42""#).int == 42)
    }

    @Test("escapes and surrogate pairs decode; lone surrogates become U+FFFD")
    func escapes() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#).string == "a\"b\\c/d\né😀")
        #expect(try JSONParser.parse(#""\ud800x""#).string == "\u{FFFD}x")
    }

    @Test("malformed input is an error with an offset, never a crash")
    func malformed() {
        for bad in ["", "{", #"{"a":}"#, "[1,]", "01", "tru", #""unterminated"#, "{} x", "[1 2]", "-", "1.", "\"\u{01}\""] {
            #expect(throws: JSONParser.Error.self, "\(bad)") { try JSONParser.parse(bad) }
        }
        let deep = String(repeating: "[", count: 10_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
    }

    @Test("serialization is deterministic and round-trips")
    func roundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null],"s":"x\"y","m":"0.5","n":-1.25e+3}"#
        let value = try JSONParser.parse(text)
        #expect(value.serialized() == text)
        #expect(try JSONParser.parse(value.serialized(pretty: true)) == value)
        let money: JSONValue = ["cost_usd": .money(Money(decimalText: "0.001234")!)]
        #expect(money.serialized() == #"{"cost_usd":"0.001234"}"#)
    }
}
