import TokenLedgerPricing

/// Sums of one budget period read from a ledger: what `BudgetReading` needs.
public struct BudgetSums: Sendable, Hashable {
    /// Picodollars of the priced records in the period, and of those since the forecast's rate window began.
    public var spent: Int128
    public var recentSpent: Int128
    /// Records with no price, and all records, in the period.
    public var unpricedRecords: Int
    public var records: Int
    /// The unpriced records by why they are unpriced (empty when all are priced).
    public var unpricedCauses: [UnpricedCauseCount]

    package init(spent: Int128 = 0, recentSpent: Int128 = 0, unpricedRecords: Int = 0, records: Int = 0, unpricedCauses: [UnpricedCauseCount] = []) {
        self.spent = spent
        self.recentSpent = recentSpent
        self.unpricedRecords = unpricedRecords
        self.records = records
        self.unpricedCauses = unpricedCauses
    }
}
