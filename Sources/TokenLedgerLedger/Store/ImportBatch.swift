/// One unit of an import that commits together: priced records, the malformed lines found with
/// them, and the checkpoints of the files read up to (and including) them.
public struct ImportBatch: Sendable {
    public var records: PricedBatch
    public var quarantine: [QuarantinedLine]
    public var checkpoints: [FileCheckpoint]

    public init(records: PricedBatch, quarantine: [QuarantinedLine], checkpoints: [FileCheckpoint]) {
        self.records = records
        self.quarantine = quarantine
        self.checkpoints = checkpoints
    }

    /// Rows this batch writes (records and quarantined lines), for transaction sizing.
    public var rows: Int { records.count + quarantine.count }
}
