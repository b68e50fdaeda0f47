import GRDBSQLite

/// A row's text columns packed into one UTF-8 buffer, built where the row is built (the import's
/// reading thread) and bound on the writer with `SQLITE_STATIC`: no copy and no allocation per
/// column there (binding 16 texts with `SQLITE_TRANSIENT` cost 16 mallocs and copies a row).
struct PackedText: Sendable {
    private var bytes: [UInt8] = []
    /// (start, count) per value, in append order; count −1 is NULL.
    private var spans: [Int32] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        spans.reserveCapacity(36)
    }

    /// Appends one value (nil for NULL).
    mutating func append(_ text: String?) {
        guard let text else {
            spans.append(0)
            spans.append(-1)
            return
        }
        let start = bytes.count
        // A copy of the contiguous UTF-8 (every native string has it) instead of a walk over the view.
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: text.utf8)
        }
        spans.append(Int32(start))
        spans.append(Int32(bytes.count - start))
    }

    /// Runs `body` with a binder for the values; SQLite reads them only until `body` returns, so
    /// the statement must be stepped inside `body` and every text parameter bound again before the
    /// next step.
    func withBinder<R>(_ body: (Binder) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            try body(Binder(base: buffer.baseAddress, spans: spans))
        }
    }

    struct Binder {
        let base: UnsafePointer<UInt8>?
        let spans: [Int32]

        /// Binds value `index` (append order) to parameter `parameter` of `statement`; a NULL that
        /// `bound` says the parameter holds already is skipped.
        func bind(_ index: Int, to parameter: Int32, of statement: OpaquePointer, bound: BoundValues? = nil) {
            let start = Int(spans[2 * index]), count = spans[2 * index + 1]
            if count < 0 {
                if bound?.holds(nil, at: parameter) == true { return }
                sqlite3_bind_null(statement, parameter)
                bound?.recordText(isNull: true, at: parameter)
                return
            }
            bound?.recordText(isNull: false, at: parameter)
            if count == 0 || base == nil {
                sqlite3_bind_text(statement, parameter, "", 0, nil)
            } else {
                let text = UnsafeRawPointer(base! + start).assumingMemoryBound(to: CChar.self)
                sqlite3_bind_text(statement, parameter, text, count, nil)  // nil = SQLITE_STATIC
            }
        }
    }
}
