/// Rows in PostgreSQL's binary COPY format, for `COPY … FROM STDIN (FORMAT binary)`: an 11-byte
/// signature, flags and header-extension length, then per row a 16-bit field count and per field a
/// 32-bit length (-1 for NULL) and the value in the column type's binary form, then a -1 trailer; every
/// integer big-endian. Rows are written with `appendRow` (`RowWriter`). Each value must match its
/// column's type exactly (`int64` for `bigint`, `int32` for `integer`, `bool` for `boolean`, `text`
/// for `text`): the server reads the bytes as that type and refuses a batch whose lengths do not fit it.
///
/// Performance notes: against COPY's text format the server parses no decimal digits and no escapes,
/// and the client writes 8 bytes per number instead of formatting it (`tokenledger-bench team-import`,
/// docs/performance.md).
struct PostgresBinaryCopy {
    private(set) var bytes: [UInt8] = []
    /// The name ids written as placeholders (`RowWriter.name`): where each is in `bytes`, and its
    /// name's index in the `NameLookup.pending` of the lookup the rows were written with.
    var unresolvedNames: [(offset: Int32, name: Int32)] = []

    /// The two bytes that end the data (a field count of -1).
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// The format's header: what the data starts with, before its first row.
    static let headerCount = 19

    /// Starts the data with the format's header; `capacity` is a guess of the total size in bytes.
    /// `buffer`: memory to write into (emptied; `CopyBufferPool`), else new.
    init(capacity: Int = 0, reusing buffer: [UInt8] = []) {
        bytes = buffer
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(capacity + 21)
        bytes.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]) // "PGCOPY\n\377\r\n\0"
        bytes.append(contentsOf: [0, 0, 0, 0]) // flags: no OIDs
        bytes.append(contentsOf: [0, 0, 0, 0]) // no header extension
    }

    /// The data with the trailer that ends it.
    consuming func finished() -> [UInt8] {
        finish()
    }

    /// Ends the data with its trailer and hands it over (leaving this copy empty, without a header).
    mutating func finish() -> [UInt8] {
        bytes.append(contentsOf: Self.trailer)
        defer { bytes = [] }
        return bytes
    }

    /// Writes the id of each of `unresolvedNames` in its place (`ids[i]`: the id of pending name `i`),
    /// and forgets them.
    mutating func resolve(_ ids: [Int32]) {
        for (offset, name) in unresolvedNames {
            let id = UInt32(bitPattern: ids[Int(name)])
            for byte in 0..<4 { bytes[Int(offset) + byte] = UInt8(truncatingIfNeeded: id >> (24 - 8 * UInt32(byte))) }
        }
        unresolvedNames = []
    }

    /// Appends bytes already in this format (whole rows, or a row's fields), copied from other data.
    mutating func raw(_ encoded: ArraySlice<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    /// `raw(_:)` from memory outside an array (`appendRow`'s row).
    mutating func raw(_ encoded: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: encoded)
    }
}
