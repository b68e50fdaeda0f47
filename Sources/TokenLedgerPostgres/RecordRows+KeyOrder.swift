import Foundation

/// A batch's COPY rows sent in dedup-key order (migration v11): the straight COPY into `usage_record`
/// updates the `dedup_key` index along its keys, one leaf after the next, where rows in log order
/// put each key somewhere else in it. The rows keep their place in the stored order: each gets an
/// `id` reserved for it in the batch's own order (`TeamLedger.reserveIDs`), so `ORDER BY id` reads
/// them as the log had them, as when the server numbered them while copying.
///
/// Performance notes: in copies of 300,000 benchmark rows (`scripts/team-copy-cost.py`), the
/// `dedup_key` index was about a third of the server's CPU for a batch (random keys: every insert a
/// descent to a cold leaf); copying in key order with the ids sent and no index on `id` took it down
/// by a fifth (docs/performance.md, "Team ledger"). Sorting costs the client a prefix compare per step:
/// the keys' shared prefix is skipped and the next 8 bytes compared as one integer.
extension RecordRows {
    /// `data` (these rows' COPY data, with or without its trailer; rows end at `ends`) as COPY rows
    /// into `id` then `TeamLedger.recordColumns`, ordered by dedup key as bytes (the order of the
    /// index under the "C" collation), row `i` of `data` with id `ids[i]`: the whole COPY input,
    /// header to trailer, handed to `send` in parts of at most 64 KiB (a row longer than that goes
    /// alone). Cost: one sort of the rows by key and one copy of their bytes through a 64 KiB buffer.
    /// `fields`: each row's field count with its id (the rows' own and one).
    static func sendKeyOrdered(_ data: [UInt8], ends: [Int], ids: [Int64], fields: Int = TeamLedger.recordColumns.count + 1,
                               to send: (UnsafeRawBufferPointer) -> Void) {
        precondition(ids.count == ends.count, "one id a row")
        let order = keyOrder(data, ends: ends)
        let capacity = 64 * 1024
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { chunk.deallocate() }
        var used = 0
        func flush() {
            if used > 0 { send(UnsafeRawBufferPointer(start: chunk, count: used)) }
            used = 0
        }
        data.withUnsafeBytes { base in
            func put(_ bytes: UnsafeRawBufferPointer) {
                if used + bytes.count > capacity { flush() }
                if bytes.count > capacity { return send(bytes) }
                (chunk + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                used += bytes.count
            }
            put(UnsafeRawBufferPointer(rebasing: base[0..<PostgresBinaryCopy.headerCount]))
            for index in order {
                // A row: its field count, the id's length and value, then the row's own fields.
                var head = (UInt16(fields).bigEndian, UInt32(8).bigEndian, UInt64(bitPattern: ids[index]).bigEndian)
                withUnsafeBytes(of: &head.0) { put($0) }
                withUnsafeBytes(of: &head.1) { put($0) }
                withUnsafeBytes(of: &head.2) { put($0) }
                let bytes = row(index, of: data, ends: ends)
                put(UnsafeRawBufferPointer(rebasing: base[(bytes.lowerBound + 2)..<bytes.upperBound]))
            }
            PostgresBinaryCopy.trailer.withUnsafeBytes { put($0) }
        }
        flush()
    }

    /// `sendKeyOrdered` as one array (tests).
    static func keyOrdered(_ data: [UInt8], ends: [Int], ids: [Int64]) -> [UInt8] {
        var all: [UInt8] = []
        sendKeyOrdered(data, ends: ends, ids: ids) { all.append(contentsOf: $0) }
        return all
    }

    /// The rows' indexes in their dedup keys' order (bytes compared, shorter first on a tie).
    private static func keyOrder(_ data: [UInt8], ends: [Int]) -> [Int] {
        data.withUnsafeBufferPointer { buffer -> [Int] in
            let base = buffer.baseAddress!
            // Each row's key: its first field, after the field count (2 bytes) and length (4 bytes).
            var keys: [(start: Int, count: Int)] = []
            keys.reserveCapacity(ends.count)
            for index in ends.indices {
                let start = row(index, of: data, ends: ends).lowerBound + 2
                let count = Int(base[start]) << 24 | Int(base[start + 1]) << 16 | Int(base[start + 2]) << 8 | Int(base[start + 3])
                keys.append((start + 4, count))
            }
            let shared = sharedPrefix(keys, base)
            func prefix(_ key: (start: Int, count: Int)) -> UInt64 {
                var value: UInt64 = 0
                for offset in shared..<(shared + 8) {
                    value = value << 8 | UInt64(offset < key.count ? base[key.start + offset] : 0)
                }
                return value
            }
            var order = keys.indices.map { (prefix: prefix(keys[$0]), row: $0) }
            order.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                let x = keys[a.row], y = keys[b.row]
                let common = min(x.count, y.count)
                let compared = memcmp(base + x.start, base + y.start, common)
                return compared != 0 ? compared < 0 : x.count < y.count
            }
            return order.map(\.row)
        }
    }

    /// How many leading bytes every key has in common.
    private static func sharedPrefix(_ keys: [(start: Int, count: Int)], _ base: UnsafePointer<UInt8>) -> Int {
        guard let first = keys.first else { return 0 }
        var shared = first.count
        for key in keys.dropFirst() {
            var n = 0
            let limit = min(shared, key.count)
            while n < limit, base[first.start + n] == base[key.start + n] { n += 1 }
            shared = n
            if shared == 0 { break }
        }
        return shared
    }
}
