import Foundation

/// Byte buffers of COPY rows kept from one batch for the next, so a batch's rows are written into
/// memory the process already has.
///
/// Performance notes: a batch's rows are about 2 MB; a buffer that size is mapped afresh by the
/// allocator each time and every one of its pages faults on first write. With three such buffers a
/// batch (the rows, a copy with the trailer, the rows in key order) the PostgreSQL import of 300,000
/// records took 163,000 page faults and 0.38–0.47 s of system CPU; with the rows' buffer kept and the
/// other two gone (`RecordRows.sendKeyOrdered`), 9,900 and 0.10–0.11 s (`/usr/bin/time` of `tokenledger
/// import --db postgres://…`, three alternating runs each; docs/performance.md "Team ledger"). Memory:
/// at most `limit` buffers of at most `largest` bytes each, freed with the pool.
final class CopyBufferPool: @unchecked Sendable {
    // `@unchecked`: `free` is only touched under `lock`.
    private let lock = NSLock()
    private var free: [[UInt8]] = []
    private let limit: Int
    private let largest: Int

    init(limit: Int = 6, largest: Int = 8 << 20) {
        self.limit = limit
        self.largest = largest
    }

    /// A kept buffer (to be emptied by its taker: `PostgresBinaryCopy(reusing:)`), or an empty one.
    func take() -> [UInt8] {
        lock.withLock { free.popLast() } ?? []
    }

    /// Keeps `buffer` for a later `take` (dropped when the pool is full or the buffer is larger than
    /// the pool keeps). The caller may still hold it: its room is reused only if nothing holds it when taken.
    func give(_ buffer: [UInt8]) {
        guard buffer.capacity <= largest else { return }
        lock.withLock {
            if free.count < limit { free.append(buffer) }
        }
    }
}
