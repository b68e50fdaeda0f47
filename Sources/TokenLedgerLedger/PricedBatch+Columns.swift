import TokenLedgerCore

extension PricedBatch {
    /// Each row's dedup-key hash (`DedupSlot.hash`), in order: equal keys have equal hashes, so a
    /// batch whose hashes are all different has all different keys.
    package var dedupHashes: [Int64] { rows.map(\.dedupHash) }

    /// Calls `body` with each row's stored column values, in order, for a ledger engine that writes
    /// them itself (the team ledger's COPY rows): the values the SQLite writer binds, computed once
    /// on the reading thread, with no `StoredRecord` built in between.
    package func forEachRow(_ body: (PricedRowColumns) -> Void) {
        for row in rows { body(PricedRowColumns(row: row)) }
    }
}

/// One row of a `PricedBatch` as its stored columns (`forEachRow`). The text columns are read from
/// the row's packed texts (`PackedText`) as raw UTF-8, inside `withTexts`.
package struct PricedRowColumns {
    fileprivate let row: StoredUsage

    /// The entry: its record, dedup key, supersede rank and source location.
    package var entry: LedgerEntry { row.entry }
    /// The entry's supersede rank (read without copying the entry).
    package var supersedeRank: Int { row.entry.supersedeRank }
    /// Where the entry was read.
    package var location: SourceLocation? { row.entry.location }
    /// The record's counted columns (read without copying the record's texts).
    package var counts: RecordCounts { RecordCounts(row.entry.record) }
    /// `ts`: Unix milliseconds.
    package var timestampMilliseconds: Int64 { row.timestampMilliseconds }
    /// `imported_at`: Unix milliseconds.
    package var importedAt: Int64 { row.importedAt }
    /// `cost_pusd`: nil when unpriced (or beyond Int64, then with its reason).
    package var costPicodollars: Int64? { row.costPicodollars }
    /// `reported_cost_pusd`.
    package var reportedPicodollars: Int64? { row.reportedPicodollars }
    /// `model_id`: the resolved model, nil when unresolved.
    package var resolvedModel: String? { row.cost.resolvedModel }
    /// `unpriced_reason` (only read for an unpriced row: it is computed again).
    package var unpricedReason: String? { StoredCostColumns(row.cost).unpricedReason }

    /// Runs `body` with the row's text columns, by `PricedTextColumn`.
    package func withTexts<R>(_ body: (PricedTexts) -> R) -> R {
        row.texts.withBinder { body(PricedTexts(base: $0.base)) }
    }
}

/// A record's numbers and flags as stored (`PricedRowColumns.counts`).
package struct RecordCounts {
    package var tokens: TokenCounts
    package var units: UnitCounts
    package var requestCount: Int
    package var isBatch: Bool
    package var isAggregate: Bool

    package init(_ r: UsageRecord) {
        (tokens, units, requestCount, isBatch, isAggregate) = (r.tokens, r.units, r.requestCount, r.isBatch, r.isAggregate)
    }
}

/// The text columns `StoredUsage.packTexts` packs, in its order.
package enum PricedTextColumn: Int {
    case dedupKey, provider, model, modelID, effort, serviceTier, channel, unpricedReason, pricePeriod, priceLayers
    case source, project, sessionID, requestID, apiKeyHash, tags, repository, branch
}

/// A row's packed text columns, valid inside `PricedRowColumns.withTexts` only.
package struct PricedTexts {
    fileprivate let base: UnsafeRawPointer?

    /// The column's UTF-8 bytes, or nil for NULL.
    package subscript(_ column: PricedTextColumn) -> UnsafeRawBufferPointer? {
        guard let base else { return nil }
        let (start, count) = PackedText.slot(column.rawValue, at: base)
        if count < 0 { return nil }
        return UnsafeRawBufferPointer(start: base + start, count: Int(count))
    }
}
