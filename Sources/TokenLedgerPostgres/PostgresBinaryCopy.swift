/// Rows in PostgreSQL's binary COPY format, for `COPY … FROM STDIN (FORMAT binary)`: an 11-byte
/// signature, flags and header-extension length, then per row a 16-bit field count and per field a
/// 32-bit length (-1 for NULL) and the value in the column type's binary form, then a -1 trailer; every
/// integer big-endian. Each value must match its column's type exactly (`int64` for `bigint`, `int32`
/// for `integer`, `bool` for `boolean`, `text` for `text`): the server reads the bytes as that type
/// and refuses a batch whose lengths do not fit it.
///
/// Performance notes: against COPY's text format the server parses no decimal digits and no escapes,
/// and the client writes 8 bytes per number instead of formatting it (`tokenledger-bench team-import`,
/// docs/performance.md).
struct PostgresBinaryCopy {
    private(set) var bytes: [UInt8] = []

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
        appendBigEndian(UInt32(0)) // flags: no OIDs
        appendBigEndian(UInt32(0)) // no header extension
    }

    /// Starts a row of `fields` values (then exactly that many value calls follow).
    mutating func beginRow(fields: Int) {
        appendBigEndian(UInt16(truncatingIfNeeded: fields))
    }

    /// A `text` value (UTF-8 as stored), or NULL.
    mutating func text(_ value: String?) {
        guard var value else { return null() }
        value.withUTF8 { utf8 in
            appendBigEndian(UInt32(truncatingIfNeeded: utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `bigint` value, or NULL.
    mutating func int64(_ value: Int64?) {
        guard let value else { return null() }
        appendBigEndian(UInt32(8))
        appendBigEndian(UInt64(bitPattern: value))
    }

    /// An `integer` value, or NULL.
    mutating func int32(_ value: Int32?) {
        guard let value else { return null() }
        appendBigEndian(UInt32(4))
        appendBigEndian(UInt32(bitPattern: value))
    }

    /// A `boolean` value, or NULL.
    mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        appendBigEndian(UInt32(1))
        bytes.append(value ? 1 : 0)
    }

    /// SQL NULL.
    mutating func null() {
        appendBigEndian(UInt32.max) // -1
    }

    /// The data with the trailer that ends it.
    consuming func finished() -> [UInt8] {
        finish()
    }

    /// Ends the data with its trailer and hands it over (leaving this copy empty, without a header).
    mutating func finish() -> [UInt8] {
        appendBigEndian(UInt16.max) // -1
        defer { bytes = [] }
        return bytes
    }

    /// Appends a `text` value from raw UTF-8 (nil: NULL) without making a String.
    mutating func text(utf8: UnsafeRawBufferPointer?) {
        guard let utf8 else { return null() }
        appendBigEndian(UInt32(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Appends bytes already in this format (whole rows, or a row's fields), copied from other data.
    mutating func raw(_ encoded: ArraySlice<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    /// `raw(_:)` from memory outside an array (`appendRow`'s row).
    mutating func raw(_ encoded: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: encoded)
    }

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
