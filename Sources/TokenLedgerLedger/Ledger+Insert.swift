import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerPricing

extension Ledger {
    /// Prices and stores `entries` in one transaction. Re-inserting an entry adds nothing.
    /// Cost: one cached prepared statement per row; price lookups are in memory.
    @discardableResult
    public func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) throws -> InsertCounts {
        try writer.write { db in try Ledger.insert(entries, pricing: pricing, now: now, in: db) }
    }

    /// Prices and stores `entries` inside the caller's transaction, so the import pipeline can commit
    /// records and the file checkpoint together (a crash leaves neither or both).
    public static func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date(), in db: Database) throws -> InsertCounts {
        var counts = InsertCounts()
        let importedAt = Int64((now.timeIntervalSince1970 * 1000).rounded())
        // Upsert: a same-key row is replaced only by a strictly higher supersede_rank.
        let statement = try db.cachedStatement(sql: """
            INSERT INTO usage_record (
                dedup_key, supersede_rank, ts, provider, model, model_id, effort, service_tier, is_batch, channel,
                input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
                reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens,
                web_search_calls, images_generated, request_count, is_aggregate,
                cost_pusd, unpriced_reason, price_period, price_layers, reported_cost_pusd,
                source, source_file, source_line, project, session_id, request_id, api_key_hash, tags, imported_at
            ) VALUES (?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?, ?,?,?,?,?, ?,?,?,?, ?,?,?,?,?, ?,?,?,?,?,?,?,?,?)
            ON CONFLICT(dedup_key) DO UPDATE SET
                supersede_rank = excluded.supersede_rank, ts = excluded.ts, provider = excluded.provider,
                model = excluded.model, model_id = excluded.model_id, effort = excluded.effort,
                service_tier = excluded.service_tier, is_batch = excluded.is_batch, channel = excluded.channel,
                input_tokens = excluded.input_tokens, cache_read_tokens = excluded.cache_read_tokens,
                cache_write_5m_tokens = excluded.cache_write_5m_tokens, cache_write_1h_tokens = excluded.cache_write_1h_tokens,
                output_tokens = excluded.output_tokens, reasoning_tokens = excluded.reasoning_tokens,
                audio_input_tokens = excluded.audio_input_tokens, audio_output_tokens = excluded.audio_output_tokens,
                image_input_tokens = excluded.image_input_tokens, image_output_tokens = excluded.image_output_tokens,
                web_search_calls = excluded.web_search_calls, images_generated = excluded.images_generated,
                request_count = excluded.request_count, is_aggregate = excluded.is_aggregate,
                cost_pusd = excluded.cost_pusd, unpriced_reason = excluded.unpriced_reason,
                price_period = excluded.price_period, price_layers = excluded.price_layers,
                reported_cost_pusd = excluded.reported_cost_pusd, source = excluded.source,
                source_file = excluded.source_file, source_line = excluded.source_line, project = excluded.project,
                session_id = excluded.session_id, request_id = excluded.request_id,
                api_key_hash = excluded.api_key_hash, tags = excluded.tags, imported_at = excluded.imported_at
            WHERE excluded.supersede_rank > usage_record.supersede_rank
            """)
        let existing = try db.cachedStatement(sql: "SELECT supersede_rank FROM usage_record WHERE dedup_key = ?")
        for entry in entries {
            let previousRank = try Int.fetchOne(existing, arguments: [entry.dedupKey])
            if let previousRank, previousRank >= entry.supersedeRank {
                counts.duplicates += 1
                continue
            }
            let row = StoredUsage(entry: entry, cost: pricing.cost(of: entry.record), importedAt: importedAt)
            try statement.execute(arguments: row.arguments)
            if previousRank == nil { counts.inserted += 1 } else { counts.replaced += 1 }
            if row.costPicodollars == nil { counts.unpriced += 1 }
        }
        return counts
    }
}

/// A usage record flattened to the `usage_record` columns, with its computed cost.
struct StoredUsage {
    var entry: LedgerEntry
    var cost: CostBreakdown
    var importedAt: Int64

    init(entry: LedgerEntry, cost: CostBreakdown, importedAt: Int64) {
        self.entry = entry
        self.cost = cost
        self.importedAt = importedAt
    }

    /// Picodollars when priced. A cost beyond Int64 (≈ $9.2M for one record) is stored as unpriced
    /// rather than wrapped, and says so.
    var costPicodollars: Int64? {
        guard let total = cost.total else { return nil }
        return Int64(exactly: total.picodollars)
    }

    /// Why the record has no stored cost, or nil when it has one.
    var unpricedReason: String? {
        if case .unpriced(let reason) = cost.status { return reason }
        return costPicodollars == nil ? "cost too large to store" : nil
    }

    var arguments: StatementArguments {
        let r = entry.record
        let t = r.tokens
        let tagsJSON: String? = r.tags.isEmpty ? nil
            : JSONValue.object(JSONObject(r.tags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })).serialized()
        let values: [(any DatabaseValueConvertible)?] = [
            entry.dedupKey, entry.supersedeRank, Int64((r.timestamp.timeIntervalSince1970 * 1000).rounded()),
            r.provider, r.model, cost.resolvedModel, r.effort.rawValue, r.serviceTier, r.isBatch, r.channel,
            t.input, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h, t.output,
            t.reasoning, t.audioInput, t.audioOutput, t.imageInput, t.imageOutput,
            r.units.webSearchCalls, r.units.imagesGenerated, r.requestCount, r.isAggregate,
            costPicodollars, unpricedReason, cost.periodStart, cost.layers.isEmpty ? nil : cost.layers.joined(separator: ","),
            r.reportedCost.flatMap { Int64(exactly: $0.picodollars) },
            r.source, entry.location?.file, entry.location?.line, r.project, r.sessionID, r.requestID, r.apiKeyHash,
            tagsJSON, importedAt,
        ]
        return StatementArguments(values)
    }
}
