import Foundation

/// The pixel size of an image, read from the first bytes of a PNG, JPEG, GIF or WebP file.
public struct ImageSize: Sendable, Hashable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// An image of `width` × `height` pixels.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)x\(height)" }

    /// Parses "1024x768".
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
        self.init(width: w, height: h)
    }

    /// The size from an image file's header, or nil if it is not a PNG, JPEG, GIF or WebP we can read.
    /// Cost: reads at most the bytes up to the JPEG frame header; no decoding of pixels.
    public init?(imageBytes b: [UInt8]) {
        func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        func le16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func le24(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }
        func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }
        let ascii = { (i: Int, s: String) -> Bool in
            let t = Array(s.utf8)
            return b.count >= i + t.count && Array(b[i..<(i + t.count)]) == t
        }
        var size: (Int, Int)?
        if b.count >= 24, b[0] == 0x89, ascii(1, "PNG"), ascii(12, "IHDR") {
            size = (be32(16), be32(20))
        } else if b.count >= 10, ascii(0, "GIF87a") || ascii(0, "GIF89a") {
            size = (le16(6), le16(8))
        } else if b.count >= 30, ascii(0, "RIFF"), ascii(8, "WEBP") {
            if ascii(12, "VP8 ") {
                size = (le16(26) & 0x3FFF, le16(28) & 0x3FFF)
            } else if ascii(12, "VP8L"), b.count >= 25 {
                let bits = Int(b[21]) | Int(b[22]) << 8 | Int(b[23]) << 16 | Int(b[24]) << 24
                size = (1 + bits & 0x3FFF, 1 + (bits >> 14) & 0x3FFF)
            } else if ascii(12, "VP8X") {
                size = (1 + le24(24), 1 + le24(27))
            }
        } else if b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 {
            var i = 2
            while i + 9 < b.count {
                guard b[i] == 0xFF else { break }
                let marker = b[i + 1]
                if marker == 0xFF { i += 1; continue }
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
                // Start-of-frame markers (not DHT C4, JPG C8, DAC CC) carry height then width.
                if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                    size = (be16(i + 7), be16(i + 5))
                    break
                }
                i += 2 + be16(i + 2)
            }
        }
        guard let (w, h) = size, w > 0, h > 0 else { return nil }
        self.init(width: w, height: h)
    }

    /// The size of the image in a `data:image/...;base64,` URL, or nil.
    public init?(dataURL: String) {
        guard dataURL.hasPrefix("data:"), let comma = dataURL.firstIndex(of: ","),
              dataURL[..<comma].hasSuffix(";base64"),
              let data = Data(base64Encoded: String(dataURL[dataURL.index(after: comma)...]), options: .ignoreUnknownCharacters)
        else { return nil }
        self.init(imageBytes: [UInt8](data))
    }
}
