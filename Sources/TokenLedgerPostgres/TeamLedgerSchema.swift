/// The team ledger's schema on PostgreSQL as named migrations, recorded in `tokenledger_migration`
/// like GRDB records the SQLite ledger's. A shipped migration is NEVER edited: add a new one.
///
/// The tables mirror the SQLite ledger's (`LedgerSchema`) so the same records mean the same numbers:
/// token counts as integers, money as integer picodollars (`*_pusd`, exact), times as Unix milliseconds.
/// What a team adds: every row says which `machine` wrote it, checkpoints and quarantine are per
/// machine, and `push_cursor` remembers how far each machine's local ledger has been pushed.
enum TeamLedgerSchema {
    struct Migration: Sendable {
        let identifier: String
        let statements: [String]
    }

    /// Every migration in order.
    static let migrations: [Migration] = [
        Migration(identifier: "v1-team-ledger", statements: v1),
        // The repository and git branch a coding agent's request was made from (`--by repo`, `--branch`).
        Migration(identifier: "v2-repository-branch", statements: [
            "ALTER TABLE usage_record ADD COLUMN repository TEXT, ADD COLUMN branch TEXT",
        ]),
        // The quantities models billed by a unit other than tokens bill by (whisper-1: seconds of audio;
        // tts-1: characters), so a team reprice prices such a record as the import did.
        Migration(identifier: "v3-unit-quantities", statements: [
            "ALTER TABLE usage_record ADD COLUMN audio_seconds BIGINT NOT NULL DEFAULT 0, ADD COLUMN characters BIGINT NOT NULL DEFAULT 0",
        ]),
        // The report rollup's day tier (TeamLedgerSchema+DayRollup): UTC days × the keys finance reports group by.
        Migration(identifier: "v5-report-rollup-day", statements: v5),
        // New migrations go below, each with a new name. Never edit one above.
        // "Has provider P export / per-request rows in the period?" is read from the tiers
        // (`TeamLedger.aggregateProviders`): this index of the day tier gains a row per new day × key,
        // where the records' (is_aggregate, provider, ts) index cost every record written an index
        // entry (about a tenth of the server's CPU in an import or push, measured).
        Migration(identifier: "v6-kind-index-on-day-tier", statements: [
            "CREATE INDEX report_rollup_day_by_kind_provider ON report_rollup_day (is_aggregate, provider, day)",
            "DROP INDEX usage_record_by_kind_provider_time",
        ]),
        // The rollup triggers take the write lock themselves, so a batch can be copied into
        // `usage_record` before its writer holds the lock (push copies the next batch on a second
        // connection while the first one's batch is stored) and still update the tiers' rows only
        // under it, as every writer did when it took the lock first.
        Migration(identifier: "v7-rollup-under-write-lock", statements: v7),
        // A statement's new rows are grouped once for both tiers (TeamLedgerSchema+OnePassRollup): the
        // day tier's insert trigger is folded into the hourly one.
        Migration(identifier: "v8-rollup-insert-one-pass", statements: v8),
        // A batch stored while the batch before it is still open takes the write lock only after that
        // batch's transaction ended (TeamLedgerSchema+BatchOrder), so batches stored one after another
        // on two connections get the lock in order.
        Migration(identifier: "v9-write-lock-after-previous-batch", statements: v9),
        // The estimator's history of a model and effort (`recentOutputs`) is read from the hours the
        // hourly rollup says hold the pair's records, through the `ts` index (`RecentHoursWalk`); the
        // records' (model_id, ts) index cost the server about 0.5 s of CPU per 300,000 records written.
        Migration(identifier: "v10-model-index-dropped", statements: [
            "DROP INDEX usage_record_by_model_time",
        ]),
    ]

    /// The advisory lock key every migration run holds (so two machines upgrading at once take turns).
    static let migrationLock: Int64 = 0x746C_6D69_6772_0001
    /// The advisory lock key record writers hold per transaction: concurrent pushes take turns per
    /// batch instead of deadlocking on the rollup rows they both update.
    static let writeLock: Int64 = 0x746C_7772_6974_0001
    /// The advisory lock key an applied `reprice` holds for its whole run (one team-wide reprice at a time).
    static let repriceLock: Int64 = 0x746C_7270_7263_0001

    /// The summed columns of `report_rollup` and the SQL aggregate over a set of `usage_record` rows
    /// that fills each (the same sums as the SQLite ledger's `LedgerSchema.rollupSums`).
    static let rollupSums: [(column: String, aggregate: String)] = [
        ("records", "count(*)"),
        ("requests", "sum(request_count)"),
        ("input_tokens", "sum(input_tokens)"),
        ("cache_read_tokens", "sum(cache_read_tokens)"),
        ("cache_write_tokens", "sum(cache_write_5m_tokens + cache_write_1h_tokens)"),
        ("output_tokens", "sum(output_tokens)"),
        ("reasoning_tokens", "sum(reasoning_tokens)"),
        ("cost_pusd", "coalesce(sum(cost_pusd), 0)"),
        ("unpriced_records", "count(*) FILTER (WHERE cost_pusd IS NULL)"),
        ("unpriced_requests", "coalesce(sum(request_count) FILTER (WHERE cost_pusd IS NULL), 0)"),
        ("unpriced_tokens", "coalesce(sum(input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens) FILTER (WHERE cost_pusd IS NULL), 0)"),
        ("reconciled_records", "count(*) FILTER (WHERE cost_pusd IS NOT NULL AND reported_cost_pusd IS NOT NULL)"),
        ("reported_pusd", "coalesce(sum(reported_cost_pusd) FILTER (WHERE cost_pusd IS NOT NULL), 0)"),
        ("reported_computed_pusd", "coalesce(sum(cost_pusd) FILTER (WHERE reported_cost_pusd IS NOT NULL), 0)"),
        ("reported_unpriced_records", "count(*) FILTER (WHERE cost_pusd IS NULL AND reported_cost_pusd IS NOT NULL)"),
        ("reported_unpriced_pusd", "coalesce(sum(reported_cost_pusd) FILTER (WHERE cost_pusd IS NULL), 0)"),
    ]

    /// The rollup's key: UTC hour, provider, model (resolved id or name as logged), resolved, effort,
    /// kind, machine.
    static let rollupKeyColumns = ["hour", "provider", "model_key", "resolved", "effort", "is_aggregate", "machine"]
    static let rollupKeyValues = ["ts / 3600000", "provider", "coalesce(model_id, model)", "(model_id IS NOT NULL)", "effort", "is_aggregate", "machine"]

    /// Adds (`sign` 1) or takes away (−1) the contribution of the transition table `rows`.
    static func rollupUpsert(from rows: String, sign: Int) -> String {
        let sums = rollupSums.map { sign < 0 ? "-(\($0.aggregate))" : $0.aggregate }
        return """
            INSERT INTO report_rollup (\((rollupKeyColumns + rollupSums.map(\.column)).joined(separator: ", ")))
            SELECT \((rollupKeyValues + sums).joined(separator: ", "))
            FROM \(rows) GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
            ON CONFLICT (\(rollupKeyColumns.joined(separator: ", "))) DO UPDATE SET
            \(rollupSums.map { "\($0.column) = report_rollup.\($0.column) + excluded.\($0.column)" }.joined(separator: ", "))
            """
    }

    /// The six rollup trigger functions again, each taking `writeLock` before it touches a tier.
    static let v7: [String] = [
        rollupFunction("tokenledger_rollup_insert", [rollupUpsert(from: "new_rows", sign: 1)]),
        rollupFunction("tokenledger_rollup_update", [rollupUpsert(from: "old_rows", sign: -1), rollupUpsert(from: "new_rows", sign: 1)]),
        rollupFunction("tokenledger_rollup_delete", [rollupUpsert(from: "old_rows", sign: -1)]),
        rollupFunction("tokenledger_rollup_day_insert", [dayRollupUpsert(from: "new_rows", sign: 1)]),
        rollupFunction("tokenledger_rollup_day_update", [dayRollupUpsert(from: "old_rows", sign: -1), dayRollupUpsert(from: "new_rows", sign: 1)]),
        rollupFunction("tokenledger_rollup_day_delete", [dayRollupUpsert(from: "old_rows", sign: -1)]),
    ]

    /// A rollup trigger function running `upserts` after `lock` (v7: taking `writeLock`).
    static func rollupFunction(_ name: String, _ upserts: [String], lock: String = "PERFORM pg_advisory_xact_lock(\(writeLock));") -> String {
        """
        CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(lock)
            \(upserts.map { $0 + ";" }.joined(separator: "\n"))
            RETURN NULL;
        END $$
        """
    }

    static let v1: [String] = [
        // One row per billed request (or per aggregated bucket from a usage/cost export), as in the
        // SQLite ledger; the dedup key itself is UNIQUE (PostgreSQL's B-tree handles the text keys).
        """
        CREATE TABLE usage_record (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dedup_key TEXT NOT NULL UNIQUE,        -- importer's natural key; re-imports and re-pushes collide here
            supersede_rank INTEGER NOT NULL DEFAULT 0, -- a later copy with a higher rank replaces this row
            ts BIGINT NOT NULL,                    -- request time, Unix milliseconds UTC
            provider TEXT NOT NULL,
            model TEXT NOT NULL,                   -- model name as logged
            model_id TEXT,                         -- resolved canonical id; NULL when unresolved
            effort TEXT NOT NULL DEFAULT 'unknown',
            service_tier TEXT,
            is_batch BOOLEAN NOT NULL DEFAULT false,
            channel TEXT,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            cache_read_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_5m_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_1h_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            audio_input_tokens BIGINT NOT NULL DEFAULT 0,
            audio_output_tokens BIGINT NOT NULL DEFAULT 0,
            image_input_tokens BIGINT NOT NULL DEFAULT 0,
            image_output_tokens BIGINT NOT NULL DEFAULT 0,
            web_search_calls BIGINT NOT NULL DEFAULT 0,
            images_generated BIGINT NOT NULL DEFAULT 0,
            request_count BIGINT NOT NULL DEFAULT 1,
            is_aggregate BOOLEAN NOT NULL DEFAULT false, -- usage/cost export bucket, kept apart from per-request rows
            cost_pusd BIGINT,                      -- computed cost, picodollars; NULL = unpriced (never 0 for unknown)
            unpriced_reason TEXT,
            price_period TEXT,
            price_layers TEXT,
            reported_cost_pusd BIGINT,             -- the log's own cost figure, when it had one
            source TEXT NOT NULL,                  -- log format ('claude-code', 'openai-batch', ...)
            source_file TEXT,                      -- path on the machine that read it
            source_line BIGINT,
            project TEXT,
            session_id TEXT,
            request_id TEXT,
            api_key_hash TEXT,                     -- SHA-256 prefix; never the key
            tags TEXT,                             -- JSON object of tag key -> value (sorted keys), or NULL
            machine TEXT NOT NULL,                 -- the machine whose import or push wrote the row
            imported_at BIGINT NOT NULL            -- Unix milliseconds, on the machine that imported it
        )
        """,
        "CREATE INDEX usage_record_by_time ON usage_record (ts)",
        "CREATE INDEX usage_record_by_kind_provider_time ON usage_record (is_aggregate, provider, ts)",
        "CREATE INDEX usage_record_by_model_time ON usage_record (model_id, ts)",
        // How far each log file has been read, per machine (paths are only meaningful on their machine).
        """
        CREATE TABLE import_file (
            machine TEXT NOT NULL,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            device BIGINT,
            inode BIGINT,
            size BIGINT NOT NULL,
            mtime_ns BIGINT NOT NULL,
            head_sha TEXT,
            "offset" BIGINT NOT NULL DEFAULT 0,
            line BIGINT NOT NULL DEFAULT 0,
            state TEXT,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (machine, path)
        )
        """,
        // Lines that could not be read: never their text, only place, length and fingerprint.
        """
        CREATE TABLE quarantine (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            machine TEXT NOT NULL,
            source_file TEXT NOT NULL,
            line BIGINT NOT NULL,
            byte_offset BIGINT,
            byte_length BIGINT,
            format TEXT NOT NULL,
            reason TEXT NOT NULL,
            line_sha TEXT NOT NULL,
            first_seen BIGINT NOT NULL,
            UNIQUE (machine, source_file, line, line_sha)
        )
        """,
        // Budget alerts already sent: one row per budget, period and threshold for the whole team.
        """
        CREATE TABLE alert_state (
            budget TEXT NOT NULL,
            period_start TEXT NOT NULL,
            kind TEXT NOT NULL,
            fired_at BIGINT NOT NULL,
            delivered_at BIGINT,
            last_error TEXT,
            machine TEXT,                          -- the machine that delivered it
            PRIMARY KEY (budget, period_start, kind)
        )
        """,
        // How far each machine's local ledger has been pushed: the last local row id sent, that row's
        // dedup key (a rebuilt local ledger reuses ids: a mismatch restarts from the beginning), and the
        // newest imported_at seen (rows replaced in place locally are sent again).
        """
        CREATE TABLE push_cursor (
            machine TEXT NOT NULL,
            ledger TEXT NOT NULL,                  -- the local ledger's path on that machine
            last_id BIGINT NOT NULL,
            last_key TEXT NOT NULL,
            imported_mark BIGINT NOT NULL,
            pushed_at BIGINT NOT NULL,
            PRIMARY KEY (machine, ledger)
        )
        """,
        // Usage summed per UTC hour × provider × model × effort × kind × machine, kept by statement-level
        // triggers (one grouped upsert per INSERT/UPDATE/DELETE statement, not per row); money sums as
        // NUMERIC so no total can overflow.
        """
        CREATE TABLE report_rollup (
            hour BIGINT NOT NULL,
            provider TEXT NOT NULL,
            model_key TEXT NOT NULL,
            resolved BOOLEAN NOT NULL,
            effort TEXT NOT NULL,
            is_aggregate BOOLEAN NOT NULL,
            machine TEXT NOT NULL,
            records BIGINT NOT NULL, requests BIGINT NOT NULL, input_tokens BIGINT NOT NULL,
            cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL, cost_pusd NUMERIC NOT NULL,
            unpriced_records BIGINT NOT NULL, unpriced_requests BIGINT NOT NULL, unpriced_tokens BIGINT NOT NULL,
            reconciled_records BIGINT NOT NULL, reported_pusd NUMERIC NOT NULL, reported_computed_pusd NUMERIC NOT NULL,
            reported_unpriced_records BIGINT NOT NULL, reported_unpriced_pusd NUMERIC NOT NULL,
            PRIMARY KEY (hour, provider, model_key, resolved, effort, is_aggregate, machine)
        )
        """,
        """
        CREATE FUNCTION tokenledger_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(rollupUpsert(from: "new_rows", sign: 1));
            RETURN NULL;
        END $$
        """,
        """
        CREATE FUNCTION tokenledger_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(rollupUpsert(from: "old_rows", sign: -1));
            \(rollupUpsert(from: "new_rows", sign: 1));
            RETURN NULL;
        END $$
        """,
        """
        CREATE FUNCTION tokenledger_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(rollupUpsert(from: "old_rows", sign: -1));
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER usage_record_rollup_insert AFTER INSERT ON usage_record REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tokenledger_rollup_insert()",
        "CREATE TRIGGER usage_record_rollup_update AFTER UPDATE ON usage_record REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tokenledger_rollup_update()",
        "CREATE TRIGGER usage_record_rollup_delete AFTER DELETE ON usage_record REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tokenledger_rollup_delete()",
    ]
}
