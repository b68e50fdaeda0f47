import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerTokenizer

@Suite("Image sizes from file headers and image token formulas")
struct ImageTokenTests {
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        var b: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        for v in [width, height] { b += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return b + [8, 6, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]
    }

    @Test("PNG, GIF, JPEG and WebP headers give width and height")
    func headers() {
        #expect(ImageSize(imageBytes: Self.png(width: 1800, height: 2400)) == ImageSize(width: 1800, height: 2400))
        // GIF89a 640x480 (little-endian 0x0280, 0x01E0).
        #expect(ImageSize(imageBytes: Array("GIF89a".utf8) + [0x80, 0x02, 0xE0, 0x01, 0xF7, 0, 0]) == ImageSize(width: 640, height: 480))
        // JPEG: SOI, an APP0 segment of 16 bytes, then SOF0 with height 0x0300 = 768 and width 0x0400 = 1024.
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
            + [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x03, 0x00, 0x04, 0x00, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
        #expect(ImageSize(imageBytes: jpeg) == ImageSize(width: 1024, height: 768))
        // WebP VP8X: canvas 2000x1000 stored minus one, 24-bit little-endian.
        let vp8x: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0, 0, 0, 0, 0]
            + [0xCF, 0x07, 0x00, 0xE7, 0x03, 0x00]
        #expect(ImageSize(imageBytes: vp8x) == ImageSize(width: 2000, height: 1000))
        // WebP VP8L: 14-bit width-1 and height-1 packed after the 0x2F signature: 100x50.
        let bits: UInt32 = 99 | 49 << 14
        let vp8l: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8L".utf8) + [0, 0, 0, 0, 0x2F]
            + [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)] + [0, 0, 0, 0, 0]
        #expect(ImageSize(imageBytes: vp8l) == ImageSize(width: 100, height: 50))
        #expect(ImageSize(imageBytes: Array("not an image at all, no".utf8)) == nil)
        #expect(ImageSize(dataURL: "data:image/png;base64," + Data(Self.png(width: 3, height: 2)).base64EncodedString()) == ImageSize(width: 3, height: 2))
    }

    @Test("tile formula: the vision guide's worked examples")
    func tiles() {
        let rule = ImageTokenRule.forModel("gpt-4o-2024-08-06")
        #expect(rule == .tiles(base: 85, perTile: 170))
        #expect(rule?.tokens(size: ImageSize(width: 1024, height: 1024), detail: .high) == 765)   // 768x768: 4 tiles
        #expect(rule?.tokens(size: ImageSize(width: 2048, height: 4096), detail: .high) == 1105)  // 768x1536: 6 tiles
        #expect(rule?.tokens(size: ImageSize(width: 4096, height: 8192), detail: .low) == 85)
        #expect(rule?.tokens(size: ImageSize(width: 500, height: 500), detail: .auto) == 255)
        #expect(ImageTokenRule.forModel("gpt-4o-mini")?.tokens(size: ImageSize(width: 1024, height: 1024), detail: .high) == 2833 + 4 * 5667)
        #expect(ImageTokenRule.forModel("o3") == .tiles(base: 75, perTile: 150))
    }

    @Test("patch formula: 1024x1024 is 1024 patches; 1800x2400 shrinks to 1452; multipliers round up")
    func patches() {
        #expect(ImageTokenRule.patchCount(ImageSize(width: 1024, height: 1024)) == 1024)
        #expect(ImageTokenRule.patchCount(ImageSize(width: 1800, height: 2400)) == 1452)
        #expect(ImageTokenRule.forModel("gpt-4.1-mini")?.tokens(size: ImageSize(width: 1024, height: 1024), detail: .high) == 1659) // 1024 × 1.62 = 1658.88
        // gpt-5-mini bills ×1.20, not the guide's ×1.62 (docs/request-counting.md): 1024 × 1.2 = 1228.8.
        #expect(ImageTokenRule.forModel("gpt-5-mini")?.tokens(size: ImageSize(width: 1024, height: 1024), detail: .high) == 1229)
        #expect(ImageTokenRule.forModel("gpt-4.1-nano-2025-04-14")?.tokens(size: ImageSize(width: 1024, height: 1024), detail: .low) == 2520) // × 2.46 = 2519.04
        #expect(ImageTokenRule.forModel("o4-mini")?.tokens(size: ImageSize(width: 1800, height: 2400), detail: .high) == 2498) // 1452 × 1.72 = 2497.44
    }

    @Test("images in a request: data URLs are measured, remote URLs need a size or count at the upper bound")
    func imagesInRequest() throws {
        let dataURL = "data:image/png;base64," + Data(Self.png(width: 1024, height: 1024)).base64EncodedString()
        let request: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": [
            ["type": "text", "text": "hello world"],
            ["type": "image_url", "image_url": ["url": .string(dataURL), "detail": "high"]],
            ["type": "image_url", "image_url": ["url": "https://example.com/cat.jpg"]],
        ]]]]
        let unsized = try ChatTokenCounter.count(request: request)
        #expect(unsized.images == 765 + 1445)
        #expect(unsized.imageCount == 2 && unsized.imagesAtUpperBound == 1)
        #expect(unsized.messages == 3 + 1 + 2 + 3)
        let sized = try ChatTokenCounter.count(request: request, imageSizes: ["https://example.com/cat.jpg": ImageSize(width: 500, height: 500)])
        #expect(sized.images == 765 + 255)
        #expect(sized.imagesAtUpperBound == 0 && sized.notes.isEmpty)
    }
}
