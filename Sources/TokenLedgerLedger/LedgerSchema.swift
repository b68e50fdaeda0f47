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
            try db.execute(sql: LedgerSchema.pricedUsageView(sourceFile: "source_file"))
        }
        // New migrations go below, each with a new name. Never edit one above.
        migrator.registerMigration("v2-report-indexes") { db in
            // Reports decide per provider whether aggregate rows (usage/cost exports) or per-request
            // rows count; this index answers "does provider P have aggregate / per-request rows in
            // [since, until)?" without scanning the period.
            try db.execute(sql: "CREATE INDEX usage_record_by_kind_provider_time ON usage_record(is_aggregate, provider, ts)")

            // A summary index kept by triggers: usage summed per UTC hour × provider × model × effort ×
            // kind, so a year's report by month reads ~10⁵ rows instead of millions. Hours suit every zone
            // whose offsets are whole hours; reports fall back to usage_record otherwise (and for other keys
            // and filters). Money is summed split into whole microdollars and the picodollar remainder, so
            // no SQL integer sum can overflow (SQLite would silently turn `+` overflow into a float).
            try db.execute(sql: """
                CREATE TABLE report_rollup (
                    hour INTEGER NOT NULL,                 -- ts / 3600000: the UTC hour
                    provider TEXT NOT NULL,
                    model_key TEXT NOT NULL,               -- model_id, or the model as logged when unresolved
                    resolved INTEGER NOT NULL,             -- 1 when model_id was set
                    effort TEXT NOT NULL,
                    is_aggregate INTEGER NOT NULL,
                    \(LedgerSchema.rollupSums.map { "\($0.column) INTEGER NOT NULL DEFAULT 0" }.joined(separator: ",\n")),
                    PRIMARY KEY (hour, provider, model_key, resolved, effort, is_aggregate)
                ) WITHOUT ROWID
                """)
            try db.execute(sql: """
                INSERT INTO report_rollup (hour, provider, model_key, resolved, effort, is_aggregate, \(LedgerSchema.rollupSums.map(\.column).joined(separator: ", ")))
                SELECT \(LedgerSchema.rollupKeys(row: "R").joined(separator: ", ")), \(LedgerSchema.rollupSums.map { "SUM(\($0.value("R")))" }.joined(separator: ", "))
                FROM usage_record AS R GROUP BY 1, 2, 3, 4, 5, 6
                """)
            // Bulk inserts (`Ledger.insert`) switch the per-row insert trigger off inside their own
            // transaction and add the whole batch with one upsert per rollup row (`rollupAddSQL`); other
            // writers (sqlite3, tests, future code) keep the trigger. The switch is a row in the
            // database, not a connection setting, so it commits or rolls back with the batch.
            try db.execute(sql: "CREATE TABLE report_rollup_control (deferred INTEGER NOT NULL)")
            try db.execute(sql: "INSERT INTO report_rollup_control (deferred) VALUES (0)")
            try LedgerSchema.createRollupTriggers(db)
        }
        migrator.registerMigration("v3-dedup-hash") { db in
            // Re-imports collide on a 64-bit hash of the dedup key (`DedupSlot`) instead of the key
            // text: the text index of v1 (30–60 random characters per key) made a first import of a
            // million records slow (every insert lands on a random page of a large index). The key
            // stays in its column, unindexed. SQLite cannot drop a column's UNIQUE constraint, so the
            // table is rebuilt: same ids and columns, plus dedup_hash, and source_file becomes
            // source_file_id into log_file; then the indexes and rollup triggers are created again as
            // v1 and v2 made them, and priced_usage with source_file read from log_file.
            // report_rollup is untouched (the rows are the same).
            let hash = DatabaseFunction("tokenledger_dedup_hash", argumentCount: 1, pure: true) { values in
                String.fromDatabaseValue(values[0]).map(DedupSlot.hash)
            }
            db.add(function: hash)
            defer { db.remove(function: hash) }
            try db.execute(sql: "DROP VIEW priced_usage")
            for trigger in ["usage_record_rollup_insert", "usage_record_rollup_delete", "usage_record_rollup_update"] {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: LedgerSchema.usageRecordTable(named: "usage_record_v3"))
            // Each log file's path once, referenced by id (a path is 50–150 bytes; on every row it made
            // the table a third larger and imports ~10 % slower).
            try db.execute(sql: """
                CREATE TABLE log_file (
                    id INTEGER PRIMARY KEY,
                    path TEXT NOT NULL UNIQUE              -- absolute path of a log file records were read from
                )
                """)
            try db.execute(sql: "INSERT INTO log_file (path) SELECT DISTINCT source_file FROM usage_record WHERE source_file IS NOT NULL ORDER BY source_file")
            let columns = LedgerSchema.usageRecordColumns
            try db.execute(sql: """
                INSERT INTO usage_record_v3 (id, dedup_hash, source_file_id, \(columns.joined(separator: ", ")))
                SELECT u.id, tokenledger_dedup_hash(u.dedup_key), f.id, \(columns.map { "u.\($0)" }.joined(separator: ", "))
                FROM usage_record AS u LEFT JOIN log_file AS f ON f.path = u.source_file ORDER BY u.id
                """)
            try db.execute(sql: "DROP TABLE usage_record")
            try db.execute(sql: "ALTER TABLE usage_record_v3 RENAME TO usage_record")
            let uniqueIndex = "CREATE UNIQUE INDEX usage_record_by_dedup_hash ON usage_record(dedup_hash)"
            do {
                try db.execute(sql: uniqueIndex)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // Two stored keys with one hash (never seen in practice): later ids move to the next free slot.
                try LedgerSchema.separateCollidingHashes(db)
                try db.execute(sql: uniqueIndex)
            }
            try db.execute(sql: "CREATE INDEX usage_record_by_time ON usage_record(ts)")
            try db.execute(sql: "CREATE INDEX usage_record_by_model_time ON usage_record(model_id, ts)")
            try db.execute(sql: "CREATE INDEX usage_record_by_kind_provider_time ON usage_record(is_aggregate, provider, ts)")
            try LedgerSchema.createRollupTriggers(db)
            try db.execute(sql: LedgerSchema.pricedUsageView(sourceFile: "(SELECT path FROM log_file WHERE log_file.id = source_file_id) AS source_file"))
        }
        migrator.registerMigration("v4-unit-quantities") { db in
            // The quantities models billed by a unit other than tokens bill by (whisper-1: seconds of
            // audio; tts-1: characters), so reprice can price such a record again.
            try db.execute(sql: "ALTER TABLE usage_record ADD COLUMN audio_seconds INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE usage_record ADD COLUMN characters INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v5-repository-branch") { db in
            // Where the money went in the code: the repository (remote without credentials, or the
            // working folder's name) and the git branch a coding agent's request was made from.
            try db.execute(sql: "ALTER TABLE usage_record ADD COLUMN repository TEXT")
            try db.execute(sql: "ALTER TABLE usage_record ADD COLUMN branch TEXT")
        }
        migrator.registerMigration("v7-report-rollup-day") { db in
            // The report rollup's day tier (LedgerSchema+DayRollup): UTC days × the keys finance reports group by.
            try LedgerSchema.createDayRollup(db)
        }
        migrator.registerMigration("v8-kind-index-on-day-tier") { db in
            // "Has provider P export (aggregate) rows / per-request rows in the period?" is answered
            // from the tiers (`TierCover`): whole days from this index of the day tier, which gains a
            // row per new day × key rather than per record, the cut days' hours from the hourly
            // rollup and the sub-hour ends from the records' ts index. The records' own
            // (is_aggregate, provider, ts) index cost every import about a tenth of its writer's CPU.
            try db.execute(sql: "CREATE INDEX report_rollup_day_by_kind_provider ON report_rollup_day(is_aggregate, provider, day)")
            try db.execute(sql: "DROP INDEX usage_record_by_kind_provider_time")
        }
        migrator.registerMigration("v9-model-index-dropped") { db in
            // The estimator's history of a model and effort (`recentOutputs`) is read from the hours the
            // hourly rollup says hold the pair's records, through the `ts` index (`RecentHoursWalk`).
            // The records' (model_id, ts) index cost every import about a fifth of its insert CPU.
            try db.execute(sql: "DROP INDEX usage_record_by_model_time")
        }
        return migrator
    }

    /// Gives every row but the first of each group sharing a dedup_hash the next free hash value
    /// (v3, only when two stored keys collide; `DedupSlot` probes the same way).
    static func separateCollidingHashes(_ db: Database) throws {
        let collided = try Int64.fetchAll(db, sql: "SELECT dedup_hash FROM usage_record GROUP BY dedup_hash HAVING COUNT(*) > 1")
        for hash in collided {
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM usage_record WHERE dedup_hash = ? ORDER BY id", arguments: [hash])
            var slot = hash
            for id in ids.dropFirst() {
                repeat { slot &+= 1 } while try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM usage_record WHERE dedup_hash = ?)", arguments: [slot]) == true
                try db.execute(sql: "UPDATE usage_record SET dedup_hash = ? WHERE id = ?", arguments: [slot, id])
            }
        }
    }

    /// The `priced_usage` view (v1; created again by v3, with `sourceFile` reading the path from
    /// `log_file`): priced records with their cost as exact
    /// decimal text and their time as ISO 8601, for people and other tools
    /// (`sqlite3 ledger.sqlite 'select * from priced_usage limit 5'`).
    static func pricedUsageView(sourceFile: String) -> String {
        """
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
                       source, \(sourceFile), source_line, project, session_id, tags
                FROM usage_record
                """
    }

    /// The usage_record table as v3 creates it: v1's columns, the key no longer UNIQUE, plus dedup_hash,
    /// and the source file as a `log_file` id instead of its path on every row. Frozen with v3 (a later
    /// change to the table is a new migration).
    static func usageRecordTable(named name: String) -> String {
        """
        CREATE TABLE \(name) (
            id INTEGER PRIMARY KEY,
            dedup_key TEXT NOT NULL,               -- importer's natural key (see dedup_hash)
            dedup_hash INTEGER,                    -- DedupSlot: 64-bit hash of dedup_key, UNIQUE; re-imports collide here
                                                   -- (NULL only in rows other tools insert: those are not deduplicated)
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
            source_file_id INTEGER,                -- log_file.id of the log the record was read from
            source_line INTEGER,
            project TEXT,
            session_id TEXT,
            request_id TEXT,
            api_key_hash TEXT,                     -- SHA-256 prefix; never the key
            tags TEXT,                             -- JSON object of tag key → value, or NULL
            imported_at INTEGER NOT NULL           -- Unix milliseconds
        )
        """
    }

    /// usage_record's columns that v3 copies as they are (all but id, dedup_hash and the source file).
    /// Frozen with v3: it copies from the v2 table, whatever later migrations add.
    static let usageRecordColumns = [
        "dedup_key", "supersede_rank", "ts", "provider", "model", "model_id", "effort", "service_tier", "is_batch", "channel",
        "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
        "reasoning_tokens", "audio_input_tokens", "audio_output_tokens", "image_input_tokens", "image_output_tokens",
        "web_search_calls", "images_generated", "request_count", "is_aggregate",
        "cost_pusd", "unpriced_reason", "price_period", "price_layers", "reported_cost_pusd",
        "source", "source_line", "project", "session_id", "request_id", "api_key_hash", "tags", "imported_at",
    ]

    /// The report rollup's three triggers on usage_record (v2; created again by v3).
    static func createRollupTriggers(_ db: Database) throws {
        try db.execute(sql: "CREATE TRIGGER usage_record_rollup_insert AFTER INSERT ON usage_record WHEN (SELECT deferred FROM report_rollup_control) = 0 BEGIN \(LedgerSchema.rollupUpsert(row: "NEW", sign: 1)); END")
        try db.execute(sql: "CREATE TRIGGER usage_record_rollup_delete AFTER DELETE ON usage_record BEGIN \(LedgerSchema.rollupUpsert(row: "OLD", sign: -1)); END")
        // Only updates of the columns the rollup reads (supersede, reprice) touch it.
        try db.execute(sql: "CREATE TRIGGER usage_record_rollup_update AFTER UPDATE OF ts, provider, model, model_id, effort, is_aggregate, request_count, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_pusd, reported_cost_pusd ON usage_record BEGIN \(LedgerSchema.rollupUpsert(row: "OLD", sign: -1)); \(LedgerSchema.rollupUpsert(row: "NEW", sign: 1)); END")
    }

    /// The summed columns of `report_rollup` and the per-record value each adds: `value` as SQL (`row` is
    /// NEW, OLD or an alias), `swift` the same value computed in Swift for the bulk insert
    /// (`RollupAccumulator`). Both live in this one list so they cannot drift apart;
    /// `RollupConsistencyTests` checks they agree. Swift's `/` and `%` truncate toward zero like SQLite's.
    static let rollupSums: [RollupSum] = [
        RollupSum("records", { _ in "1" }, { _ in 1 }),
        RollupSum("requests", { "\($0).request_count" }, { $0.requestCount }),
        RollupSum("input_tokens", { "\($0).input_tokens" }, { $0.input }),
        RollupSum("cache_read_tokens", { "\($0).cache_read_tokens" }, { $0.cacheRead }),
        RollupSum("cache_write_tokens", { "\($0).cache_write_5m_tokens + \($0).cache_write_1h_tokens" }, { $0.cacheWrite5m &+ $0.cacheWrite1h }),
        RollupSum("output_tokens", { "\($0).output_tokens" }, { $0.output }),
        RollupSum("reasoning_tokens", { "\($0).reasoning_tokens" }, { $0.reasoning }),
        RollupSum("cost_micro", { "coalesce(\($0).cost_pusd / 1000000, 0)" }, { ($0.cost ?? 0) / 1_000_000 }),
        RollupSum("cost_rest", { "coalesce(\($0).cost_pusd % 1000000, 0)" }, { ($0.cost ?? 0) % 1_000_000 }),
        RollupSum("unpriced_records", { "(\($0).cost_pusd IS NULL)" }, { $0.cost == nil ? 1 : 0 }),
        RollupSum("unpriced_requests", { "iif(\($0).cost_pusd IS NULL, \($0).request_count, 0)" }, { $0.cost == nil ? $0.requestCount : 0 }),
        RollupSum("unpriced_tokens", { "iif(\($0).cost_pusd IS NULL, \($0).input_tokens + \($0).cache_read_tokens + \($0).cache_write_5m_tokens + \($0).cache_write_1h_tokens + \($0).output_tokens, 0)" },
                  { $0.cost == nil ? $0.input &+ $0.cacheRead &+ $0.cacheWrite5m &+ $0.cacheWrite1h &+ $0.output : 0 }),
        RollupSum("reconciled_records", { "(\($0).cost_pusd IS NOT NULL AND \($0).reported_cost_pusd IS NOT NULL)" }, { $0.cost != nil && $0.reported != nil ? 1 : 0 }),
        RollupSum("reported_micro", { "iif(\($0).cost_pusd IS NOT NULL, coalesce(\($0).reported_cost_pusd / 1000000, 0), 0)" }, { $0.cost != nil ? ($0.reported ?? 0) / 1_000_000 : 0 }),
        RollupSum("reported_rest", { "iif(\($0).cost_pusd IS NOT NULL, coalesce(\($0).reported_cost_pusd % 1000000, 0), 0)" }, { $0.cost != nil ? ($0.reported ?? 0) % 1_000_000 : 0 }),
        RollupSum("reported_computed_micro", { "iif(\($0).reported_cost_pusd IS NOT NULL, coalesce(\($0).cost_pusd / 1000000, 0), 0)" }, { $0.reported != nil ? ($0.cost ?? 0) / 1_000_000 : 0 }),
        RollupSum("reported_computed_rest", { "iif(\($0).reported_cost_pusd IS NOT NULL, coalesce(\($0).cost_pusd % 1000000, 0), 0)" }, { $0.reported != nil ? ($0.cost ?? 0) % 1_000_000 : 0 }),
        RollupSum("reported_unpriced_records", { "(\($0).cost_pusd IS NULL AND \($0).reported_cost_pusd IS NOT NULL)" }, { $0.cost == nil && $0.reported != nil ? 1 : 0 }),
        RollupSum("reported_unpriced_micro", { "iif(\($0).cost_pusd IS NULL, coalesce(\($0).reported_cost_pusd / 1000000, 0), 0)" }, { $0.cost == nil ? ($0.reported ?? 0) / 1_000_000 : 0 }),
        RollupSum("reported_unpriced_rest", { "iif(\($0).cost_pusd IS NULL, coalesce(\($0).reported_cost_pusd % 1000000, 0), 0)" }, { $0.cost == nil ? ($0.reported ?? 0) % 1_000_000 : 0 }),
    ]

    /// Adds one batch's accumulated rollup rows (`RollupAccumulator`): bound as the six key columns
    /// then `rollupSums` in order.
    static var rollupAddSQL: String {
        let columns = rollupSums.map(\.column)
        return """
            INSERT INTO report_rollup (hour, provider, model_key, resolved, effort, is_aggregate, \(columns.joined(separator: ", ")))
            VALUES (?, ?, ?, ?, ?, ?, \(columns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (hour, provider, model_key, resolved, effort, is_aggregate) DO UPDATE SET
            \(columns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }

    static func rollupKeys(row r: String) -> [String] {
        ["\(r).ts / 3600000", "\(r).provider", "coalesce(\(r).model_id, \(r).model)", "(\(r).model_id IS NOT NULL)", "\(r).effort", "\(r).is_aggregate"]
    }

    /// One record's contribution added (`sign` 1) to or taken (−1) from its rollup row.
    static func rollupUpsert(row r: String, sign: Int) -> String {
        let columns = rollupSums.map(\.column)
        let values = rollupSums.map { sign < 0 ? "-(\($0.value(r)))" : "(\($0.value(r)))" }
        return """
            INSERT INTO report_rollup (hour, provider, model_key, resolved, effort, is_aggregate, \(columns.joined(separator: ", ")))
            VALUES (\(rollupKeys(row: r).joined(separator: ", ")), \(values.joined(separator: ", ")))
            ON CONFLICT (hour, provider, model_key, resolved, effort, is_aggregate) DO UPDATE SET
            \(columns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }
}

/// One summed `report_rollup` column: its name, the SQL value one `usage_record` row adds, and the same
/// value computed in Swift from a row being inserted.
struct RollupSum: Sendable {
    let column: String
    let value: @Sendable (String) -> String
    let swift: @Sendable (RollupRowValues) -> Int64

    init(_ column: String, _ value: @escaping @Sendable (String) -> String, _ swift: @escaping @Sendable (RollupRowValues) -> Int64) {
        self.column = column
        self.value = value
        self.swift = swift
    }
}

/// The `usage_record` columns the rollup reads, as stored (cost and reported cost in picodollars, nil = NULL).
struct RollupRowValues {
    var requestCount: Int64
    var input: Int64
    var cacheRead: Int64
    var cacheWrite5m: Int64
    var cacheWrite1h: Int64
    var output: Int64
    var reasoning: Int64
    var cost: Int64?
    var reported: Int64?
}
