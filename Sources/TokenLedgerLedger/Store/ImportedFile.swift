import Foundation

/// A log file the ledger has read, and when it last read it (for `tokenledger sources`).
public struct ImportedFile: Sendable, Hashable {
    /// Absolute, standardized path.
    public var path: String
    /// The format it was read as.
    public var format: String
    /// When its checkpoint was last written.
    public var lastRead: Date

    package init(path: String, format: String, lastRead: Date) {
        self.path = path
        self.format = format
        self.lastRead = lastRead
    }
}
