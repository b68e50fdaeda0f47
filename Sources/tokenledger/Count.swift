import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count tokens exactly as the model's own tokenizer does (OpenAI, Llama, Qwen, Mistral Tekken, DeepSeek, gpt-oss).",
            discussion: """
                Reads each FILE (or stdin when none is given or FILE is -) and prints its token count, \
                then a total when there are several. Text like <|endoftext|> or <|im_start|> counts as \
                ordinary text for every model unless --allow-special (Qwen's and DeepSeek's own \
                tokenizers match it by default: use --allow-special to count a rendered chat transcript \
                as they do). Invalid UTF-8 is read with U+FFFD replacement characters, as \
                tiktoken does with decoded text. Models without a public tokenizer (claude-*, gemini-*, …) \
                get a clearly labelled approximation. Encodings: o200k_base, cl100k_base, o200k_harmony, \
                llama3, llama4, qwen, qwen3_6, tekken, deepseek (docs/tokenizers.md).

                Examples:
                  echo "hello world" | tokenledger count
                  tokenledger count --model gpt-4o prompt.txt notes.md
                  tokenledger count --model llama-3.3-70b-instruct prompt.txt
                  tokenledger count --encoding cl100k_base --ids --json prompt.txt
                  tokenledger count --jsonl --field prompt requests.jsonl
                  tokenledger count --request body.json --image-size https://example.com/cat.jpg=1024x768
                """
        )

        @Option(name: .long, help: ArgumentHelp("Encoding: o200k_base (default), cl100k_base, o200k_harmony, llama3, llama4, qwen, qwen3_6, tekken or deepseek.", valueName: "name"))
        var encoding: String?

        @Option(name: .long, help: ArgumentHelp("Model whose tokenizer to use (e.g. gpt-4o, llama-3.3-70b-instruct, qwen3-235b-a22b, deepseek-chat, claude-sonnet-4).", valueName: "name"))
        var model: String?

        @Flag(name: .long, help: "Also print the token ids.")
        var ids = false

        @Flag(name: .long, help: "Encode special-token text such as <|endoftext|> as the special token.")
        var allowSpecial = false

        @Flag(name: .long, help: "Read JSON Lines and print one {\"tokens\": N} object per input line.")
        var jsonl = false

        @Option(name: .long, help: ArgumentHelp("With --jsonl: the string field to count.", valueName: "name"))
        var field = "text"

        @Flag(name: .long, help: "Each FILE is a request body (OpenAI Chat Completions or Responses, Anthropic Messages, Gemini generateContent): count its input tokens as the provider bills them (messages, tools, images); parts that cannot be counted are named.")
        var request = false

        @Option(name: .long, help: ArgumentHelp("With --request: the size of a remote image, as URL=WIDTHxHEIGHT (repeatable).", valueName: "url=WxH"))
        var imageSize: [String] = []

        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Argument(help: ArgumentHelp("Files to count; - or none reads stdin.", valueName: "file"))
        var files: [String] = []

        func validate() throws {
            if encoding != nil && model != nil {
                throw ValidationError("--encoding and --model both choose the tokenizer; pass only one of them.")
            }
            if jsonl && output.json {
                throw ValidationError("--jsonl already prints JSON, one object per line; drop --json.")
            }
            if request && (jsonl || encoding != nil || ids) {
                throw ValidationError("--request counts a whole request for its model; it cannot be combined with --jsonl, --encoding or --ids.")
            }
            if request && allowSpecial {
                throw ValidationError("--allow-special applies to plain text; --request counts message text as ordinary text and the model's chat template adds its own special tokens, so drop --allow-special.")
            }
            _ = try parsedImageSizes()
        }

        func parsedImageSizes() throws -> [String: ImageSize] {
            var sizes: [String: ImageSize] = [:]
            for entry in imageSize {
                guard let eq = entry.lastIndex(of: "="), let size = ImageSize(String(entry[entry.index(after: eq)...])) else {
                    throw ValidationError("--image-size '\(entry)' is not URL=WIDTHxHEIGHT; write it like https://example.com/a.png=1024x768.")
                }
                sizes[String(entry[..<eq])] = size
            }
            return sizes
        }

        func run() async throws {
            if request {
                try countRequests()
                return
            }
            let counter = try TextTokenCounter(encoding: encoding, model: model)
            // A caveat, not a failure: the counts carry "~" (and "approximate": true) themselves.
            if counter.isApproximate && !quietOptions.quiet {
                Console.warning("\(model ?? "this model") has no public tokenizer; counts are an approximation (its measured error: docs/guide.md, Approximation).")
            }
            let inputs = files.isEmpty ? ["-"] : files
            if jsonl {
                try countJSONLines(inputs, counter)
                return
            }
            var rows: [(name: String, count: TextTokenCounter.Count)] = []
            for input in inputs {
                let text = try TextInput.read(input)
                rows.append((input == "-" ? "stdin" : input, counter.count(text, ids: ids, allowSpecial: allowSpecial)))
            }
            let total = rows.reduce(0) { $0 + $1.count.tokens }
            if output.json {
                var fileValues: [JSONValue] = []
                for row in rows {
                    var object = JSONObject([("file", .string(row.name)), ("tokens", .int(row.count.tokens))])
                    if let list = row.count.ids { object["ids"] = .array(list.map { .int($0) }) }
                    fileValues.append(.object(object))
                }
                Console.writeJSON(.object(JSONObject([
                    ("tokenizer", .string(counter.label)),
                    ("approximate", .bool(counter.isApproximate)),
                    ("files", .array(fileValues)),
                    ("total", .int(total)),
                ])))
                return
            }
            var out = ""
            let approx = counter.isApproximate ? "~" : ""
            for row in rows {
                out += inputs == ["-"] ? "\(approx)\(row.count.tokens)\n" : "\(approx)\(row.count.tokens)\t\(row.name)\n"
                if let list = row.count.ids { out += "[" + list.map(String.init).joined(separator: ", ") + "]\n" }
            }
            if rows.count > 1 { out += "\(approx)\(total)\ttotal\n" }
            Console.write(out)
        }

        private func countRequests() throws {
            let sizes = try parsedImageSizes()
            var results: [(name: String, count: PromptTokenCount)] = []
            for input in files.isEmpty ? ["-"] : files {
                let name = input == "-" ? "stdin" : input
                let body = try JSONParser.parse(try TextInput.read(input))
                results.append((name, try ChatTokenCounter.count(request: body, model: model, imageSizes: sizes)))
            }
            if output.json {
                Console.writeJSON(.array(results.map { result in
                    var object = result.count.json.object ?? JSONObject()
                    object.members.insert((key: "file", value: .string(result.name)), at: 0)
                    return .object(object)
                }))
                return
            }
            var out = ""
            for (name, count) in results {
                // ">=" when billed parts were left out, "<=" when unsized images were counted at their most,
                // "~" for the approximation of a family without a public tokenizer.
                let bound = count.isLowerBound ? ">=" : (count.imagesAtUpperBound > 0 && !count.isApproximate ? "<=" : "")
                let mark = bound + (count.isApproximate ? "~" : "")
                out += "\(mark)\(count.total)\t\(name)\t(messages \(count.messages), tools \(count.tools), images \(count.images); \(count.encoding?.rawValue ?? "approximate"))\n"
                if !quietOptions.quiet { for note in count.notes { Console.note("\(name): \(note)") } }
            }
            Console.write(out)
        }

        private func countJSONLines(_ inputs: [String], _ counter: TextTokenCounter) throws {
            var failures = 0
            var firstError: String?
            for input in inputs {
                let text = try TextInput.read(input)
                var out = ""
                for result in counter.countJSONLines(text, source: input == "-" ? "stdin" : input, field: field,
                                                     ids: ids, allowSpecial: allowSpecial) {
                    switch result {
                    case .success(let count):
                        var object = JSONObject([("tokens", .int(count.tokens))])
                        if let list = count.ids { object["ids"] = .array(list.map { .int($0) }) }
                        if counter.isApproximate { object["approximate"] = .bool(true) }
                        out += JSONValue.object(object).serialized() + "\n"
                    case .failure(let error):
                        failures += 1
                        if firstError == nil { firstError = error.message }
                        out += JSONValue.object(JSONObject([("error", .string(error.message))])).serialized() + "\n"
                    }
                }
                Console.write(out)
            }
            if let firstError {
                Console.error(failures == 1 ? firstError : "\(firstError) (and \(failures - 1) more bad lines)")
                throw ExitCode(ExitStatus.failure.rawValue)
            }
        }
    }
}
