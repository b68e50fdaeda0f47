import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// One coding agent's log folder found on this machine, for `import --agents` and `tokenledger sources`.
public struct AgentSource: Sendable, Hashable {
    /// The tool's name for people ("Claude Code").
    public var tool: String
    /// The `--format` its files are read as.
    public var format: String
    /// The folder, or the database file (it exists).
    public var folder: URL
    /// How many candidate log files the folder holds now.
    public var files: Int

    /// A tool's log folder found on this machine, read as `format`.
    public init(tool: String, format: String, folder: URL, files: Int) {
        self.tool = tool
        self.format = format
        self.folder = folder
        self.files = files
    }

    /// The source to import: the folder, read as this tool's format.
    public var importSource: ImportSource { ImportSource(url: folder, format: format) }
}

extension LogAdapters {
    /// The coding agents TokenLedger reads from their own folders, in the order they are listed.
    package static let agents: [(tool: String, format: String)] = [
        ("Claude Code", "claude-code"), ("Codex CLI", "codex"), ("Gemini CLI", "gemini-cli"),
        ("Qwen Code", "qwen-code"), ("OpenCode", "opencode"), ("OpenCode", "opencode-db"),
        ("Cline", "cline"), ("Roo Code", "roo-code"), ("Kilo Code", "kilo-code"),
        ("Goose", "goose"), ("Kimi CLI", "kimi-cli"),
    ]

    /// Every supported agent's default folders that exist on this machine, with their file counts.
    /// Cost: one directory walk per folder found (no file is opened).
    public static func agentSources(paths: Paths = Paths(), adapters: [any LogAdapter] = LogAdapters.all) -> [AgentSource] {
        var found: [AgentSource] = []
        var seen = Set<String>()
        for agent in agents {
            guard let adapter = adapters.first(where: { $0.name == agent.format }) else { continue }
            for root in adapter.defaultRoots(paths: paths) {
                guard let status = FileStatus.of(root.path), status.isDirectory || status.isRegularFile,
                      seen.insert(root.path).inserted else { continue }
                // A folder is walked; a database (OpenCode's opencode.db) is one file.
                let files = status.isDirectory ? LogFileFinder.files(under: root.path).count : 1
                found.append(AgentSource(tool: agent.tool, format: agent.format, folder: root, files: files))
            }
        }
        return found
    }

    /// The default folders of every supported agent, existing or not (for "nothing found" messages).
    package static func agentFolders(paths: Paths = Paths(), adapters: [any LogAdapter] = LogAdapters.all) -> [(tool: String, folder: String)] {
        agents.flatMap { agent in
            (adapters.first { $0.name == agent.format }?.defaultRoots(paths: paths) ?? []).map { (agent.tool, $0.path) }
        }
    }
}

extension AgentSource {
    /// When files under this folder were last imported (as this format) and how many of them the
    /// ledger has read; nil when none has been.
    package func lastImport(in imported: [ImportedFile]) -> (date: Date, files: Int)? {
        let prefix = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        let mine = imported.filter { ($0.path.hasPrefix(prefix) || $0.path == folder.path) && $0.format == format }
        guard let newest = mine.map(\.lastRead).max() else { return nil }
        return (newest, mine.count)
    }
}
