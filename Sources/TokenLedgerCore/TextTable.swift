/// A plain aligned text table for terminal output, shared by every command that prints one.
///
/// Columns are left- or right-aligned; widths count Unicode scalars with East Asian wide characters as
/// two columns (close enough for model names and numbers). Colour is applied by the caller's `Style`
/// after alignment, so escape codes never disturb widths.
package struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var title: String
        public var alignment: Alignment
        public init(_ title: String, _ alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []
    /// Indices of rows preceded by a separator line (e.g. before a totals row).
    public private(set) var separatorsBefore: Set<Int> = []

    public init(columns: [Column]) { self.columns = columns }

    public mutating func addRow(_ cells: [String]) {
        precondition(cells.count == columns.count, "row has \(cells.count) cells for \(columns.count) columns")
        rows.append(cells)
    }

    /// Adds a separator line before the next row.
    public mutating func addSeparator() { separatorsBefore.insert(rows.count) }

    /// Renders with two spaces between columns. `style` decorates header and cells after padding.
    public func render(style: Style = .plain) -> String {
        var widths = columns.map { TextTable.displayWidth($0.title) }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], TextTable.displayWidth(cell)) }
        }
        func line(_ cells: [String], header: Bool) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - TextTable.displayWidth(cell))
                var text = columns[i].alignment == .left ? cell + pad : pad + cell
                if i == cells.count - 1 && columns[i].alignment == .left {
                    text = cell // no trailing spaces
                }
                parts.append(header ? style.bold(text) : text)
            }
            return parts.joined(separator: "  ")
        }
        var out = [line(columns.map(\.title), header: true)]
        let rule = style.dim(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        out.append(rule)
        for (index, row) in rows.enumerated() {
            if separatorsBefore.contains(index) { out.append(rule) }
            out.append(line(row, header: false))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Terminal columns a string occupies; ANSI colour sequences (ESC [ … letter) occupy none, so a
    /// coloured cell lines up with plain ones.
    public static func displayWidth(_ s: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v == 0x1B { inEscape = true; continue }
            if inEscape {
                if (0x40...0x7E).contains(v) && v != 0x5B { inEscape = false }
                continue
            }
            if v < 0x20 || (0x300...0x36F).contains(v) || v == 0x200D { continue }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            width += wide ? 2 : 1
        }
        return width
    }
}

/// ANSI styling that switches itself off: `Style.plain` for pipes, files and `NO_COLOR`.
public struct Style: Sendable {
    /// True when the text gets ANSI colour and weight codes.
    public let enabled: Bool

    /// A style that colours text (`true`) or leaves it plain.
    public init(enabled: Bool) { self.enabled = enabled }

    /// No escape codes: for files, pipes and tests.
    public static let plain = Style(enabled: false)

    /// Colour on only when writing to a terminal and `NO_COLOR` is unset or empty (no-color.org).
    public static func forTerminal(isTerminal: Bool, environment: [String: String]) -> Style {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let dumb = environment["TERM"] == "dumb"
        return Style(enabled: isTerminal && !noColor && !dumb)
    }

    /// `s` in bold when enabled; cost: one string copy.
    public func bold(_ s: String) -> String { wrap(s, "1") }
    /// `s` dimmed when enabled.
    public func dim(_ s: String) -> String { wrap(s, "2") }
    /// `s` in red when enabled (over budget, errors).
    public func red(_ s: String) -> String { wrap(s, "31") }
    /// `s` in green when enabled (within budget).
    public func green(_ s: String) -> String { wrap(s, "32") }
    /// `s` in yellow when enabled (warnings, unpriced lines).
    public func yellow(_ s: String) -> String { wrap(s, "33") }

    private func wrap(_ s: String, _ code: String) -> String {
        enabled && !s.isEmpty ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}
