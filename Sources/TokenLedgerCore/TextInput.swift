import Foundation

/// Reads a command's text input — a file, or standard input for "-" — the one way every command
/// (`count`, `estimate`, `prices check`, ...) does it, with one set of errors.
package enum TextInput {
    /// Why an input could not be read.
    public enum Error: UserFacingError, Equatable {
        case missing(String)
        case folder(String)
        case unreadable(String)

        public var message: String {
            switch self {
            case .missing(let path): return "no such file: \(path); check the path, or pass - to read standard input."
            case .folder(let path): return "\(path) is a folder; pass a file."
            case .unreadable(let path): return "cannot read \(path); check its permissions."
            }
        }
    }

    /// The whole input as text. Invalid UTF-8 becomes U+FFFD, one per maximal invalid subsequence —
    /// what Python's `bytes.decode("utf-8", errors="replace")` (and so tiktoken-ref) does.
    /// Cost: one read of the whole file into memory.
    public static func read(_ path: String) throws(Error) -> String {
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .missing(path) }
            if isFolder.boolValue { throw .folder(path) }
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else { throw .unreadable(path) }
        return String(decoding: data, as: UTF8.self)
    }
}
