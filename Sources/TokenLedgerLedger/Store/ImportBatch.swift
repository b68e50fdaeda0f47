/// One unit of an import that commits together: priced records, the malformed lines found with
/// them, and the checkpoints of the files read up to (and including) them.
public struct ImportBatch: Sendable {
    package var records: PricedBatch
    package var quarantine: [QuarantinedLine]
    package var checkpoints: [FileCheckpoint]

    package init(records: PricedBatch, quarantine: [QuarantinedLine], checkpoints: [FileCheckpoint]) {
        self.records = records
        self.quarantine = quarantine
        self.checkpoints = checkpoints
    }

    /// Rows this batch writes (records and quarantined lines), for transaction sizing.
    package var rows: Int { records.count + quarantine.count }
}
