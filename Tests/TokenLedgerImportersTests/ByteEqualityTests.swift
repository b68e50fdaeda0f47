import Testing
@testable import TokenLedgerImporters

/// The key comparisons the line readers make on raw bytes (`equals(_:)`, `sameBytes(as:)`).
@Suite("byte equality of raw buffers")
struct ByteEqualityTests {
    /// `body` with `text`'s bytes as a buffer (never an empty one: those are made by hand below).
    static func bytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test("a key equals its literal, and not one a byte longer, shorter or different at any place")
    func literal() {
        #expect(Self.bytes("service_tier") { $0.equals("service_tier") })
        #expect(Self.bytes("id") { $0.equals("id") })
        #expect(!Self.bytes("service_tier") { $0.equals("service_tiers") })
        #expect(!Self.bytes("service_tier") { $0.equals("service_tie") })
        #expect(!Self.bytes("service_tier") { $0.equals("Service_tier") })
        #expect(!Self.bytes("service_tier") { $0.equals("service-tier") })
        #expect(!Self.bytes("service_tier") { $0.equals("service_tiex") })
        #expect(!Self.bytes("id") { $0.equals("") })
    }

    @Test("an empty buffer equals only the empty literal, with or without a base address")
    func empty() {
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(none.equals(""))
        #expect(!none.equals("a"))
        Self.bytes("id") { line in
            let atEnd = UnsafeRawBufferPointer(rebasing: line[2..<2])
            #expect(atEnd.baseAddress != nil)
            #expect(atEnd.equals(""))
            #expect(!atEnd.equals("d"))
        }
    }

    @Test("bytes equal the same bytes elsewhere, and not a prefix or a changed byte; empty equals empty")
    func sameBytes() {
        Self.bytes("gpt-4o-mini") { a in
            Self.bytes("gpt-4o-mini") { b in #expect(a.sameBytes(as: b)) }
            Self.bytes("gpt-4o-min") { b in #expect(!a.sameBytes(as: b)) }
            Self.bytes("gpt-4o-mina") { b in #expect(!a.sameBytes(as: b)) }
            #expect(UnsafeRawBufferPointer(rebasing: a[0..<0]).sameBytes(as: UnsafeRawBufferPointer(start: nil, count: 0)))
        }
    }
}
