import GRDB

/// The ledger's schema as named migrations. A shipped migration is NEVER edited: add a new one.
///
/// Readable by other tools (sqlite3, Datasette): one table per concept, plain column names, token
/// counts as integers, money as integer picodollars (`*_pusd`, 10⁻¹² USD; exact, no floats) and, in the
/// `priced_usage` view, as exact decimal text.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-usage-ledger") { db in
            // One row per billed request (or per aggregated bucket from a usage/cost export).
            // Token columns follow the canonical rule on `UsageRecord` (input = uncached; output
            // includes reasoning; audio/image are subsets).
            try db.execute(sql: """
                CREATE TABLE usage_record (
                    id INTEGER PRIMARY KEY,
                    dedup_key TEXT NOT NULL UNIQUE,        -- importer's natural key; re-imports collide here
                    supersede_rank INTEGER NOT NULL DEFAULT 0, -- a later line with a higher rank replaces this row
                    ts INTEGER NOT NULL,                   -- request time, Unix milliseconds UTC
                    provider TEXT NOT NULL,
                    model TEXT NOT NULL,                   -- model name as logged
                    model_id TEXT,                         -- resolved canonical id; NULL when unresolved
                    effort TEXT NOT NULL DEFAULT 'unknown',
                    service_tier TEXT,
                    is_batch INTEGER NOT NULL DEFAULT 0,
                    channel TEXT,
                    input_tokens INTEGER NOT NULL DEFAULT 0,
                    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
                    cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
                    cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
                    output_tokens INTEGER NOT NULL DEFAULT 0,
                    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
                    audio_input_tokens INTEGER NOT NULL DEFAULT 0,
                    audio_output_tokens INTEGER NOT NULL DEFAULT 0,
                    image_input_tokens INTEGER NOT NULL DEFAULT 0,
                    image_output_tokens INTEGER NOT NULL DEFAULT 0,
                    web_search_calls INTEGER NOT NULL DEFAULT 0,
                    images_generated INTEGER NOT NULL DEFAULT 0,
                    request_count INTEGER NOT NULL DEFAULT 1,
                    is_aggregate INTEGER NOT NULL DEFAULT 0, -- usage/cost export bucket, kept apart from per-request rows
                    cost_pusd INTEGER,                     -- computed cost, picodollars; NULL = unpriced (never 0 for unknown)
                    unpriced_reason TEXT,
                    price_period TEXT,                     -- start date of the price period used
                    price_layers TEXT,                     -- layers that set the prices, e.g. 'terms:acme,bundled:openai'
                    reported_cost_pusd INTEGER,            -- the log's own cost figure, when it had one
                    source TEXT NOT NULL,                  -- log format ('claude-code', 'openai-batch', ...)
                    source_file TEXT,
                    source_line INTEGER,
                    project TEXT,
                    session_id TEXT,
                    request_id TEXT,
                    api_key_hash TEXT,                     -- SHA-256 prefix; never the key
                    tags TEXT,                             -- JSON object of tag key → value, or NULL
                    imported_at INTEGER NOT NULL           -- Unix milliseconds
                )
                """)
            try db.execute(sql: "CREATE INDEX usage_record_by_time ON usage_record(ts)")
            try db.execute(sql: "CREATE INDEX usage_record_by_model_time ON usage_record(model_id, ts)")

            // How far each log file has been read, so a re-import reads only new bytes.
            try db.execute(sql: """
                CREATE TABLE import_file (
                    path TEXT PRIMARY KEY,                 -- absolute, standardized path
                    format TEXT NOT NULL,
                    device INTEGER,
                    inode INTEGER,
                    size INTEGER NOT NULL,                 -- size when last read
                    mtime_ns INTEGER NOT NULL,             -- modification time when last read
                    head_sha TEXT,                         -- SHA-256 of the first bytes: detects a replaced file
                    offset INTEGER NOT NULL DEFAULT 0,     -- bytes consumed (complete lines only)
                    line INTEGER NOT NULL DEFAULT 0,       -- lines consumed
                    state TEXT,                            -- adapter state as JSON (e.g. Codex running totals)
                    updated_at INTEGER NOT NULL
                )
                """)

            // Lines that could not be read. Never the line's text (it may hold a prompt): its place,
            // length and fingerprint, so `tokenledger import --quarantine` can show it from the file.
            try db.execute(sql: """
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY,
                    source_file TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    byte_offset INTEGER,
                    byte_length INTEGER,
                    format TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    line_sha TEXT NOT NULL,
                    first_seen INTEGER NOT NULL,           -- Unix milliseconds
                    UNIQUE (source_file, line, line_sha)
                )
                """)

            // Budget alerts already sent, so cron runs speak once per threshold and period.
            try db.execute(sql: """
                CREATE TABLE alert_state (
                    budget TEXT NOT NULL,
                    period_start TEXT NOT NULL,            -- e.g. '2026-11-01' in the budget's zone
                    kind TEXT NOT NULL,                    -- 'threshold:80', 'forecast', ...
                    fired_at INTEGER NOT NULL,             -- Unix milliseconds
                    delivered_at INTEGER,                  -- NULL until an action succeeded (retried next run)
                    last_error TEXT,
                    PRIMARY KEY (budget, period_start, kind)
                )
                """)

            // Priced records with their cost as exact decimal text and their time as ISO 8601, for
            // people and other tools (`sqlite3 ledger.sqlite 'select * from priced_usage limit 5'`).
            try db.execute(sql: """
                CREATE VIEW priced_usage AS
                SELECT id,
                       strftime('%Y-%m-%dT%H:%M:%fZ', ts / 1000.0, 'unixepoch') AS timestamp,
                       provider, model, model_id, effort, service_tier, is_batch, channel,
                       input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                       output_tokens, reasoning_tokens, web_search_calls, request_count, is_aggregate,
                       CASE WHEN cost_pusd IS NULL THEN NULL
                            ELSE (cost_pusd / 1000000000000) || '.' || substr('000000000000' || (cost_pusd % 1000000000000), -12)
                       END AS cost_usd,
                       unpriced_reason, price_period, price_layers,
                       CASE WHEN reported_cost_pusd IS NULL THEN NULL
                            ELSE (reported_cost_pusd / 1000000000000) || '.' || substr('000000000000' || (reported_cost_pusd % 1000000000000), -12)
                       END AS reported_cost_usd,
                       source, source_file, source_line, project, session_id, tags
                FROM usage_record
                """)
        }
        // New migrations go below, each with a new name. Never edit one above.
        migrator.registerMigration("v2-report-indexes") { db in
            // Reports decide per provider whether aggregate rows (usage/cost exports) or per-request
            // rows count; this index answers "does provider P have aggregate / per-request rows in
            // [since, until)?" without scanning the period.
            try db.execute(sql: "CREATE INDEX usage_record_by_kind_provider_time ON usage_record(is_aggregate, provider, ts)")
        }
        return migrator
    }
}
