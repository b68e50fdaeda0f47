import Testing
import TokenLedgerCore

@Suite("SHA-256 matches the FIPS 180-4 test vectors")
struct SHA256Tests {
    @Test("empty, 'abc' and the two-block vector")
    func knownVectors() {
        #expect(SHA256.hexDigest(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("a million 'a's (many blocks, fed in pieces)")
    func millionA() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(SHA256.hex(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("short hashes are stable prefixes and never the secret")
    func shortHash() {
        let label = SHA256.shortHash(of: "sk-test-123")
        #expect(label.count == 12)
        #expect(label == String(SHA256.hexDigest(of: "sk-test-123").prefix(12)))
        #expect(!label.contains("sk-"))
    }
}

@Suite("SHA-256 over contiguous bytes")
struct SHA256ContiguousTests {
    @Test("block-at-a-time hashing of arrays and slices equals byte-at-a-time hashing, however the input is split")
    func contiguousEqualsSequential() {
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let sequential = SHA256.hash(bytes.lazy.map { $0 })          // not contiguous: the byte loop
        #expect(SHA256.hash(bytes) == sequential)
        #expect(SHA256.hash(bytes[...]) == sequential)
        for split in [1, 63, 64, 65, 4096] {
            var h = SHA256()
            h.update(bytes[..<split])
            h.update(bytes[split...].lazy.map { $0 })
            #expect(h.finalize() == sequential, "split at \(split)")
        }
        // FIPS 180-4 two-block message.
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
