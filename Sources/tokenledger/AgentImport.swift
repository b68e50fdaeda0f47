import Foundation
import TokenLedger

/// `import --agents`: every supported coding agent's default folders that exist.
enum AgentImport {
    /// The folders found, each read as its tool's format, leaving out folders already given
    /// (`--claude-code` with `--agents`). Throws `ImportError.noDefaultLogs` naming every folder
    /// looked in when no agent's folder exists.
    static func sources(excluding given: [ImportSource]) throws -> [ImportSource] {
        let found = LogAdapters.agentSources()
        guard !found.isEmpty else {
            throw ImportError.noDefaultLogs(tool: "coding agent", looked: LogAdapters.agentFolders().map(\.folder))
        }
        let already = Set(given.map { $0.url.standardizedFileURL.path })
        return found.map(\.importSource).filter { !already.contains($0.url.standardizedFileURL.path) }
    }
}
