import Foundation
import TokenLedgerCore
import TokenLedgerLedger

/// One `[[source]]` of the config file: a log file or folder that `tokenledger sync` imports.
///
/// ```toml
/// [[source]]
/// path = "~/.claude/projects"     # file or folder; ~ is expanded
/// format = "auto"                 # an importer name, or "auto" (default) to detect
/// project = "acme"                # optional: set on every record
/// tags = { team = "search" }      # optional: or ["team=search"]
/// channel = "302ai"               # optional: reseller price channel
/// ```
package struct SyncSource: Sendable, Hashable {
    package var path: String
    package var format: String
    package var project: String?
    package var tags: [String: String]
    package var channel: String?
    /// Where the source is defined, for messages.
    package var location: SourceLocation

    package init(path: String, format: String = "auto", project: String? = nil, tags: [String: String] = [:],
                 channel: String? = nil, location: SourceLocation) {
        self.path = path
        self.format = format
        self.project = project
        self.tags = tags
        self.channel = channel
        self.location = location
    }

    static let keys: Set<String> = ["path", "format", "project", "tags", "channel"]

    /// The sources in `config`, in file order, with `~` expanded by `paths`. Errors are file:line (exit 2).
    package static func sources(in config: ConfigFile, paths: Paths = Paths()) throws(TOMLError) -> [SyncSource] {
        var out: [SyncSource] = []
        for table in try config.tables("source") {
            if let unknown = table.unknownKeys(allowed: keys).first {
                throw TOMLError(location: unknown.location, reason: "unknown key '\(unknown.key)' in [[source]]; known keys are \(keys.sorted().joined(separator: ", "))")
            }
            let path = try table.requiredString("path")
            guard !path.isEmpty else { throw table.error("path", "a source's 'path' must not be empty") }
            let format = try table.string("format") ?? "auto"
            guard !format.isEmpty else { throw table.error("format", "a source's 'format' must not be empty; omit it for \"auto\"") }
            var tags: [String: String] = [:]
            if let value = table["tags"] {
                if let inline = value.table {
                    for (key, item) in inline.entries {
                        guard let text = item.string else {
                            throw TOMLError(file: table.file, line: item.line, reason: "tag '\(key)' must be a string")
                        }
                        tags[key] = text
                    }
                } else if let items = try table.strings("tags") {
                    for item in items {
                        let parts = item.split(separator: "=", maxSplits: 1)
                        guard parts.count == 2, !parts[0].isEmpty else {
                            throw table.error("tags", "tags must be written key=value, e.g. tags = [\"team=search\"]")
                        }
                        tags[String(parts[0])] = String(parts[1])
                    }
                }
            }
            out.append(SyncSource(
                path: paths.expandTilde(path), format: format, project: try table.string("project"), tags: tags,
                channel: try table.string("channel"), location: table.location))
        }
        return out
    }
}
