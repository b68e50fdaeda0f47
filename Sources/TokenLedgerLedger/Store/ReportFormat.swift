/// The output formats of `tokenledger report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, csv, json, markdown, html, prometheus

    /// Parses `--format` (also accepts "md").
    public init(parsing text: String) throws(ReportError) {
        let key = text.lowercased()
        if key == "md" { self = .markdown; return }
        guard let format = ReportFormat(rawValue: key) else { throw .unknownFormat(text) }
        self = format
    }
}
