import Foundation
import TokenLedgerCore
import TokenLedgerLedger

extension CopyRow {
    /// One record as a row of binary COPY into `TeamLedger.recordColumns`, each value in its column's
    /// type (`supersede_rank` is `integer`, the other numbers `bigint`, the flags `boolean`). The same
    /// values, in the same order, as the text row `append(_:machine:to:)` writes.
    static func append(_ stored: StoredRecord, machine: String, to copy: inout PostgresBinaryCopy) {
        let r = stored.record
        let t = r.tokens
        copy.beginRow(fields: TeamLedger.recordColumns.count)
        copy.text(stored.entry.dedupKey)
        copy.int32(Int32(clamping: stored.entry.supersedeRank))
        copy.int64(milliseconds(r.timestamp))
        copy.text(r.provider)
        copy.text(r.model)
        copy.text(stored.modelID)
        copy.text(r.effort.rawValue)
        copy.text(r.serviceTier)
        copy.bool(r.isBatch)
        copy.text(r.channel)
        copy.int64(Int64(t.input)); copy.int64(Int64(t.cacheRead)); copy.int64(Int64(t.cacheWrite5m))
        copy.int64(Int64(t.cacheWrite1h)); copy.int64(Int64(t.output)); copy.int64(Int64(t.reasoning))
        copy.int64(Int64(t.audioInput)); copy.int64(Int64(t.audioOutput)); copy.int64(Int64(t.imageInput))
        copy.int64(Int64(t.imageOutput))
        copy.int64(Int64(r.units.webSearchCalls))
        copy.int64(Int64(r.units.imagesGenerated))
        copy.int64(Int64(r.requestCount))
        copy.bool(r.isAggregate)
        copy.int64(stored.cost.flatMap { Int64(exactly: $0.picodollars) })
        copy.text(stored.unpricedReason)
        copy.text(stored.pricePeriod)
        copy.text(stored.priceLayers.isEmpty ? nil : stored.priceLayers.joined(separator: ","))
        copy.int64(r.reportedCost.flatMap { Int64(exactly: $0.picodollars) })
        copy.text(r.source)
        copy.text(stored.entry.location?.file)
        copy.int64(stored.entry.location.map { Int64($0.line) })
        copy.text(r.project)
        copy.text(r.sessionID)
        copy.text(r.requestID)
        copy.text(r.apiKeyHash)
        copy.text(tagsJSON(r.tags))
        copy.text(machine)
        copy.int64(milliseconds(stored.importedAt))
        copy.text(r.repository)
        copy.text(r.branch)
        copy.int64(Int64(r.units.audioSeconds))
        copy.int64(Int64(r.units.characters))
    }
}
