/// A built-in format that answers `--format auto` from a `FileHead` shared by every adapter asked
/// about the same file (`LogAdapters.detect`), so a question two adapters ask — `"sessionId"`,
/// `"custom_id"`, the members named `"type"` or `"object"` — is searched for once per file, not once
/// per adapter. Its answer is the one its public `detect(path:head:)` gives.
protocol HeadDetecting: LogAdapter {
    func detect(path: String, head: FileHead) -> Int
}

/// A `HeadDetecting` format that looks only at the file's name, not at the folders above it.
protocol FileNameHeadDetecting: HeadDetecting {
    func detect(fileName: String, head: FileHead) -> Int
}

extension FileNameHeadDetecting {
    func detect(path: String, head: FileHead) -> Int {
        detect(fileName: LogSupport.fileName(of: path), head: head)
    }
}

extension OpenAIChatAdapter: FileNameHeadDetecting {}
extension OpenAIResponsesAdapter: FileNameHeadDetecting {}
extension OpenAIBatchAdapter: FileNameHeadDetecting {}
extension OpenAIUsageAdapter: FileNameHeadDetecting {}
extension OpenAICostsAdapter: FileNameHeadDetecting {}
extension AnthropicAdapter: FileNameHeadDetecting {}
extension GeminiAdapter: FileNameHeadDetecting {}
extension OpenRouterAdapter: FileNameHeadDetecting {}
extension CodexAdapter: FileNameHeadDetecting {}
extension OpenTelemetryAdapter: FileNameHeadDetecting {}
extension LiteLLMAdapter: FileNameHeadDetecting {}
extension ClaudeCodeAdapter: HeadDetecting {}
extension GeminiCLIAdapter: HeadDetecting {}
extension QwenCodeAdapter: HeadDetecting {}
extension OpenCodeAdapter: HeadDetecting {}
extension ClineTaskAdapter: HeadDetecting {}
extension KimiCLIAdapter: HeadDetecting {}
