import Foundation

/// A record's fields stored as ids of `tokenledger_name` (migration v15), each with its own memory of
/// the last name met (`NameLookup`).
enum NameField: Int, CaseIterable {
    case provider, model, modelID, effort, serviceTier, pricePeriod, priceLayers, source, sourceFile, machine
}

/// The ids of the names (`tokenledger_name`) this ledger's connections have seen, shared by them. An
/// id, once the server has committed it, never changes, so it is kept for the ledger's life.
final class NameIDs: Sendable {
    private let known = LockedValue<[[UInt8]: Int32]>([:])

    /// The ids known now, for one batch's rows. Cost: a copy of the table on the next `add`.
    func lookup() -> NameLookup { NameLookup(known: known.value) }

    /// Remembers `found` (committed ids only).
    func add(_ found: [[UInt8]: Int32]) {
        guard !found.isEmpty else { return }
        known.withValue { $0.merge(found) { old, _ in old } }
    }
}

/// The ids known when a batch's rows are written, and per field the last name met and its id: the
/// rows of a batch mostly repeat their neighbours' names, so most fields cost one compare.
struct NameLookup {
    private let known: [[UInt8]: Int32]
    private var lastNames = [[UInt8]](repeating: [], count: NameField.allCases.count)
    private var lastIDs = [Int32](repeating: -1, count: NameField.allCases.count)

    init(known: [[UInt8]: Int32] = [:]) {
        self.known = known
    }

    /// `name`'s id, nil when it is not known yet.
    @inline(__always)
    mutating func id(_ name: UnsafeRawBufferPointer, _ field: NameField) -> Int32? {
        let slot = field.rawValue
        let last = lastIDs[slot]
        if last >= 0 && lastNames[slot].withUnsafeBytes({ $0.count == name.count && (name.isEmpty || memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0) }) {
            return last
        }
        let bytes = [UInt8](name)
        guard let id = known[bytes] else { return nil }
        lastNames[slot] = bytes
        lastIDs[slot] = id
        return id
    }
}
