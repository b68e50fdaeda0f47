extension PostgresBinaryCopy {
    /// Appends one row of `fields` values, which `body` writes through a `RowWriter`, with one append
    /// to the data: the row is built in a buffer of `guess` bytes on the stack (`body` runs again
    /// with twice the room while the row does not fit, so `body` must write the same values each time).
    ///
    /// Performance notes: every value appended to the data's array on its own (two or three
    /// `Array.append` calls a value, 45 values a record row) was about a tenth of the PostgreSQL
    /// import's client CPU (`perf record` of `tokenledger import --db postgres://…`).
    ///
    /// With `omitting` (`ColumnOmission`), the fields its mask names are left out of the row (and of
    /// its field count): the COPY must list only the other columns. Returns a bit per field whose value
    /// is not its column's default (`ColumnOmission.Default`; 0 without `omitting`): a field left out
    /// that has a bit here was written wrong, and the row must be written again leaving out less.
    @discardableResult
    mutating func appendRow(fields: Int, omitting: ColumnOmission? = nil, guess: Int = 2_048, _ body: (inout RowWriter) -> Void) -> UInt64 {
        var room = max(guess, 64)
        while true {
            let differing = withUnsafeTemporaryAllocation(byteCount: room, alignment: 8) { buffer -> UInt64? in
                var writer = RowWriter(buffer, omitting: omitting)
                writer.count16(fields - (omitting?.count ?? 0))
                body(&writer)
                guard !writer.overflowed else { return nil }
                for (offset, name) in writer.unresolved { unresolvedNames.append((Int32(bytes.count) + offset, name)) }
                raw(UnsafeRawBufferPointer(start: buffer.baseAddress, count: writer.count))
                return writer.differing
            }
            if let differing { return differing }
            room *= 2
        }
    }

    /// Writes one row's values into fixed memory (`appendRow`), each as `PostgresBinaryCopy`'s own
    /// methods of the same names write it; a value that does not fit sets `overflowed` and the row
    /// is written again with more room.
    ///
    /// A writer leaving fields out (`omitting`) also notes which fields hold a value other than their
    /// column's default (`differing`), left out or not.
    struct RowWriter {
        private let base: UnsafeMutableRawPointer
        private let capacity: Int
        private(set) var count = 0
        private(set) var overflowed = false
        /// The columns' defaults and the fields left out, or nil to write every field as given.
        private let omitting: ColumnOmission?
        /// The next field's number in the row.
        private var field = 0
        /// A bit per field whose value is not its column's default (with `omitting`).
        private(set) var differing: UInt64 = 0
        /// The name ids written before they were known (placeholders): their place in the row, and
        /// the name's index in the lookup's `pending`.
        fileprivate var unresolved: [(offset: Int32, name: Int32)] = []

        fileprivate init(_ buffer: UnsafeMutableRawBufferPointer, omitting: ColumnOmission?) {
            base = buffer.baseAddress!
            capacity = buffer.count
            self.omitting = omitting
        }

        /// Whether the next field is written; with `omitting`, notes whether it differs from its
        /// column's default. `isDefault` tells whether the value is that default.
        @inline(__always)
        private mutating func takes(_ isDefault: (ColumnOmission.Default) -> Bool) -> Bool {
            guard let omitting else { return true }
            let bit: UInt64 = 1 << UInt64(field)
            let index = field
            field += 1
            let defaults = omitting.defaults
            if index >= defaults.count || !(defaults[index].map(isDefault) ?? false) { differing |= bit }
            return omitting.mask & bit == 0
        }

        /// Room for `n` more bytes (false, and `overflowed`, when there is none).
        @inline(__always)
        private mutating func fits(_ n: Int) -> Bool {
            if count + n <= capacity { return true }
            overflowed = true
            return false
        }

        @inline(__always)
        private mutating func put<T: FixedWidthInteger>(_ value: T) {
            (base + count).storeBytes(of: value.bigEndian, as: T.self)
            count += MemoryLayout<T>.size
        }

        fileprivate mutating func count16(_ fields: Int) {
            if fits(2) { put(UInt16(truncatingIfNeeded: fields)) }
        }

        /// SQL NULL.
        mutating func null() {
            guard takes({ $0 == .null }) else { return }
            putNull()
        }

        @inline(__always)
        private mutating func putNull() {
            if fits(4) { put(UInt32.max) }
        }

        /// A `bigint` value, or NULL.
        mutating func int64(_ value: Int64?) {
            guard takes({ $0 == (value.map(ColumnOmission.Default.integer) ?? .null) }) else { return }
            guard let value else { return putNull() }
            if fits(12) {
                put(UInt32(8))
                put(UInt64(bitPattern: value))
            }
        }

        /// An `integer` value, or NULL.
        mutating func int32(_ value: Int32?) {
            guard takes({ $0 == (value.map { .integer(Int64($0)) } ?? .null) }) else { return }
            guard let value else { return putNull() }
            if fits(8) {
                put(UInt32(4))
                put(UInt32(bitPattern: value))
            }
        }

        /// A `boolean` value, or NULL.
        mutating func bool(_ value: Bool?) {
            guard takes({ $0 == (value.map(ColumnOmission.Default.boolean) ?? .null) }) else { return }
            guard let value else { return putNull() }
            if fits(5) {
                put(UInt32(1))
                put(UInt8(value ? 1 : 0))
            }
        }

        /// A `text` value from raw UTF-8, or NULL.
        mutating func text(utf8: UnsafeRawBufferPointer?) {
            guard takes({ $0.matches(utf8) }) else { return }
            guard let utf8 else { return putNull() }
            guard fits(4 + utf8.count) else { return }
            put(UInt32(truncatingIfNeeded: utf8.count))
            copy(utf8)
        }

        /// A name column's `integer` id (migration v15) from `names`, or NULL. A name `names` does not
        /// know yet is written as 0 and listed in the data's `unresolvedNames` (and in `names.pending`),
        /// for `PostgresBinaryCopy.resolve` to fill in before the rows are sent.
        @inline(__always)
        mutating func name(utf8: UnsafeRawBufferPointer?, _ field: NameField, _ names: inout NameLookup) {
            guard let utf8 else { return null() }
            guard takes({ _ in false }) else { return }
            guard fits(8) else { return }
            put(UInt32(4))
            let id = names.id(utf8, field)
            if id < 0 { unresolved.append((Int32(count), -1 - id)) }
            put(UInt32(bitPattern: max(id, 0)))
        }

        /// `name(utf8:_:_:)` for a `String`.
        mutating func name(_ value: String?, _ field: NameField, _ names: inout NameLookup) {
            guard var value else { return null() }
            value.withUTF8 { name(utf8: UnsafeRawBufferPointer($0), field, &names) }
        }

        /// Values already in this format (a run of another row's fields), copied as they are; not for
        /// a row leaving fields out (its fields are not counted one by one).
        mutating func encoded(_ bytes: UnsafeRawBufferPointer) {
            precondition(omitting == nil, "encoded fields in a row that leaves fields out")
            copy(bytes)
        }

        @inline(__always)
        private mutating func copy(_ bytes: UnsafeRawBufferPointer) {
            guard fits(bytes.count), let source = bytes.baseAddress else { return }
            (base + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }

        /// A `text` value, or NULL.
        mutating func text(_ value: String?) {
            guard var value else { return null() }
            value.withUTF8 { text(utf8: UnsafeRawBufferPointer($0)) }
        }
    }
}
