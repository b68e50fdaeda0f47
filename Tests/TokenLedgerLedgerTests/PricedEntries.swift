import Foundation
import TokenLedgerLedger
import TokenLedgerPricing

// The ledger stores costs computed elsewhere (the importers' `BatchPricer`); these tests depend on the
// ledger alone, so they price their entries here with the public `PriceBook.cost(of:)`.
extension PricedBatch {
    init(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) {
        self.init(entries.map { ($0, pricing.cost(of: $0.record)) }, now: now)
    }
}

extension Ledger {
    @discardableResult
    func insert(_ entries: [LedgerEntry], pricing: PriceBook, now: Date = Date()) throws -> InsertCounts {
        try insert(PricedBatch(entries, pricing: pricing, now: now))
    }
}

extension Ledger {
    func reprice(with pricing: PriceBook, apply: Bool, pageSize: Int = 5_000) throws -> RepriceReport {
        try reprice(apply: apply, pageSize: pageSize) { records in records.map { pricing.cost(of: $0) } }
    }
}
