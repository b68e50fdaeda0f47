/// A small deterministic generator of 64-bit values (SplitMix64): the same seed gives the same
/// sequence on every machine, so a test's random inputs repeat when it fails. Not for secrets.
package struct SplitMix64 {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    /// The next value. Cost: a few multiplications and shifts.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
