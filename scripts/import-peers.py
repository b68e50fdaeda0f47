#!/usr/bin/env python3
"""The import benchmark's peers, run by `tokenledger-bench import` on the same OpenAI chat JSON Lines.

usage: scripts/import-peers.py CHAT.jsonl WORKDIR

Each peer stores what a first `tokenledger import` needs from every line (id, created, model,
service tier, prompt/cached/completion/reasoning tokens) into a fresh database file under WORKDIR,
deduplicated on the response id by a UNIQUE index, and prints one line:

    peer <name>: <seconds wall> s wall, <seconds CPU> s CPU, <rows stored> records

- duckdb: DuckDB's `read_json` (its C++ JSON reader, all cores) INSERT OR IGNORE into a table whose
  id is the PRIMARY KEY (a unique index), on disk. Skipped, with the pip command, when duckdb is missing.
- python: a plain loop, `json.loads` per line and sqlite3 `executemany` INSERT OR IGNORE into a
  table with a UNIQUE id, WAL mode, one transaction per 65,536 lines (what a careful script does).

Neither prices records, keeps a report rollup, checkpoints files or quarantines bad lines: they are
the floor of what storing the same rows costs, not the same work.
"""
import json
import os
import resource
import sqlite3
import sys
import time


def cpu_seconds():
    self = resource.getrusage(resource.RUSAGE_SELF)
    return self.ru_utime + self.ru_stime


def report(name, start, cpu_start, rows):
    wall = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    print(f"peer {name}: {wall:.3f} s wall, {cpu:.3f} s CPU, {rows} records", flush=True)


def duckdb_peer(path, workdir):
    try:
        import duckdb
    except ImportError:
        print("peer duckdb: skipped (the duckdb module is not installed; run: pip install duckdb)", flush=True)
        return
    db = os.path.join(workdir, "peer.duckdb")
    start, cpu_start = time.perf_counter(), cpu_seconds()
    con = duckdb.connect(db)
    con.execute("""
        CREATE TABLE usage (
            id VARCHAR PRIMARY KEY, created BIGINT, model VARCHAR, service_tier VARCHAR,
            prompt_tokens BIGINT, cached_tokens BIGINT, completion_tokens BIGINT, reasoning_tokens BIGINT)
    """)
    con.execute("""
        INSERT OR IGNORE INTO usage
        SELECT id, created, model, service_tier, usage.prompt_tokens,
               usage.prompt_tokens_details.cached_tokens, usage.completion_tokens,
               usage.completion_tokens_details.reasoning_tokens
        FROM read_json(?, format = 'newline_delimited', columns = {
            id: 'VARCHAR', created: 'BIGINT', model: 'VARCHAR', service_tier: 'VARCHAR',
            usage: 'STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT,
                           prompt_tokens_details STRUCT(cached_tokens BIGINT),
                           completion_tokens_details STRUCT(reasoning_tokens BIGINT))'})
    """, [path])
    rows = con.execute("SELECT count(*) FROM usage").fetchone()[0]
    con.close()
    report("duckdb read_json", start, cpu_start, rows)
    os.remove(db)


def python_peer(path, workdir):
    db = os.path.join(workdir, "peer.sqlite")
    start, cpu_start = time.perf_counter(), cpu_seconds()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("""
        CREATE TABLE usage (
            id TEXT NOT NULL UNIQUE, created INTEGER, model TEXT, service_tier TEXT,
            prompt_tokens INTEGER, cached_tokens INTEGER, completion_tokens INTEGER, reasoning_tokens INTEGER)
    """)
    insert = "INSERT OR IGNORE INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    batch = []
    con.execute("BEGIN")
    with open(path, "rb") as f:
        for line in f:
            o = json.loads(line)
            u = o["usage"]
            pd = u.get("prompt_tokens_details") or {}
            cd = u.get("completion_tokens_details") or {}
            batch.append((o["id"], o["created"], o["model"], o.get("service_tier"), u["prompt_tokens"],
                          pd.get("cached_tokens", 0), u["completion_tokens"], cd.get("reasoning_tokens", 0)))
            if len(batch) == 65536:
                con.executemany(insert, batch)
                con.execute("COMMIT")
                con.execute("BEGIN")
                batch.clear()
    con.executemany(insert, batch)
    con.execute("COMMIT")
    rows = con.execute("SELECT count(*) FROM usage").fetchone()[0]
    con.close()
    report("python json+sqlite3", start, cpu_start, rows)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    path, workdir = sys.argv[1], sys.argv[2]
    duckdb_peer(path, workdir)
    python_peer(path, workdir)


if __name__ == "__main__":
    main()
