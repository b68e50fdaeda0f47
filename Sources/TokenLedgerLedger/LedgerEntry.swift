import TokenLedgerCore
import TokenLedgerPricing

/// One usage record on its way into the ledger: the record, the key that makes re-imports collide,
/// where it came from, and how it competes with an earlier row of the same key.
public struct LedgerEntry: Sendable, Hashable {
    public var record: UsageRecord
    /// The importer's natural key, namespaced by provider or format: "openai:chatcmpl-abc",
    /// "anthropic:msg_01…:req_01…", "openai-usage:1730419200:1730505600:gpt-4o:…".
    /// Importing an entry whose key is already stored adds nothing (it counts as a duplicate).
    public var dedupKey: String
    /// Where the entry was read (file and 1-based line), for tracing and `reprice` output.
    public var location: SourceLocation?
    /// A later entry with the same key replaces the stored row only when its rank is strictly higher.
    /// 0 for sources where the first copy is final. Claude Code uses it to keep the line with the
    /// largest output (streaming lines repeat a placeholder output count) and to prefer the
    /// non-sidechain copy.
    public var supersedeRank: Int

    /// Inlinable, as `UsageRecord.init`: a caller in another module moves the record in rather than
    /// copying it and destroying its own.
    @inlinable
    public init(record: UsageRecord, dedupKey: String, location: SourceLocation? = nil, supersedeRank: Int = 0) {
        self.record = record
        self.dedupKey = dedupKey
        self.location = location
        self.supersedeRank = supersedeRank
    }
}

/// What one insert did, for the import summary.
public struct InsertCounts: Sendable, Hashable {
    /// New rows.
    public var inserted = 0
    /// Entries whose key was already stored with an equal or higher rank (nothing changed).
    public var duplicates = 0
    /// Stored rows replaced by a higher-ranked copy (e.g. the final line of a streamed response).
    public var replaced = 0
    /// New rows that have no price (model unknown, or no price period at that date): records, as a
    /// report counts them. A replaced row (a streamed response's final line) is not counted again.
    public var unpriced = 0
    /// Those unpriced records by cause, with their models: what the import summary says fixes them.
    public var unpricedCauses: [UnpricedCauseCount] = []

    package init() {}

    package static func + (a: InsertCounts, b: InsertCounts) -> InsertCounts {
        var c = a
        c.inserted += b.inserted
        c.duplicates += b.duplicates
        c.replaced += b.replaced
        c.unpriced += b.unpriced
        c.unpricedCauses.add(b.unpricedCauses)
        return c
    }
}

extension InsertCounts {
    /// Counts one stored row that has no price, under the cause of its stored `reason`.
    package mutating func countUnpriced(reason: String?, model: String, requests: Int) {
        unpriced += 1
        unpricedCauses.add(reason: reason ?? "", model: model, requests: requests)
    }
}
