#!/usr/bin/env python3
"""What a record costs the PostgreSQL server to store, per shape of `usage_record`.

Copies the first 300,000 rows of a team ledger's `usage_record` (run `tokenledger-bench team-import`
on the database first) back into a copy of the table in a scratch schema `team_copy_cost`, in
5,000-row batches, each `BEGIN; SELECT pg_advisory_xact_lock(…); COPY … (FORMAT binary); COMMIT` as
the team ledger stores a batch, and prints the CPU time of the server process that did it
(`utime + stime` from /proc, so the server must run on this machine), the heap and the index bytes a
row. The copy has the ledger's indexes and rollup triggers (writing into copies of both tiers),
less what the variant takes away. On a ledger migrated to v15 the rows copied are `usage_row`'s,
names as ids (`usage_record` is a view of them), and the lean variants do not apply:

  as-now          the table as the migrations leave it
  no-triggers     without the two rollup triggers on INSERT
  no-ts-index     without the (ts) index
  no-model-index  without the (model_id, ts) index (skipped on ledgers since migration v10, which
                  dropped it)
  brin-ts         (ts) as a BRIN index
  two-pass-rollup the rollup as before migration v8: one INSERT trigger per tier, each grouping every
                  new row (v8 groups them once for both tiers)
  key-order       each batch's rows sent in dedup-key order with their ids (as the team ledger sends
                  them since migration v11); the other variants send them in id order and let the
                  server number them
  omit-defaults   as key-order, with the columns that hold their default (or NULL, without one) in
                  every one of the 300,000 rows left out of the COPY (the server fills them in)
  before-v11      the table with the index on `id` migration v11 dropped (its primary key), rows in
                  id order numbered by the server, as the team ledger stored them before v11

and, instead of a copy, `rollup-grouping` times only the grouping of one 5,000-row batch for both
tiers, in two passes (before v8) and in one (v8), as prepared statements (no upserts, no copy).
  hash-key        as key-order, with the dedup key's uniqueness kept by a 16-byte hash of it (a uuid
                  column, unique) and the text key left without an index
  hour-key-order  as key-order, each batch's rows in order of their UTC hour, then of dedup key
  ts-order        as key-order, each batch's rows in order of time (then id)
  partitioned     as key-order, `usage_record` partitioned by hash of the key into one partition that
                  holds the rows and indexes, the rollup triggers on the parent and the copy into the
                  partition (so no trigger's transition table keeps the copied rows)
  lean            no triggers, and provider, model, model_id, effort, service_tier, price_period,
                  price_layers, source and machine as smallint, source_file as integer (each value
                  stood in for by a hash of its text: what the server stores, not a working ledger)
  lean-key-order  lean, with the rows in key order as key-order sends them

Needs psycopg2 (pip install psycopg2-binary). Usage:
  scripts/team-copy-cost.py "host=127.0.0.1 port=5432 user=u password=pw dbname=bench" as-now no-triggers …
The scratch schema is dropped at the end.
"""
import io
import os
import sys
import time

import psycopg2

WRITE_LOCK = 0x746C_7772_6974_0001
BATCH, ROWS = 5_000, 300_000
# The table the records are in: `usage_row` since migration v15 (`usage_record` is then a view of it
# with the names joined), `usage_record` before (set by `records_table`).
RECORDS = "usage_record"
NAMES = ["provider", "model", "model_id", "effort", "service_tier", "price_period", "price_layers", "source", "machine"]


def cpu_seconds(pid):
    text = open(f"/proc/{pid}/stat").read()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def records_table(cur):
    """`usage_row` on a ledger migrated to v15 (names as ids), else `usage_record`."""
    cur.execute("SELECT to_regclass('public.usage_row') IS NOT NULL")
    return "usage_row" if cur.fetchone()[0] else "usage_record"


def make_table(cur, variant):
    """The scratch copy of the ledger's tables for `variant`; a sentence saying why when the variant does not apply."""
    if variant in ("lean", "lean-key-order") and RECORDS == "usage_row":
        return "the ledger stores names as ids already (migration v15): the copy is as-now or key-order"
    cur.execute("DROP SCHEMA IF EXISTS team_copy_cost CASCADE; CREATE SCHEMA team_copy_cost")
    cur.execute("SET search_path = team_copy_cost, public")
    for table in ["report_rollup", "report_rollup_day"]:
        cur.execute(f"CREATE TABLE team_copy_cost.{table} (LIKE public.{table} INCLUDING ALL)")
    if variant == "partitioned":
        # The parent is partitioned by hash of the key into one partition, which holds the rows and the
        # indexes; the rollup triggers are on the parent, and the copy goes into the partition.
        cur.execute("""CREATE TABLE team_copy_cost.usage_record
                       (LIKE public.{RECORDS} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (dedup_key)""".format(RECORDS=RECORDS))
        cur.execute("""CREATE TABLE team_copy_cost.usage_record_rows
                       (LIKE public.{RECORDS} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)""".format(RECORDS=RECORDS))
        cur.execute("ALTER TABLE team_copy_cost.usage_record ATTACH PARTITION team_copy_cost.usage_record_rows FOR VALUES WITH (MODULUS 1, REMAINDER 0)")
    else:
        cur.execute("""CREATE TABLE team_copy_cost.usage_record
                       (LIKE public.{RECORDS} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING IDENTITY)""".format(RECORDS=RECORDS))
    indexes = {"no-ts-index": "ts", "no-model-index": "model_id, ts", "brin-ts": "ts"}
    if variant in indexes:
        cur.execute("""SELECT indexname FROM pg_indexes WHERE schemaname = 'team_copy_cost' AND tablename = 'usage_record'
                       AND indexdef LIKE %s""", (f"%({indexes[variant]})",))
        index = cur.fetchone()
        if index is None:
            return f"the ledger has no ({indexes[variant]}) index to leave out"
        cur.execute(f"DROP INDEX team_copy_cost.{index[0]}")
        if variant == "brin-ts":
            cur.execute("CREATE INDEX ON team_copy_cost.usage_record USING brin (ts)")
    if variant == "before-v11":
        cur.execute("ALTER TABLE team_copy_cost.usage_record ADD PRIMARY KEY (id)")
    if variant in ("key-order", "omit-defaults", "hash-key", "hour-key-order", "ts-order", "lean-key-order"):
        cur.execute("ALTER TABLE team_copy_cost.usage_record ALTER COLUMN id SET GENERATED BY DEFAULT")
    if variant == "hash-key":
        cur.execute("""SELECT conname FROM pg_constraint WHERE conrelid = 'team_copy_cost.usage_record'::regclass AND contype = 'u'""")
        for (name,) in cur.fetchall():
            cur.execute(f"ALTER TABLE team_copy_cost.usage_record DROP CONSTRAINT {name}")
        cur.execute("ALTER TABLE team_copy_cost.usage_record ADD COLUMN key_hash uuid NOT NULL")
        cur.execute("CREATE UNIQUE INDEX ON team_copy_cost.usage_record (key_hash)")
    if variant in ("lean", "lean-key-order"):
        for name in NAMES:
            cur.execute(f"ALTER TABLE team_copy_cost.usage_record ALTER COLUMN {name} DROP DEFAULT, ALTER COLUMN {name} TYPE smallint USING NULL")
        cur.execute("ALTER TABLE team_copy_cost.usage_record ALTER COLUMN source_file TYPE integer USING NULL")
    if variant == "two-pass-rollup":
        for tier, statement in two_pass_upserts(cur).items():
            cur.execute(f"""CREATE FUNCTION team_copy_cost.{tier}_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                            BEGIN PERFORM pg_advisory_xact_lock({WRITE_LOCK}); {statement}; RETURN NULL; END $$""")
            cur.execute(f"""CREATE TRIGGER {tier}_insert AFTER INSERT ON team_copy_cost.usage_record
                            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION team_copy_cost.{tier}_insert()""")
    elif variant not in ("no-triggers", "lean", "lean-key-order"):
        # The ledger's own INSERT triggers (their functions write to the tiers named without a schema:
        # the copies, through the search path).
        cur.execute("""SELECT t.tgname, p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                       WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND t.tgtype & 4 = 4""", (f"public.{RECORDS}",))
        for name, function in cur.fetchall():
            cur.execute(f"""CREATE TRIGGER {name} AFTER INSERT ON team_copy_cost.usage_record
                            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.{function}()""")


def tier_columns(cur):
    """The sums of `report_rollup`'s columns (column: aggregate over rows), each key column's value
    from a row, and each tier's key columns (its primary key), by table."""
    sums = {
        "records": "count(*)", "requests": "sum(request_count)", "input_tokens": "sum(input_tokens)",
        "cache_read_tokens": "sum(cache_read_tokens)", "cache_write_tokens": "sum(cache_write_5m_tokens + cache_write_1h_tokens)",
        "output_tokens": "sum(output_tokens)", "reasoning_tokens": "sum(reasoning_tokens)", "cost_pusd": "coalesce(sum(cost_pusd), 0)",
        "unpriced_records": "count(*) FILTER (WHERE cost_pusd IS NULL)",
        "unpriced_requests": "coalesce(sum(request_count) FILTER (WHERE cost_pusd IS NULL), 0)",
        "unpriced_tokens": "coalesce(sum(input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens)"
                           " FILTER (WHERE cost_pusd IS NULL), 0)",
        "reconciled_records": "count(*) FILTER (WHERE cost_pusd IS NOT NULL AND reported_cost_pusd IS NOT NULL)",
        "reported_pusd": "coalesce(sum(reported_cost_pusd) FILTER (WHERE cost_pusd IS NOT NULL), 0)",
        "reported_computed_pusd": "coalesce(sum(cost_pusd) FILTER (WHERE reported_cost_pusd IS NOT NULL), 0)",
        "reported_unpriced_records": "count(*) FILTER (WHERE cost_pusd IS NULL AND reported_cost_pusd IS NOT NULL)",
        "reported_unpriced_pusd": "coalesce(sum(reported_cost_pusd) FILTER (WHERE cost_pusd IS NULL), 0)",
    }
    values = {
        "hour": "ts / 3600000", "day": "ts / 86400000", "provider": "provider", "model_key": "coalesce(model_id, model)",
        "resolved": "(model_id IS NOT NULL)", "effort": "effort", "is_aggregate": "is_aggregate", "machine": "machine",
        "project": "coalesce(project, '')", "no_project": "(project IS NULL)", "source": "source",
        "unpriced_reason": "CASE WHEN cost_pusd IS NULL THEN coalesce(unpriced_reason, '') ELSE '' END",
    }
    keys = {}
    for table in ["report_rollup", "report_rollup_day"]:
        cur.execute("""SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                       WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)""",
                    (f"public.{table}",))
        keys[table] = [row[0] for row in cur.fetchall()]
    return sums, values, keys


def positions(n):
    return ", ".join(str(i) for i in range(1, n + 1))


def two_pass_upserts(cur):
    """Each tier's upsert of the new rows' sums as the two triggers before v8 ran it."""
    sums, values, tiers = tier_columns(cur)
    statements = {}
    for table, keys in tiers.items():
        statements[table] = (
            f"INSERT INTO {table} ({', '.join(keys + list(sums))}) "
            f"SELECT {', '.join([values[k] for k in keys] + list(sums.values()))} FROM new_rows "
            f"GROUP BY {positions(len(keys))} ORDER BY {positions(len(keys))} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{c} = {table}.{c} + excluded.{c}' for c in sums)}")
    return statements


def rollup_grouping(dsn):
    """The `rollup-grouping` measurement: the server CPU of grouping one 5,000-row batch for both tiers,
    as two passes (each tier's key, before v8) and as one (v8: both keys together, then each tier from
    the groups), without the upserts; prepared statements, 160 runs of each, alternating."""
    connection = psycopg2.connect(dsn)
    cur = connection.cursor()
    global RECORDS
    RECORDS = records_table(cur)
    sums, values, tiers = tier_columns(cur)
    cur.execute(f"CREATE TEMP TABLE batch AS SELECT * FROM public.{RECORDS} ORDER BY id LIMIT {BATCH}")
    two = [f"SELECT {', '.join([values[k] for k in keys] + list(sums.values()))} FROM batch GROUP BY {positions(len(keys))}"
           for keys in tiers.values()]
    both = ["hour"] + tiers["report_rollup_day"]
    regroup = ", ".join(f"sum({c})" for c in sums)
    each = ", ".join(f"t{i} AS (SELECT {', '.join(keys)}, {regroup} FROM g GROUP BY {positions(len(keys))})" for i, keys in enumerate(tiers.values()))
    one = [f"WITH g AS MATERIALIZED (SELECT {', '.join(f'{values[k]} AS {k}' for k in both)}, "
           f"{', '.join(f'{a} AS {c}' for c, a in sums.items())} FROM batch GROUP BY {positions(len(both))}), {each} "
           f"SELECT (SELECT count(*) FROM t0) + (SELECT count(*) FROM t1)"]
    prepared = {}
    for name, statements in (("two-pass", two), ("one-pass", one)):
        prepared[name] = []
        for n, statement in enumerate(statements):
            cur.execute(f"PREPARE {name.replace('-', '_')}_{n} AS {statement}")
            prepared[name].append(f"{name.replace('-', '_')}_{n}")
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    used = {"two-pass": 0.0, "one-pass": 0.0}
    for round in range(8):
        for name in (["two-pass", "one-pass"] if round % 2 == 0 else ["one-pass", "two-pass"]):
            before = cpu_seconds(pid)
            for _ in range(20):
                for statement in prepared[name]:
                    cur.execute(f"EXECUTE {statement}")
                    cur.fetchall()
            used[name] += cpu_seconds(pid) - before
    for name, seconds in used.items():
        print(f"rollup-grouping {name}: server CPU {seconds / 160 * 1000:.2f} ms a {BATCH:,}-row batch")
    connection.rollback()
    connection.close()


def batches(cur, variant):
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
                "AND column_name <> 'id' ORDER BY ordinal_position", (RECORDS,))
    columns = [row[0] for row in cur.fetchall()]
    if variant == "omit-defaults":
        cur.execute("SELECT column_name, column_default FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s AND column_name <> 'id' ORDER BY ordinal_position", (RECORDS,))
        kept = []
        for name, default in cur.fetchall():
            differs = f"{name} IS NOT NULL" if default is None else f"{name} IS DISTINCT FROM {default}"
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM public.{RECORDS} WHERE {differs})")
            if cur.fetchone()[0]:
                kept.append(name)
        columns = kept
    if variant in ("key-order", "omit-defaults", "hash-key", "hour-key-order", "ts-order", "partitioned", "lean-key-order"):
        columns = ["id"] + columns
    if variant == "hash-key":
        columns = columns + ["key_hash"]
    lean = variant in ("lean", "lean-key-order")
    values = [f"(hashtext({c}) & 16383)::smallint" if lean and c in NAMES
              else "(hashtext(source_file) & 1048575)::integer" if lean and c == "source_file"
              else "md5(dedup_key)::uuid" if c == "key_hash" else c for c in columns]
    cur.execute(f"SELECT min(id) FROM public.{RECORDS}")
    first = cur.fetchone()[0]
    data = []
    for start in range(first, first + ROWS, BATCH):
        buffer = io.BytesIO()
        cur.copy_expert(f"COPY (SELECT {', '.join(values)} FROM public.{RECORDS} WHERE id >= {start} AND id < {start + BATCH} "
                        f"ORDER BY {'md5(dedup_key)::uuid' if variant == 'hash-key' else 'ts / 3600000, dedup_key' if variant == 'hour-key-order' else 'ts, id' if variant == 'ts-order' else 'dedup_key' if variant in ('key-order', 'omit-defaults', 'partitioned', 'lean-key-order') else 'id'}) TO STDOUT (FORMAT binary)", buffer)
        data.append(buffer.getvalue())
    return ", ".join(columns), data


def measure(dsn, name):
    variant, *extras = name.split("+")
    connection = psycopg2.connect(dsn)
    cur = connection.cursor()
    global RECORDS
    RECORDS = records_table(cur)
    skipped = make_table(cur, variant)
    if not skipped and "no-ts" in extras:
        cur.execute("DROP INDEX team_copy_cost.usage_record_ts_idx")
    if not skipped and "brin-ts" in extras:
        cur.execute("DROP INDEX team_copy_cost.usage_record_ts_idx")
        cur.execute("CREATE INDEX ON team_copy_cost.usage_record USING brin (ts)")
    if not skipped and "no-triggers" in extras:
        cur.execute("""SELECT tgname FROM pg_trigger WHERE tgrelid = 'team_copy_cost.usage_record'::regclass AND NOT tgisinternal""")
        for (trigger,) in cur.fetchall():
            cur.execute(f"DROP TRIGGER {trigger} ON team_copy_cost.usage_record")
    if skipped:
        print(f"{name}: skipped ({skipped})")
        cur.execute("DROP SCHEMA IF EXISTS team_copy_cost CASCADE")
        connection.commit()
        connection.close()
        return
    columns, data = batches(cur, variant)
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    connection.commit()
    before, started = cpu_seconds(pid), time.time()
    for batch in data:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        if "tiers-sent" in extras:
            cur.execute("SELECT set_config('tokenledger.tiers_sent', 'on', true)")
        table = "usage_record_rows" if variant == "partitioned" else "usage_record"
        cur.copy_expert(f"COPY team_copy_cost.{table} ({columns}) FROM STDIN (FORMAT binary)", io.BytesIO(batch))
        connection.commit()
    used, wall = cpu_seconds(pid) - before, time.time() - started
    stored = "team_copy_cost.usage_record_rows" if variant == "partitioned" else "team_copy_cost.usage_record"
    cur.execute(f"SELECT pg_relation_size('{stored}'), pg_indexes_size('{stored}'), "
                "count(*) FROM team_copy_cost.usage_record")
    heap, indexes, rows = cur.fetchone()
    print(f"{name}: server CPU {used:.2f} s, wall {wall:.2f} s, heap {heap / rows:.0f} B a row, indexes {indexes / rows:.0f} B a row")
    cur.execute("DROP SCHEMA team_copy_cost CASCADE")
    connection.commit()
    connection.close()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for variant in sys.argv[2:]:
        if variant == "rollup-grouping":
            rollup_grouping(sys.argv[1])
        else:
            measure(sys.argv[1], variant)
