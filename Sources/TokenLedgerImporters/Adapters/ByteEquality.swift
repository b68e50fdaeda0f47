#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeRawBufferPointer {
    /// Byte equality with an ASCII literal, without allocating; an empty buffer (whose base address
    /// may be nil) equals only the empty literal. Inlined: the readers' key comparisons then test the
    /// length against a constant and compare a constant number of bytes.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard count == n, let base = baseAddress else { return n == 0 && count == 0 }
        return memcmp(base, literal.utf8Start, n) == 0
    }

    /// Byte equality with other bytes. Inlined: the compiler stopped inlining it once it left the
    /// scanner's file, and the call cost the Claude Code reader about 100 instructions a usage line.
    @inline(__always)
    func sameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        guard let a = baseAddress, let b = other.baseAddress else { return true }
        return memcmp(a, b, count) == 0
    }
}
