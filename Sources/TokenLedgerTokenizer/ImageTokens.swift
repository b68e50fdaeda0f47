import Foundation

/// How a model bills an input image, with the numbers from OpenAI's vision guide ("Calculating
/// costs"), except where bills show otherwise (gpt-5-mini, see docs/request-counting.md).
package enum ImageTokenRule: Sendable, Equatable {
    /// 512-px tiles: `base` for the low-resolution view, plus `perTile` per tile in high detail.
    case tiles(base: Int, perTile: Int)
    /// 32-px patches, at most 1536, times a per-model multiplier (in thousandths: 1620 = ×1.62).
    case patches(multiplierMilli: Int)

    /// The rule for a model, or nil when the model takes no images or is not known.
    /// Longest matching prefix wins ("gpt-4o-mini" before "gpt-4o").
    package static func forModel(_ model: String) -> ImageTokenRule? {
        table.filter { model.hasPrefix($0.prefix) }.max { $0.prefix.count < $1.prefix.count }?.rule
    }

    static let table: [(prefix: String, rule: ImageTokenRule)] = [
        ("gpt-4o-mini", .tiles(base: 2833, perTile: 5667)),
        ("gpt-4o", .tiles(base: 85, perTile: 170)),
        ("chatgpt-4o", .tiles(base: 85, perTile: 170)),
        ("gpt-4.1", .tiles(base: 85, perTile: 170)),
        ("gpt-4.5", .tiles(base: 85, perTile: 170)),
        ("gpt-4-turbo", .tiles(base: 85, perTile: 170)),
        ("gpt-5", .tiles(base: 70, perTile: 140)),
        ("o1", .tiles(base: 75, perTile: 150)),
        ("o3", .tiles(base: 75, perTile: 150)),
        ("computer-use-preview", .tiles(base: 65, perTile: 129)),
        ("gpt-4.1-mini", .patches(multiplierMilli: 1620)),
        ("gpt-4.1-nano", .patches(multiplierMilli: 2460)),
        // The guide says ×1.62; gpt-5-mini bills ×1.20 (public pairs: 342 patches billed 419 and 130 patches
        // billed 164, each with about 8 tokens of its message around it; docs/request-counting.md).
        ("gpt-5-mini", .patches(multiplierMilli: 1200)),
        ("gpt-5-nano", .patches(multiplierMilli: 2460)),
        ("o4-mini", .patches(multiplierMilli: 1720)),
    ]

    /// The `detail` of an image part.
    package enum Detail: String, Sendable {
        case low, high, auto
    }

    /// Tokens for one image of `size` (nil: unknown, counted at this rule's largest possible cost).
    /// `auto` is billed as `high`. Patch models have no low-detail mode in the documentation; `detail`
    /// does not change their count.
    package func tokens(size: ImageSize?, detail: Detail) -> Int {
        switch self {
        case .tiles(let base, let perTile):
            if detail == .low { return base }
            guard let size else { return base + perTile * 8 } // the most tiles after scaling: 2×4
            return base + perTile * ImageTokenRule.tileCount(size)
        case .patches(let milli):
            let patches = size.map(ImageTokenRule.patchCount) ?? 1536
            return (patches * milli + 999) / 1000
        }
    }

    /// 512-px tiles after fitting in 2048×2048 and scaling the shortest side down to 768.
    static func tileCount(_ size: ImageSize) -> Int {
        var w = Double(size.width), h = Double(size.height)
        if w > 2048 || h > 2048 {
            let scale = 2048 / max(w, h)
            w = (w * scale).rounded(.down)
            h = (h * scale).rounded(.down)
        }
        if min(w, h) > 768 {
            let scale = 768 / min(w, h)
            w = (w * scale).rounded(.down)
            h = (h * scale).rounded(.down)
        }
        return Int((w / 512).rounded(.up)) * Int((h / 512).rounded(.up))
    }

    /// 32-px patches covering the image; above 1536, the image is scaled down to fit (the guide's
    /// two-step shrink), then capped at 1536.
    static func patchCount(_ size: ImageSize) -> Int {
        let w = Double(size.width), h = Double(size.height)
        let raw = Int((w / 32).rounded(.up)) * Int((h / 32).rounded(.up))
        if raw <= 1536 { return raw }
        let shrink = (32 * 32 * 1536 / (w * h)).squareRoot()
        let pw = w * shrink / 32, ph = h * shrink / 32
        let fit = min(pw.rounded(.down) / pw, ph.rounded(.down) / ph)
        let fw = pw * fit, fh = ph * fit
        // Tolerance: the limiting side lands on a whole number of patches up to rounding error.
        let patches = Int((fw - 1e-9).rounded(.up)) * Int((fh - 1e-9).rounded(.up))
        return min(patches, 1536)
    }
}
