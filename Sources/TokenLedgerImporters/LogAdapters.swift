/// Every log format TokenLedger can import, in the order `--format auto` asks them (the highest
/// `detect` score wins; ties go to the earlier adapter). Adding a format is one line here.
public enum LogAdapters {
    public static let all: [any LogAdapter] = [
        // Issue 4 adapters register here, one line each.
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

    /// The adapter for a `--format` name, case-insensitively.
    public static func named(_ name: String) -> (any LogAdapter)? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }
}
