#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A search for one byte string in longer bytes (Horspool's algorithm): the byte under the needle's
/// last position says how far the needle can move — its distance from the needle's end, or the whole
/// needle length when the needle lacks it — so a 13-byte needle such as `"sessionId"` looks at about
/// one byte in ten of JSON text. A `memchr` to each occurrence of the needle's first byte instead
/// stops at every quote of a JSON line, and each stop costs a call.
struct ByteSearch: Sendable {
    private let needle: [UInt8]
    /// How far the needle moves when the byte under its last position is this one.
    private let shift: [UInt8]

    /// A search for `text`'s UTF-8 bytes (at most 255).
    init(_ text: StaticString) {
        let bytes = Array(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        var shift = [UInt8](repeating: 0, count: 256)
        shift.withUnsafeMutableBufferPointer { table in bytes.withUnsafeBytes { ByteSearch.fillShifts(table, for: $0) } }
        needle = bytes
        self.shift = shift
    }

    /// Where the needle first occurs in `haystack` at or after `from`; nil when it does not.
    func offset(in haystack: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        needle.withUnsafeBytes { needle in
            shift.withUnsafeBufferPointer { shift in ByteSearch.search(needle, in: haystack, from: from, shift: shift) }
        }
    }

    /// Where `needle` first occurs in `haystack` at or after `from`; nil when it does not (or is
    /// empty). Builds the 256-byte shift table on the stack: for a search of many KiB, not of a line.
    static func offset(of needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard needle.count >= 3, needle.count <= 255 else { return LogSupport.offset(of: needle, in: haystack, from: from) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { shift in
            fillShifts(shift, for: needle)
            return search(needle, in: haystack, from: from, shift: UnsafeBufferPointer(shift))
        }
    }

    private static func fillShifts(_ shift: UnsafeMutableBufferPointer<UInt8>, for needle: UnsafeRawBufferPointer) {
        let n = needle.count
        shift.initialize(repeating: UInt8(truncatingIfNeeded: n))
        guard n > 1 else { return }
        for k in 0..<(n - 1) { shift[Int(needle[k])] = UInt8(truncatingIfNeeded: n - 1 - k) }
    }

    private static func search(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from: Int,
                               shift: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = needle.count
        guard n >= 3, n <= 255 else { return LogSupport.offset(of: needle, in: haystack, from: from) }
        guard from >= 0, haystack.count - from >= n, let base = haystack.baseAddress, let needleBase = needle.baseAddress else {
            return nil
        }
        let last = needle[n - 1], beforeLast = needle[n - 2]
        var end = from + n - 1  // the haystack index under the needle's last byte
        while end < haystack.count {
            let c = base.load(fromByteOffset: end, as: UInt8.self)
            if c == last && base.load(fromByteOffset: end - 1, as: UInt8.self) == beforeLast
                && memcmp(base + (end - n + 1), needleBase, n - 2) == 0
            {
                return end - n + 1
            }
            end += Int(shift[Int(c)])
        }
        return nil
    }
}
