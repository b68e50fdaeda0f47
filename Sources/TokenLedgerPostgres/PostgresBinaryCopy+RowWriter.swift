extension PostgresBinaryCopy {
    /// Appends one row of `fields` values, which `body` writes through a `RowWriter`, with one append
    /// to the data: the row is built in a buffer of `guess` bytes on the stack (`body` runs again
    /// with twice the room while the row does not fit, so `body` must write the same values each time).
    ///
    /// Performance notes: every value appended to the data's array on its own (two or three
    /// `Array.append` calls a value, 45 values a record row) was about a tenth of the PostgreSQL
    /// import's client CPU (`perf record` of `tokenledger import --db postgres://…`).
    mutating func appendRow(fields: Int, guess: Int = 2_048, _ body: (inout RowWriter) -> Void) {
        var room = max(guess, 64)
        while true {
            let done = withUnsafeTemporaryAllocation(byteCount: room, alignment: 8) { buffer -> Bool in
                var writer = RowWriter(buffer)
                writer.count16(fields)
                body(&writer)
                guard !writer.overflowed else { return false }
                raw(UnsafeRawBufferPointer(start: buffer.baseAddress, count: writer.count))
                return true
            }
            if done { return }
            room *= 2
        }
    }

    /// Writes one row's values into fixed memory (`appendRow`), each as `PostgresBinaryCopy`'s own
    /// methods of the same names write it; a value that does not fit sets `overflowed` and the row
    /// is written again with more room.
    struct RowWriter {
        private let base: UnsafeMutableRawPointer
        private let capacity: Int
        private(set) var count = 0
        private(set) var overflowed = false

        fileprivate init(_ buffer: UnsafeMutableRawBufferPointer) {
            base = buffer.baseAddress!
            capacity = buffer.count
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
            if fits(4) { put(UInt32.max) }
        }

        /// A `bigint` value, or NULL.
        mutating func int64(_ value: Int64?) {
            guard let value else { return null() }
            if fits(12) {
                put(UInt32(8))
                put(UInt64(bitPattern: value))
            }
        }

        /// An `integer` value, or NULL.
        mutating func int32(_ value: Int32?) {
            guard let value else { return null() }
            if fits(8) {
                put(UInt32(4))
                put(UInt32(bitPattern: value))
            }
        }

        /// A `boolean` value, or NULL.
        mutating func bool(_ value: Bool?) {
            guard let value else { return null() }
            if fits(5) {
                put(UInt32(1))
                put(UInt8(value ? 1 : 0))
            }
        }

        /// A `text` value from raw UTF-8, or NULL.
        mutating func text(utf8: UnsafeRawBufferPointer?) {
            guard let utf8 else { return null() }
            guard fits(4 + utf8.count) else { return }
            put(UInt32(truncatingIfNeeded: utf8.count))
            encoded(utf8)
        }

        /// Values already in this format (a run of another row's fields), copied as they are.
        mutating func encoded(_ bytes: UnsafeRawBufferPointer) {
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
