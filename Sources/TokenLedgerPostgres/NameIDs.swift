import Foundation

/// A record's fields stored as ids of `tokenledger_name` (migration v15), each with its own memory of
/// the last name met (`NameLookup`).
enum NameField: Int, CaseIterable {
    case provider, model, modelID, effort, serviceTier, pricePeriod, priceLayers, source, sourceFile, machine
}

/// The ids of the names (`tokenledger_name`) this ledger's connections have seen, shared by them. An
/// id, once the server has committed it, never changes, so it is kept for the ledger's life.
final class NameIDs: Sendable {
    private let table = LockedValue(NameTable(adding: [:], to: nil))

    /// The ids known now, for one batch's rows. Cost: a lock.
    func lookup() -> NameLookup { NameLookup(table: table.value) }

    /// The ids of those of `names` already known.
    func known(_ names: Set<[UInt8]>) -> [[UInt8]: Int32] {
        let table = table.value
        var found: [[UInt8]: Int32] = [:]
        for name in names { if let id = table.id(name) { found[name] = id } }
        return found
    }

    /// Remembers `found` (committed ids only). Cost: the table built again, with every name known.
    func add(_ found: [[UInt8]: Int32]) {
        guard !found.isEmpty else { return }
        table.withValue { $0 = NameTable(adding: found, to: $0) }
    }
}

/// Names and their ids in one open-addressing hash table that is never changed once built (a new
/// name makes a new table), so writer threads read it without a lock. The names' bytes are kept in
/// one buffer; a lookup hashes the name's bytes (FNV-1a) and compares them in place: no allocation.
///
/// Performance notes: a `[[UInt8]: Int32]` dictionary hashed a looked-up name byte by byte through
/// `Hasher` after copying it into an array, and the import's varied models missed the last-name
/// memory often enough for that to cost tokenledger about a tenth of a second per 300,000 records.
final class NameTable: Sendable {
    private let bytes: [UInt8]
    /// Where each entry's name starts in `bytes`; one more element, the end of the last.
    private let starts: [Int]
    private let ids: [Int32]
    /// Per slot, its entry's index + 1 (0: empty); a power of two, at most half full.
    private let slots: [Int32]

    /// The entries of `table` (nil: none) and `found`.
    init(adding found: [[UInt8]: Int32], to table: NameTable?) {
        var bytes = table?.bytes ?? []
        var starts = table?.starts ?? [0]
        var ids = table?.ids ?? []
        for (name, id) in found where table?.id(name) == nil {
            bytes.append(contentsOf: name)
            starts.append(bytes.count)
            ids.append(id)
        }
        var capacity = 16
        while capacity < ids.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        bytes.withUnsafeBytes { all in
            for entry in ids.indices {
                var slot = Int(truncatingIfNeeded: Self.hash(UnsafeRawBufferPointer(rebasing: all[starts[entry]..<starts[entry + 1]]))) & (capacity - 1)
                while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
                slots[slot] = Int32(entry + 1)
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.ids = ids
        self.slots = slots
    }

    /// FNV-1a of `bytes`.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }

    /// Whether entry `entry`'s name is `name`.
    @inline(__always)
    func entry(_ entry: Int, is name: UnsafeRawBufferPointer) -> Bool {
        let start = starts[entry]
        let count = starts[entry + 1] - start
        guard count == name.count else { return false }
        guard count > 0 else { return true }
        return bytes.withUnsafeBytes { memcmp($0.baseAddress! + start, name.baseAddress!, count) == 0 }
    }

    /// The index of `name`'s entry, nil when it has none.
    func entry(of name: UnsafeRawBufferPointer) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(name)) & mask
        while true {
            let found = Int(slots[slot])
            if found == 0 { return nil }
            if entry(found - 1, is: name) { return found - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// Entry `entry`'s id.
    func id(ofEntry entry: Int) -> Int32 { ids[entry] }

    /// `name`'s id, nil when it has none.
    func id(_ name: [UInt8]) -> Int32? {
        name.withUnsafeBytes { entry(of: $0).map { ids[$0] } }
    }
}

/// The ids known when a batch's rows are written, the names met that are not known yet (`pending`),
/// and per field the last name met: the rows of a batch mostly repeat their neighbours' names, so
/// most fields cost one compare.
struct NameLookup {
    private let table: NameTable
    /// Per field, the last name met: a table entry (≥ 0), a pending name (−2 − its index), or none (−1).
    private var last = [Int](repeating: -1, count: NameField.allCases.count)
    /// The names met that the table does not know, in the order first met.
    private(set) var pending: [[UInt8]] = []
    private var pendingIndex: [[UInt8]: Int] = [:]

    init(table: NameTable = NameTable(adding: [:], to: nil)) {
        self.table = table
    }

    /// `name`'s id (≥ 1, as the server numbers names) when it is known, else −1 − its index in `pending`
    /// (where it is added the first time).
    @inline(__always)
    mutating func id(_ name: UnsafeRawBufferPointer, _ field: NameField) -> Int32 {
        let slot = field.rawValue
        let previous = last[slot]
        if previous >= 0 {
            if table.entry(previous, is: name) { return table.id(ofEntry: previous) }
        } else if previous <= -2 {
            let index = -2 - previous
            if pending[index].elementsEqual(name) { return Int32(-1 - index) }
        }
        if let entry = table.entry(of: name) {
            last[slot] = entry
            return table.id(ofEntry: entry)
        }
        let bytes = [UInt8](name)
        let index = pendingIndex[bytes] ?? {
            pending.append(bytes)
            pendingIndex[bytes] = pending.count - 1
            return pending.count - 1
        }()
        last[slot] = -2 - index
        return Int32(-1 - index)
    }
}
