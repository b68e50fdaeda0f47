import Foundation
import TokenLedgerCore
import TokenLedgerLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `tokenledger import --quarantine`: every quarantined line with its text read back from the log
/// file (the ledger itself never stores it), when the file still holds the same bytes there.
package struct QuarantineListing: Sendable {
    package enum TextStatus: String, Sendable {
        /// The file still holds the line: `text` is it.
        case available
        /// The file is gone.
        case fileMissing = "file missing"
        /// The bytes at that place no longer match the quarantined line's fingerprint.
        case changed = "file changed"
        /// The place in the file was not recorded (e.g. a problem found at the end of a database).
        case unknown
    }

    /// One quarantined line and what its file holds at that place now.
    package struct Item: Sendable {
        package var line: QuarantinedLine
        /// The line's text when `status` is `.available`.
        package var text: String?
        package var status: TextStatus
    }

    /// Every quarantined line, by file and line number.
    package var items: [Item]

    /// Longest text shown per line in the table; JSON carries the whole line.
    package static let shownLength = 160

    /// Reads the quarantine table and, for each line, its bytes from the file. Cost: one small read per line.
    package init(ledger: Ledger) throws {
        self.init(lines: try ledger.quarantinedLines())
    }

    /// The listing of `lines` (from any ledger engine), each with its bytes read from the file.
    package init(lines: [QuarantinedLine]) {
        items = lines.map { q in
            guard let offset = q.byteOffset, let length = q.byteLength else { return Item(line: q, text: nil, status: .unknown) }
            guard let bytes = FileStatus.bytes(of: q.file, at: offset, count: length) else {
                return Item(line: q, text: nil, status: .fileMissing)
            }
            guard bytes.count == length, SHA256.hexDigest(bytes) == q.lineSHA else { return Item(line: q, text: nil, status: .changed) }
            // The user's own line, shown on request — but never an API key it may carry.
            return Item(line: q, text: SecretRedaction.redactingKeys(String(decoding: bytes, as: UTF8.self)), status: .available)
        }
    }

    /// Human-readable listing: "file:line: reason [format]" and the line's text indented under it.
    package func text() -> String {
        if items.isEmpty { return "No quarantined lines.\n" }
        var out = ""
        for item in items {
            let q = item.line
            out += "\(q.file):\(q.line): \(q.reason) [\(q.format)]\n"
            if let text = item.text {
                let shown = text.count > QuarantineListing.shownLength ? String(text.prefix(QuarantineListing.shownLength)) + "…" : text
                out += "    \(shown)\n"
            } else {
                out += "    (\(item.status.rawValue))\n"
            }
        }
        out += "\(items.count) quarantined line\(items.count == 1 ? "" : "s").\n"
        return out
    }

    /// `--json`: one object per line, the text included when the file still holds it.
    package func json() -> JSONValue {
        .array(items.map { item in
            let q = item.line
            return [
                "file": .string(q.file), "line": .int(q.line), "format": .string(q.format), "reason": .string(q.reason),
                "byte_offset": q.byteOffset.map { .number(String($0)) } ?? .null,
                "byte_length": q.byteLength.map { .int($0) } ?? .null,
                "line_sha256": .string(q.lineSHA),
                "first_seen": q.firstSeen.map { .string(Timestamp.iso8601($0)) } ?? .null,
                "status": .string(item.status.rawValue), "text": .optional(item.text),
            ]
        })
    }
}
