import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands the paths given to `tokenledger import` into log files: a file is taken as is; a directory
/// is walked recursively (sorted, so runs are reproducible), skipping hidden entries, SQLite side
/// files, editor backups and file types that are never usage logs (images, archives, docs, code).
/// Symlinked directories are followed once (a loop is not followed twice).
struct LogFileFinder {
    /// File name extensions that are never usage logs.
    static let ignoredExtensions: Set<String> = [
        "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst", "tar", "7z",
        "mp3", "mp4", "wav", "m4a", "mov", "pyc", "o", "so", "dylib", "a", "exe", "bin", "lock", "md", "toml",
        "yaml", "yml", "html", "htm", "css", "swift", "py", "js", "ts", "sh", "rb", "go", "rs", "c", "h",
    ]

    /// True when a file met during a directory walk is worth offering to the adapters.
    static func isCandidate(name: String) -> Bool {
        if name.hasPrefix(".") || name.hasSuffix("~") { return false }
        if name.hasSuffix("-wal") || name.hasSuffix("-shm") || name.hasSuffix("-journal") { return false }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[name.index(after: dot)...].lowercased()
            if ignoredExtensions.contains(ext) { return false }
        }
        return true
    }

    /// The candidate files under `directory`, depth first, names sorted. Cost: one `readdir` pass and
    /// one `stat` per entry; no file is opened.
    static func files(under directory: String) -> [String] {
        var out: [String] = []
        var visited: Set<[Int64]> = []
        walk(directory, into: &out, visited: &visited)
        return out
    }

    private static func walk(_ directory: String, into out: inout [String], visited: inout Set<[Int64]>) {
        guard let status = FileStatus.of(directory), visited.insert([status.device, status.inode]).inserted,
              let dir = opendir(directory) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(dir)
        names.sort()
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names {
            let path = base + name
            guard let s = FileStatus.of(path) else { continue }
            if s.isDirectory {
                walk(path, into: &out, visited: &visited)
            } else if s.isRegularFile, isCandidate(name: name) {
                out.append(path)
            }
        }
    }
}
