/// Which encoding a model name uses: exact names first, then prefixes — tiktoken 0.14's
/// `MODEL_TO_ENCODING` / `MODEL_PREFIX_TO_ENCODING` (the encodings TokenLedger bundles), plus
/// `gpt-4.5` and the `gpt-oss-` family (o200k_harmony shares o200k_base's ranks and split rules, so
/// ordinary text counts the same).
public enum ModelEncodings {
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
        ("gpt-oss-", .o200kBase),
        ("ft:gpt-4o", .o200kBase), ("ft:gpt-4", .cl100kBase), ("ft:gpt-3.5-turbo", .cl100kBase),
        ("ft:davinci-002", .cl100kBase), ("ft:babbage-002", .cl100kBase),
    ]

    /// The encoding of `model`, or nil when tiktoken would not know it either. Cost: a dictionary
    /// lookup and at most 17 prefix checks.
    public static func encoding(forModel model: String) -> EncodingName? {
        if let e = exact[model] { return e }
        for (prefix, encoding) in prefixes where model.hasPrefix(prefix) { return encoding }
        return nil
    }
}
