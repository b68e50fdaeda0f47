import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a path: enough to tell an unchanged log file without reading it.
struct FileStatus: Sendable, Hashable {
    var device: Int64
    var inode: Int64
    var size: Int64
    var mtimeNanoseconds: Int64
    var isDirectory: Bool
    var isRegularFile: Bool

    /// `stat(2)` (following symlinks); nil when the path does not exist or cannot be reached.
    /// Cost: one system call, no allocation.
    static func of(_ path: String) -> FileStatus? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        let mtime = Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        #else
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        #endif
        let type = st.st_mode & S_IFMT
        return FileStatus(device: Int64(st.st_dev), inode: Int64(st.st_ino), size: Int64(st.st_size),
                          mtimeNanoseconds: mtime, isDirectory: type == S_IFDIR, isRegularFile: type == S_IFREG)
    }

    /// The status of an SQLite database as its readers see it: a write may touch only the `-wal` file,
    /// so its size and time are folded in.
    static func ofDatabase(_ path: String) -> FileStatus? {
        guard var main = of(path) else { return nil }
        if let wal = of(path + "-wal") {
            main.size += wal.size
            main.mtimeNanoseconds = max(main.mtimeNanoseconds, wal.mtimeNanoseconds)
        }
        return main
    }

    /// Up to `count` bytes of the file from byte `offset` (fewer if it ends first); nil if it cannot
    /// be opened or read (`errno` says why). Cost: one `open` and as many `pread`s as it takes.
    static func bytes(of path: String, at offset: Int64 = 0, count: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: max(count, 0))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                raw.baseAddress.map { pread(fd, $0 + filled, raw.count - filled, off_t(offset) + off_t(filled)) } ?? 0
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}
