#!/usr/bin/env python3
"""What a record costs the PostgreSQL server to store, per shape of `usage_record`.

Copies the first 300,000 rows of a team ledger's `usage_record` (run `tokenledger-bench team-import`
on the database first) back into a copy of the table in a scratch schema `team_copy_cost`, in
5,000-row batches, each `BEGIN; SELECT pg_advisory_xact_lock(…); COPY … (FORMAT binary); COMMIT` as
the team ledger stores a batch, and prints the CPU time of the server process that did it
(`utime + stime` from /proc, so the server must run on this machine), the heap and the index bytes a
row. The copy has the ledger's indexes and rollup triggers (writing into copies of both tiers),
less what the variant takes away:

  as-now          the table as the migrations leave it
  no-triggers     without the two rollup triggers on INSERT
  no-ts-index     without the (ts) index
  no-model-index  without the (model_id, ts) index
  brin-ts         (ts) as a BRIN index
  lean            no triggers, and provider, model, model_id, effort, service_tier, price_period,
                  price_layers, source and machine as smallint, source_file as integer (each value
                  stood in for by a hash of its text: what the server stores, not a working ledger)

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
NAMES = ["provider", "model", "model_id", "effort", "service_tier", "price_period", "price_layers", "source", "machine"]


def cpu_seconds(pid):
    text = open(f"/proc/{pid}/stat").read()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_table(cur, variant):
    cur.execute("DROP SCHEMA IF EXISTS team_copy_cost CASCADE; CREATE SCHEMA team_copy_cost")
    cur.execute("SET search_path = team_copy_cost, public")
    for table in ["report_rollup", "report_rollup_day"]:
        cur.execute(f"CREATE TABLE team_copy_cost.{table} (LIKE public.{table} INCLUDING ALL)")
    cur.execute("""CREATE TABLE team_copy_cost.usage_record
                   (LIKE public.usage_record INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING IDENTITY)""")
    indexes = {"no-ts-index": "ts", "no-model-index": "model_id, ts", "brin-ts": "ts"}
    if variant in indexes:
        cur.execute("""SELECT indexname FROM pg_indexes WHERE schemaname = 'team_copy_cost' AND tablename = 'usage_record'
                       AND indexdef LIKE %s""", (f"%({indexes[variant]})",))
        cur.execute(f"DROP INDEX team_copy_cost.{cur.fetchone()[0]}")
        if variant == "brin-ts":
            cur.execute("CREATE INDEX ON team_copy_cost.usage_record USING brin (ts)")
    if variant == "lean":
        for name in NAMES:
            cur.execute(f"ALTER TABLE team_copy_cost.usage_record ALTER COLUMN {name} DROP DEFAULT, ALTER COLUMN {name} TYPE smallint USING NULL")
        cur.execute("ALTER TABLE team_copy_cost.usage_record ALTER COLUMN source_file TYPE integer USING NULL")
    if variant not in ("no-triggers", "lean"):
        for tier in ["rollup", "rollup_day"]:
            cur.execute(f"""CREATE TRIGGER usage_record_{tier}_insert AFTER INSERT ON team_copy_cost.usage_record
                            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.tokenledger_{tier}_insert()""")


def batches(cur, variant):
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'usage_record' "
                "AND column_name <> 'id' ORDER BY ordinal_position")
    columns = [row[0] for row in cur.fetchall()]
    values = [f"(hashtext({c}) & 16383)::smallint" if variant == "lean" and c in NAMES
              else "(hashtext(source_file) & 1048575)::integer" if variant == "lean" and c == "source_file" else c for c in columns]
    cur.execute("SELECT min(id) FROM public.usage_record")
    first = cur.fetchone()[0]
    data = []
    for start in range(first, first + ROWS, BATCH):
        buffer = io.BytesIO()
        cur.copy_expert(f"COPY (SELECT {', '.join(values)} FROM public.usage_record WHERE id >= {start} AND id < {start + BATCH} "
                        "ORDER BY id) TO STDOUT (FORMAT binary)", buffer)
        data.append(buffer.getvalue())
    return ", ".join(columns), data


def measure(dsn, variant):
    connection = psycopg2.connect(dsn)
    cur = connection.cursor()
    make_table(cur, variant)
    columns, data = batches(cur, variant)
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    connection.commit()
    before, started = cpu_seconds(pid), time.time()
    for batch in data:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        cur.copy_expert(f"COPY team_copy_cost.usage_record ({columns}) FROM STDIN (FORMAT binary)", io.BytesIO(batch))
        connection.commit()
    used, wall = cpu_seconds(pid) - before, time.time() - started
    cur.execute("SELECT pg_relation_size('team_copy_cost.usage_record'), pg_indexes_size('team_copy_cost.usage_record'), "
                "count(*) FROM team_copy_cost.usage_record")
    heap, indexes, rows = cur.fetchone()
    print(f"{variant}: server CPU {used:.2f} s, wall {wall:.2f} s, heap {heap / rows:.0f} B a row, indexes {indexes / rows:.0f} B a row")
    cur.execute("DROP SCHEMA team_copy_cost CASCADE")
    connection.commit()
    connection.close()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for variant in sys.argv[2:]:
        measure(sys.argv[1], variant)
