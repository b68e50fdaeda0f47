import Foundation
import TokenLedger

/// Reads a command's text input: a file path, or standard input for `-` or no path.
enum InputText {
    struct Error: UserFacingError {
        var message: String
    }

    /// The whole input as text. Invalid UTF-8 becomes U+FFFD, as tiktoken does with decoded text.
    static func read(_ path: String?) throws -> String {
        if path == nil || path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return String(decoding: data, as: UTF8.self)
        }
        let path = path!
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Error(message: "no such file: \(path); check the path, or pass - to read standard input.")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw Error(message: "cannot read \(path)\(isDirectory.boolValue ? " (it is a folder)" : ""); pass a readable file.")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A date or datetime flag (`--at`, `--since`, `--until`), as a UTC instant.
enum DateArgument {
    struct Error: UserFacingError {
        var message: String
        var exitStatus: ExitStatus { .usage }
    }

    static func parse(_ text: String, flag: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw Error(message: "\(flag) '\(text)' is not a date; use YYYY-MM-DD or an ISO 8601 time like 2026-11-25T14:00:00Z.")
        }
        return date
    }
}
