import GRDBSQLite

/// A row's text columns packed into one UTF-8 buffer, built where the row is built (the import's
/// reading thread) and bound on the writer with `SQLITE_STATIC`: no copy and no allocation per
/// column there (binding 16 texts with `SQLITE_TRANSIENT` cost 16 mallocs and copies a row).
///
/// One allocation of the exact size: each value's (start, count) as two `Int32`s (count −1 is NULL),
/// then the values' bytes. Two growing arrays (offsets and bytes) cost two allocations a row and an
/// `Array.append(contentsOf:)` per value, about 3,400 instructions a chat record.
struct PackedText: Sendable {
    private let storage: [UInt8]

    /// The values `each` hands its argument, in order (nil for NULL). `each` is called twice, to size
    /// the buffer and to fill it, and must hand the same values both times.
    init(_ each: ((String?) -> Void) -> Void) {
        var values = 0
        var bytes = 0
        each { text in
            values += 1
            bytes += text?.utf8.count ?? 0
        }
        let header = values * 8
        storage = [UInt8](unsafeUninitializedCapacity: header + bytes) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            var writer = Writer(base: UnsafeMutableRawPointer(base), header: header, capacity: header + bytes)
            each { writer.append($0) }
            assert(writer.end == header + bytes, "PackedText: each handed other values the second time")
            count = header + bytes
        }
    }

    /// Appends values into a `PackedText`'s buffer.
    struct Writer {
        fileprivate let base: UnsafeMutableRawPointer
        fileprivate let capacity: Int
        fileprivate let header: Int
        fileprivate var value = 0
        fileprivate var end: Int

        fileprivate init(base: UnsafeMutableRawPointer, header: Int, capacity: Int) {
            self.base = base
            self.capacity = capacity
            self.header = header
            end = header
        }

        /// Appends one value (nil for NULL).
        mutating func append(_ text: String?) {
            guard (value + 1) * 8 <= header else { return }  // never: `each` hands the same values twice
            let span = base + value * 8
            value += 1
            guard let text else {
                span.storeBytes(of: 0, as: Int32.self)
                span.storeBytes(of: -1, toByteOffset: 4, as: Int32.self)
                return
            }
            let start = end
            let room = capacity - start
            // In place for every native string, small ones included (no copy of the string to make it
            // contiguous: that retained and released each text).
            let count = text.utf8.withContiguousStorageIfAvailable { utf8 in
                let count = min(utf8.count, room)
                if let source = utf8.baseAddress, count > 0 { (base + start).copyMemory(from: source, byteCount: count) }
                return count
            } ?? {
                var copy = text
                return copy.withUTF8 { utf8 in
                    let count = min(utf8.count, room)
                    if let source = utf8.baseAddress, count > 0 { (base + start).copyMemory(from: source, byteCount: count) }
                    return count
                }
            }()
            end += count
            span.storeBytes(of: Int32(start), as: Int32.self)
            span.storeBytes(of: Int32(count), toByteOffset: 4, as: Int32.self)
        }
    }

    /// Runs `body` with a binder for the values; SQLite reads them only until `body` returns, so
    /// the statement must be stepped inside `body` and every text parameter bound again before the
    /// next step.
    func withBinder<R>(_ body: (Binder) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { buffer in
            try body(Binder(base: buffer.baseAddress))
        }
    }

    /// Value `index`'s place in packed storage starting at `base`: its offset from `base` and its
    /// length in bytes, -1 for nil.
    @inline(__always)
    static func slot(_ index: Int, at base: UnsafeRawPointer) -> (start: Int, count: Int32) {
        (Int(base.loadUnaligned(fromByteOffset: index * 8, as: Int32.self)),
         base.loadUnaligned(fromByteOffset: index * 8 + 4, as: Int32.self))
    }

    struct Binder {
        let base: UnsafeRawPointer?

        /// Binds value `index` (append order) to parameter `parameter` of `statement`; a NULL that
        /// `bound` says the parameter holds already is skipped.
        func bind(_ index: Int, to parameter: Int32, of statement: OpaquePointer, bound: BoundValues? = nil) {
            guard let base else { return }
            let (start, count) = PackedText.slot(index, at: base)
            if count < 0 {
                if bound?.holds(nil, at: parameter) == true { return }
                sqlite3_bind_null(statement, parameter)
                bound?.recordText(isNull: true, at: parameter)
                return
            }
            bound?.recordText(isNull: false, at: parameter)
            if count == 0 {
                sqlite3_bind_text(statement, parameter, "", 0, nil)
            } else {
                let text = (base + start).assumingMemoryBound(to: CChar.self)
                sqlite3_bind_text(statement, parameter, text, count, nil)  // nil = SQLITE_STATIC
            }
        }
    }
}
