/// Every log format TokenLedger can import, in the order `--format auto` asks them (the highest
/// `detect` score wins; ties go to the earlier adapter). Adding a format is one line here.
public enum LogAdapters {
    /// Every built-in format, in detection order (the default `adapters` of an import).
    public static let all: [any LogAdapter] = [
        OpenAIChatAdapter(),
        OpenAIResponsesAdapter(),
        OpenAIBatchAdapter(),
        OpenAIUsageAdapter(),
        OpenAICostsAdapter(),
        AnthropicAdapter(),
        GeminiAdapter(),
        OpenRouterAdapter(),
        ClaudeCodeAdapter(),
        CodexAdapter(),
        GeminiCLIAdapter(),
        QwenCodeAdapter(),
        OpenCodeAdapter(),
        OpenCodeDatabaseAdapter(),
        ClineTaskAdapter(.cline),
        ClineTaskAdapter(.rooCode),
        ClineTaskAdapter(.kiloCode),
        GooseAdapter(),
        KimiCLIAdapter(),
        OpenTelemetryAdapter(),
        LLMAdapter(),
        LiteLLMAdapter(),
        GenericCSVAdapter(),
    ]

    /// The adapter `--format auto` picks for a file: the highest positive `detect(path:head:)` score among
    /// `adapters`, ties going to the earlier one; nil when none claims it. Costs one `detect` per adapter.
    public static func detect(path: String, head: [UInt8], among adapters: [any LogAdapter] = all) -> (any LogAdapter)? {
        var best = 0
        var chosen: (any LogAdapter)?
        for adapter in adapters {
            let score = adapter.detect(path: path, head: head)
            if score > best {
                best = score
                chosen = adapter
            }
        }
        return chosen
    }

    /// The adapter for a `--format` name, case-insensitively.
    public static func named(_ name: String) -> (any LogAdapter)? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }
}
