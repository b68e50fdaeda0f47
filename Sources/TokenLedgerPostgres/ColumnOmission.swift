/// The columns a batch's binary COPY leaves out because every row of the batch holds the column's
/// default there: the server fills them in from the table's defaults and reads fewer fields a row.
/// Which ones is learned as the rows are written: a batch leaves out the columns that held their
/// default in every row of the batch before it (`TeamLedger.omittable`), and each row written notes
/// its fields that do not (`PostgresBinaryCopy.RowWriter.differing`); a batch that had something in
/// a column it left out is written again, leaving out only what it holds no value in. An import's
/// batches come from logs of one shape, so that is rare.
///
/// Performance notes: in copies of 300,000 benchmark rows, 24 of the 43 columns held their default
/// in every row, and leaving them out took the copy's server CPU down by about 9 %
/// (`scripts/team-copy-cost.py DSN key-order omit-defaults`, docs/performance.md). Finding them from
/// the encoded rows and stripping them while sending cost tokenledger as much as the server saved,
/// and so did a pass over each batch to find them before writing it; noting them while writing costs a
/// compare a field.
struct ColumnOmission: Equatable {
    /// A column's default value, as the table declares it (a column with no default is NULL).
    enum Default: Equatable {
        case null
        case integer(Int64)
        case boolean(Bool)
        case text([UInt8])

        /// Whether a text field's value (nil: NULL) is this default.
        func matches(_ utf8: UnsafeRawBufferPointer?) -> Bool {
            switch self {
            case .null: return utf8 == nil
            case .text(let bytes): return utf8.map { $0.elementsEqual(bytes) } ?? false
            case .integer, .boolean: return false
            }
        }
    }

    /// Per field, in the row's order, the column's default; nil for a column always sent.
    let defaults: [Default?]
    /// A bit per field left out (field 0 is the lowest bit).
    let mask: UInt64

    /// Leaves out each field with a default that is not in `differing` (bits from `differing(_:_:)`).
    init(defaults: [Default?], differing: UInt64) {
        precondition(defaults.count <= 64, "a column mask holds 64 fields")
        self.defaults = defaults
        var omittable: UInt64 = 0
        for (field, value) in defaults.enumerated() where value != nil { omittable |= 1 << UInt64(field) }
        mask = omittable & ~differing
    }

    /// How many fields are left out.
    var count: Int { mask.nonzeroBitCount }

    /// The names of the fields sent, from `columns` (every field's name, in the row's order).
    func sent(_ columns: [String]) -> [String] {
        columns.enumerated().filter { mask & (1 << UInt64($0.offset)) == 0 }.map(\.element)
    }
}
