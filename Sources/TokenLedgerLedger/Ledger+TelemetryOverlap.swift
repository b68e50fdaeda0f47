import GRDB

/// Requests a coding agent's OpenTelemetry events and its own session files both describe.
package struct TelemetryOverlap: Sendable, Hashable {
    /// The session-file format the events duplicate ("claude-code", "codex", "gemini-cli", "qwen-code").
    public var source: String
    /// Sessions with at least one request found in both.
    public var sessions: Int
    /// Telemetry records that repeat a session-file record.
    public var requests: Int

    public init(source: String, sessions: Int, requests: Int) {
        self.source = source
        self.sessions = sessions
        self.requests = requests
    }
}

extension Ledger {
    /// The session-file formats whose requests a tool's telemetry (`otel` records) also reports.
    package static let telemetryAgentSources = ["claude-code", "codex", "gemini-cli", "qwen-code"]

    /// Telemetry records (`source = 'otel'`) that repeat a request already read from the same tool's
    /// session files. The two carry no common request key, so a request is matched by what both
    /// write: the session id, the model and every token bucket (uncached input, cache read, cache
    /// write, output). Cost: one scan for telemetry records; when there are some, one join over the
    /// period's records by session (SQLite builds a transient index for it).
    package func telemetryOverlap() throws -> [TelemetryOverlap] {
        try reader.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM usage_record WHERE source = 'otel' AND session_id IS NOT NULL)") == true else {
                return []
            }
            let agents = Ledger.telemetryAgentSources.map { "'\($0)'" }.joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.source, COUNT(DISTINCT o.session_id), COUNT(DISTINCT o.id)
                FROM usage_record AS o JOIN usage_record AS s
                  ON s.session_id = o.session_id AND s.source IN (\(agents)) AND s.model = o.model
                 AND s.input_tokens = o.input_tokens AND s.output_tokens = o.output_tokens
                 AND s.cache_read_tokens = o.cache_read_tokens
                 AND s.cache_write_5m_tokens + s.cache_write_1h_tokens = o.cache_write_5m_tokens + o.cache_write_1h_tokens
                WHERE o.source = 'otel' AND o.session_id IS NOT NULL
                GROUP BY s.source ORDER BY s.source
                """)
            return rows.map { TelemetryOverlap(source: $0[0], sessions: $0[1], requests: $0[2]) }
        }
    }
}
