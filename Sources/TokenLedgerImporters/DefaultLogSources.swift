import Foundation
import TokenLedgerCore

extension LogAdapters {
    /// The folders `--claude-code` / `--codex` import from: the adapter's `defaultRoots` that exist,
    /// each read as that format. Throws when the format is unknown or none of its folders exists.
    package static func defaultSources(format: String, tool: String, paths: Paths = Paths(),
                                       adapters: [any LogAdapter] = LogAdapters.all) throws(ImportError) -> [ImportSource] {
        guard let adapter = adapters.first(where: { $0.name == format }) else { throw .unknownFormat(format) }
        let roots = adapter.defaultRoots(paths: paths)
        let existing = roots.filter { FileStatus.of($0.path)?.isDirectory == true }
        guard !existing.isEmpty else { throw .noDefaultLogs(tool: tool, looked: roots.map(\.path)) }
        return existing.map { ImportSource(url: $0, format: adapter.name) }
    }
}
