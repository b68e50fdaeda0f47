import Foundation

/// Interns the bytes of SQLite text columns into small integer ids without creating a String per row
/// (open addressing on an FNV-1a hash). Id 0 is SQL NULL.
struct TextInterner {
    private var slots = [Int32](repeating: 0, count: 64)
    private var hashes: [UInt64] = [0]
    private var bytes: [[UInt8]] = [[]]
    /// The text of each id (`strings[0]` = nil).
    private(set) var strings: [String?] = [nil]

    /// Cost: one hash of `count` bytes and usually one comparison.
    @inline(__always)
    mutating func id(_ pointer: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
        guard let pointer else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<count { hash = (hash ^ UInt64(pointer[i])) &* 0x0000_0100_0000_01b3 }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let candidate = slots[i]
            if candidate == 0 { break }
            let c = Int(candidate)
            if hashes[c] == hash && bytes[c].count == count
                && (count == 0 || bytes[c].withUnsafeBufferPointer { memcmp($0.baseAddress!, pointer, count) == 0 }) {
                return candidate
            }
            i = (i + 1) & mask
        }
        let buffer = Array(UnsafeBufferPointer(start: pointer, count: count))
        let newID = Int32(bytes.count)
        bytes.append(buffer)
        hashes.append(hash)
        strings.append(String(decoding: buffer, as: UTF8.self))
        slots[i] = newID
        if bytes.count * 2 > slots.count { grow() }
        return newID
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for id in 1..<bytes.count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }
}
