import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerEstimator

@Suite("Reading what to estimate: text, chat, responses, batch")
struct EstimateInputTests {
    @Test("the kind is detected from the content")
    func detection() {
        #expect(EstimateInputKind.detect("Summarise this report in three bullet points.") == .text)
        #expect(EstimateInputKind.detect(#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#) == .chat)
        #expect(EstimateInputKind.detect(#"{"model":"o3","input":"hi","reasoning":{"effort":"high"}}"#) == .responses)
        let batch = """
            {"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":[]}}
            {"custom_id":"b","method":"POST","url":"/v1/responses","body":{"model":"o3","input":"x"}}
            """
        #expect(EstimateInputKind.detect(batch) == .batch)
        #expect(EstimateInputKind.detect("{ not json at all") == .text, "broken JSON is estimated as plain text")
    }

    @Test("request bodies give model, effort and output cap")
    func requestFields() throws {
        let chat = try PlannedRequest.parse(#"{"model":"o3-mini","reasoning_effort":"high","max_completion_tokens":4000,"messages":[]}"#)
        #expect(chat.count == 1)
        #expect(chat[0].model == "o3-mini" && chat[0].effort == .high && chat[0].maxOutputTokens == 4000 && chat[0].kind == .chat)
        let responses = try PlannedRequest.parse(#"{"model":"o3","input":"x","reasoning":{"effort":"low"},"max_output_tokens":900}"#)
        #expect(responses[0].effort == .low && responses[0].maxOutputTokens == 900 && responses[0].kind == .responses)
    }

    @Test("a batch file gives one request per line with its own model, batch-priced")
    func batchLines() throws {
        let text = """
            {"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a"}]}}

            {"custom_id":"r2","method":"POST","url":"/v1/responses","body":{"model":"o3-mini","input":"b","reasoning":{"effort":"high"}}}
            """
        let requests = try PlannedRequest.parse(text)
        #expect(requests.map(\.customID) == ["r1", "r2"])
        #expect(requests.map(\.line) == [1, 3])
        let allBatch = requests.allSatisfy { $0.isBatch }
        #expect(allBatch)
        #expect(requests[1].kind == .responses && requests[1].effort == .high)
    }

    @Test("a bad batch line names its line number")
    func badBatchLine() {
        let text = """
            {"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":[]}}
            {"custom_id":"r2","method":"POST","url":"/v1/chat/completions"}
            """
        #expect(throws: EstimateInputError.badBatchLine(line: 2, reason: "it has no body object")) {
            try PlannedRequest.parse(text, kind: .batch)
        }
        let embeddings = #"{"custom_id":"e","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":"x"}}"#
        #expect(throws: EstimateInputError.unsupportedBatchURL(line: 1, url: "/v1/embeddings")) {
            try PlannedRequest.parse(embeddings, kind: .batch)
        }
    }
}
