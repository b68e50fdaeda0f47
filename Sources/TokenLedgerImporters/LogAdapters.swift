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
    /// `adapters`, ties going to the earlier one; nil when none claims it. Costs one `detect` per adapter,
    /// the built-in ones sharing one `FileHead`, so each distinct question is searched for once.
    public static func detect(path: String, head: [UInt8], among adapters: [any LogAdapter] = all) -> (any LogAdapter)? {
        detect(path: path, head: head, among: Detectors(adapters))
    }

    /// Adapters with their shared-head detection looked up once: a cast to `HeadDetecting` costs about
    /// 38,000 instructions (callgrind), more than the searches it saves if made for every file.
    struct Detectors {
        let adapters: [any LogAdapter]
        let sharing: [(any HeadDetecting)?]

        init(_ adapters: [any LogAdapter]) {
            self.adapters = adapters
            sharing = adapters.map { $0 as? any HeadDetecting }
        }
    }

    /// `detect(path:head:among:)` with the adapters' casts made beforehand (once per import).
    static func detect(path: String, head: [UInt8], among detectors: Detectors) -> (any LogAdapter)? {
        var best = 0
        var chosen: (any LogAdapter)?
        let shared = FileHead(head)  // built-in adapters share their searches of the head
        for (adapter, sharing) in zip(detectors.adapters, detectors.sharing) {
            let score = sharing?.detect(path: path, head: shared) ?? adapter.detect(path: path, head: head)
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
