import Foundation
import Testing

@Suite("tokenledger estimate")
struct EstimateCLITests {
    @Test("a prompt on stdin: the breakdown on stdout, the basis of every figure shown")
    func promptOnStdin() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run(["estimate", "--model", "o3-mini", "--effort", "high"], stdin: "hello world")
        #expect(result.status == 0)
        #expect(result.stdout.contains("o3-mini-2025-01-31, high effort"))
        #expect(result.stdout.contains("exact (o200k_base)"))
        #expect(result.stdout.contains("built-in default for high effort"))
        #expect(result.stdout.contains("$0.0292"), "8 input (a reasoning model without tools) + 6,644 output tokens at $1.10/$4.40 per 1M")
    }

    @Test("an approximate count says 'approximate' once")
    func approximateOnce() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run(["estimate", "--model", "claude-sonnet-4-5"], stdin: "hello world")
        #expect(result.status == 0)
        #expect(result.stdout.contains("approximate (claude)"))
        #expect(!result.stdout.contains("approximate (approximate"))
    }

    @Test("--quiet prints only the expected cost")
    func quiet() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run(["estimate", "--model", "o3-mini", "--effort", "high", "--quiet"], stdin: "hello world")
        #expect(result.status == 0)
        #expect(result.stdout == "$0.0292\n")
    }

    @Test("--json carries money as exact decimal strings")
    func json() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("estimate", "--json", CLIRunner.fixture("fixtures/estimate/chat-request.json"))
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""kind" : "chat""#) || result.stdout.contains(#""kind": "chat""#))
        #expect(result.stdout.range(of: #""expected"\s*:\s*"0\.\d+""#, options: .regularExpression) != nil)
        #expect(result.stdout.contains(#""cap""#))
    }

    @Test("a batch input file is estimated per model at the batch price")
    func batchFile() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("estimate", CLIRunner.fixture("fixtures/estimate/batch-input.jsonl"))
        #expect(result.status == 0)
        #expect(result.stdout.contains("Batch file: 3 requests"))
        #expect(result.stdout.contains("gpt-4o-mini-2024-07-18"))
        #expect(result.stdout.contains("o3-mini-2025-01-31"))
    }

    @Test("bad input gets one sentence and a non-zero exit")
    func errors() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let unknown = try cli.run(["estimate", "--model", "gpt-99-turbo"], stdin: "hi")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no price table knows the model 'gpt-99-turbo'"))
        let missing = try cli.run("estimate", "--model", "gpt-4o", "/no/such/prompt.txt")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file: /no/such/prompt.txt"))
        let noModel = try cli.run(["estimate"], stdin: "hi")
        #expect(noModel.status == 2)
        #expect(noModel.stderr.contains("no model given"))
        let badEffort = try cli.run(["estimate", "--model", "o3-mini", "--effort", "extreme"], stdin: "hi")
        #expect(badEffort.status == 2)
        #expect(!badEffort.stderr.contains("Fatal"))
    }
}
