import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerTokenizer

/// Real request/usage pairs (fixtures/requests/billed-pairs.jsonl, provenance in its README): each body is
/// counted and compared with what the rules gave when the pair was taken and with what the provider billed.
@Suite("Billed request/usage pairs from public test suites")
struct BilledPairFixtureTests {
    struct Pair {
        let source: String
        let billed: Int
        let counted: Int
        let within: Int?
        let lowerBound: Bool
        let body: JSONValue
    }

    static func pairs() throws -> [Pair] {
        let text = try String(contentsOfFile: TokenizerFixtures.path("fixtures/requests/billed-pairs.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let value = try JSONParser.parse(String(line))
            return Pair(source: value["source"]?.string ?? "", billed: value["billed"]?.int ?? -1,
                        counted: value["counted"]?.int ?? -1, within: value["within"]?.int,
                        lowerBound: value["lower_bound"]?.bool ?? false, body: value["body"] ?? .null)
        }
    }

    @Test("every pair counts as the rules say, as close to the bill as they claim")
    func pairsFollowTheBill() throws {
        let pairs = try Self.pairs()
        #expect(pairs.count == 9)
        for pair in pairs {
            let count = try ChatTokenCounter.count(request: pair.body)
            #expect(count.total == pair.counted, "\(pair.source)")
            #expect(count.isLowerBound == pair.lowerBound, "\(pair.source)")
            if let within = pair.within {
                #expect(abs(count.total - pair.billed) <= within, "\(pair.source)")
            } else {
                #expect(count.total < pair.billed, "\(pair.source): a lower bound stays below the bill")
            }
        }
    }

    @Test("a recursive $ref in a Gemini declaration is named, not counted silently")
    func recursiveReferenceIsNamed() throws {
        let pair = try #require(try Self.pairs().first { $0.source.contains("validated_accepts_what_auto_accepts") })
        let count = try ChatTokenCounter.count(request: pair.body)
        #expect(count.notes.contains { $0.contains("function declaration 'record' has a recursive $ref") })
        // The same schema without the cycle (TreeNode's children typed as strings) names nothing.
        let flat = try JSONParser.parse(##"{"model":"gemini-2.5-flash","contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"record","parameters_json_schema":{"$defs":{"A":{"type":"object","properties":{"b":{"$ref":"#/$defs/B"}}},"B":{"type":"object","properties":{"c":{"type":"string"}}}},"type":"object","properties":{"a":{"$ref":"#/$defs/A"},"again":{"$ref":"#/$defs/A"}}}}]}]}"##)
        #expect(try ChatTokenCounter.count(request: flat).isLowerBound == false)
    }
}
