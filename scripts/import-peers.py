#!/usr/bin/env python3
"""The import benchmark's peers, run by `tokenledger-bench import` on the same input right after our import.

usage: scripts/import-peers.py CHAT.jsonl WORKDIR | scripts/import-peers.py --claude-code TREE WORKDIR

Each peer stores what a first `tokenledger import` needs from every line (id, created, model,
service tier, prompt/cached/completion/reasoning tokens) into a fresh database file under WORKDIR,
deduplicated on the response id by a UNIQUE index, and prints one line:

    peer <name>: <seconds wall> s wall, <seconds CPU> s CPU, <rows stored> records

- duckdb: DuckDB's `read_json` (its C++ JSON reader, all cores) INSERT OR IGNORE into a table whose
  id is the PRIMARY KEY (a unique index), on disk. Skipped, with the pip command, when duckdb is missing.
- python: a plain loop, `json.loads` per line and sqlite3 `executemany` INSERT OR IGNORE into a
  table with a UNIQUE id, WAL mode, one transaction per 65,536 lines (what a careful script does).

With --claude-code, the same two peers read a Claude Code projects tree (every *.jsonl under TREE) and
store what a first `tokenledger import` stores of each usage line: the dedup key
`message.id:requestId` (UNIQUE), timestamp, model, service tier, input/output/cache-read tokens, cache
writes (5m and 1h, or the older cache_creation_input_tokens as 5m), thinking tokens, web searches,
session, project (the last component of cwd), branch, request id, the file the row came from, and the
rank `output_tokens * 2 + (isSidechain ? 0 : 1)`. Claude Code writes each streamed response as a
placeholder line and a final line with the same key; like the ledger, each peer keeps one row per key,
the highest-ranked copy (ties: the first file in path order), from assistant lines with usage and a
real model (API-error lines, model `<synthetic>`, are left out as we skip them).

- duckdb: `read_json` over the tree's glob with the needed fields as declared columns (others are not
  materialised), filename = true, the highest-ranked copy per key chosen by a window
  (QUALIFY row_number() = 1), INSERT into an on-disk table whose key is the PRIMARY KEY.
- python: files in path order, lines without `"assistant"` rejected by a byte search (as ours does),
  `json.loads` of the rest, sqlite3 `executemany` of an upsert that replaces a stored row only for a
  strictly higher rank (as the ledger does), WAL, one transaction per 65,536 lines.

Neither prices records, keeps a report rollup, checkpoints files or quarantines bad lines: they are
the floor of what storing the same rows costs, not the same work.
"""
import json
import os
import resource
import sqlite3
import sys
import time
from datetime import datetime


def cpu_seconds():
    self = resource.getrusage(resource.RUSAGE_SELF)
    return self.ru_utime + self.ru_stime


def report(name, start, cpu_start, rows):
    wall = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    print(f"peer {name}: {wall:.3f} s wall, {cpu:.3f} s CPU, {rows} records", flush=True)


def duckdb_peer_run(workdir, filename, table, insert, parameter):
    """Runs one DuckDB peer: a fresh on-disk database, its table, one INSERT … SELECT over read_json; prints its line."""
    try:
        import duckdb
    except ImportError:
        print("peer duckdb: skipped (the duckdb module is not installed; run: pip install duckdb)", flush=True)
        return
    db = os.path.join(workdir, filename)
    start, cpu_start = time.perf_counter(), cpu_seconds()
    con = duckdb.connect(db)
    con.execute(table)
    con.execute(insert, [parameter])
    rows = con.execute("SELECT count(*) FROM usage").fetchone()[0]
    con.close()
    report("duckdb read_json", start, cpu_start, rows)
    os.remove(db)


def duckdb_peer(path, workdir):
    duckdb_peer_run(workdir, "peer.duckdb", """
        CREATE TABLE usage (
            id VARCHAR PRIMARY KEY, created BIGINT, model VARCHAR, service_tier VARCHAR,
            prompt_tokens BIGINT, cached_tokens BIGINT, completion_tokens BIGINT, reasoning_tokens BIGINT)
    """, """
        INSERT OR IGNORE INTO usage
        SELECT id, created, model, service_tier, usage.prompt_tokens,
               usage.prompt_tokens_details.cached_tokens, usage.completion_tokens,
               usage.completion_tokens_details.reasoning_tokens
        FROM read_json(?, format = 'newline_delimited', columns = {
            id: 'VARCHAR', created: 'BIGINT', model: 'VARCHAR', service_tier: 'VARCHAR',
            usage: 'STRUCT(prompt_tokens BIGINT, completion_tokens BIGINT,
                           prompt_tokens_details STRUCT(cached_tokens BIGINT),
                           completion_tokens_details STRUCT(reasoning_tokens BIGINT))'})
    """, path)


class SQLitePeer:
    """The Python peer's database: a fresh WAL file with its table, rows written 65,536 a transaction."""

    BATCH = 65536

    def __init__(self, workdir, filename, table, statement):
        self.db = os.path.join(workdir, filename)
        self.start, self.cpu_start = time.perf_counter(), cpu_seconds()
        self.con = sqlite3.connect(self.db, isolation_level=None)
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.execute("PRAGMA synchronous = NORMAL")
        self.con.execute(table)
        self.statement = statement
        self.batch = []
        self.con.execute("BEGIN")

    def add(self, row):
        self.batch.append(row)
        if len(self.batch) == self.BATCH:
            self.con.executemany(self.statement, self.batch)
            self.con.execute("COMMIT")
            self.con.execute("BEGIN")
            self.batch.clear()

    def finish(self):
        """The last batch written and committed, the rows reported, the database removed."""
        self.con.executemany(self.statement, self.batch)
        self.con.execute("COMMIT")
        rows = self.con.execute("SELECT count(*) FROM usage").fetchone()[0]
        self.con.close()
        report("python json+sqlite3", self.start, self.cpu_start, rows)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                os.remove(self.db + suffix)


def python_peer(path, workdir):
    peer = SQLitePeer(workdir, "peer.sqlite", """
        CREATE TABLE usage (
            id TEXT NOT NULL UNIQUE, created INTEGER, model TEXT, service_tier TEXT,
            prompt_tokens INTEGER, cached_tokens INTEGER, completion_tokens INTEGER, reasoning_tokens INTEGER)
    """, "INSERT OR IGNORE INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    with open(path, "rb") as f:
        for line in f:
            o = json.loads(line)
            u = o["usage"]
            pd = u.get("prompt_tokens_details") or {}
            cd = u.get("completion_tokens_details") or {}
            peer.add((o["id"], o["created"], o["model"], o.get("service_tier"), u["prompt_tokens"],
                      pd.get("cached_tokens", 0), u["completion_tokens"], cd.get("reasoning_tokens", 0)))
    peer.finish()


CLAUDE_TABLE = """
    CREATE TABLE usage (
        key VARCHAR PRIMARY KEY, ts TIMESTAMP, model VARCHAR, service_tier VARCHAR,
        input_tokens BIGINT, output_tokens BIGINT, cache_read_tokens BIGINT, cache_write_5m BIGINT,
        cache_write_1h BIGINT, thinking_tokens BIGINT, web_searches BIGINT, session VARCHAR, project VARCHAR,
        branch VARCHAR, request_id VARCHAR, log_file VARCHAR, rank BIGINT)
"""


def duckdb_claude_peer(tree, workdir):
    duckdb_peer_run(workdir, "peer-claude.duckdb", CLAUDE_TABLE, """
        INSERT INTO usage
        SELECT message.id || coalesce(':' || requestId, ''), "timestamp", message.model,
               CASE WHEN u.speed = 'fast' THEN 'fast' ELSE u.service_tier END,
               u.input_tokens, u.output_tokens, u.cache_read_input_tokens,
               CASE WHEN u.cache_creation IS NULL THEN u.cache_creation_input_tokens
                    ELSE u.cache_creation.ephemeral_5m_input_tokens END,
               u.cache_creation.ephemeral_1h_input_tokens, u.output_tokens_details.thinking_tokens,
               u.server_tool_use.web_search_requests, sessionId, regexp_extract(cwd, '[^/]*$'), gitBranch,
               coalesce(requestId, message.id), filename,
               u.output_tokens * 2 + CASE WHEN isSidechain THEN 0 ELSE 1 END AS rank
        FROM (SELECT *, message.usage AS u
              FROM read_json(?, format = 'newline_delimited', filename = true, ignore_errors = true, columns = {
                  type: 'VARCHAR', isSidechain: 'BOOLEAN', cwd: 'VARCHAR', sessionId: 'VARCHAR',
                  gitBranch: 'VARCHAR', "timestamp": 'TIMESTAMP', requestId: 'VARCHAR',
                  message: 'STRUCT(id VARCHAR, model VARCHAR, usage STRUCT(
                      input_tokens BIGINT, output_tokens BIGINT, cache_read_input_tokens BIGINT,
                      cache_creation_input_tokens BIGINT,
                      cache_creation STRUCT(ephemeral_5m_input_tokens BIGINT, ephemeral_1h_input_tokens BIGINT),
                      output_tokens_details STRUCT(thinking_tokens BIGINT),
                      server_tool_use STRUCT(web_search_requests BIGINT),
                      service_tier VARCHAR, speed VARCHAR))'}))
        WHERE type = 'assistant' AND u IS NOT NULL AND message.id IS NOT NULL AND message.model <> '<synthetic>'
        QUALIFY row_number() OVER (PARTITION BY message.id || coalesce(':' || requestId, '')
                                   ORDER BY rank DESC, filename) = 1
    """, os.path.join(tree, "**", "*.jsonl"))


def python_claude_peer(tree, workdir):
    columns = ("key, ts, model, service_tier, input_tokens, output_tokens, cache_read_tokens, cache_write_5m, "
               "cache_write_1h, thinking_tokens, web_searches, session, project, branch, request_id, log_file, rank")
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns.split(", ")[1:])
    upsert = (f"INSERT INTO usage ({columns}) VALUES ({', '.join('?' * 17)}) "
              f"ON CONFLICT(key) DO UPDATE SET {updates} WHERE excluded.rank > usage.rank")
    peer = SQLitePeer(workdir, "peer-claude.sqlite", CLAUDE_TABLE.replace("VARCHAR PRIMARY KEY", "TEXT NOT NULL UNIQUE"), upsert)
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(tree) for f in names if f.endswith(".jsonl"))
    for path in files:
        with open(path, "rb") as f:
            for line in f:
                if b'"assistant"' not in line:
                    continue
                o = json.loads(line)
                m = o.get("message") or {}
                u = m.get("usage")
                if o.get("type") != "assistant" or u is None or m.get("id") is None or m.get("model") == "<synthetic>":
                    continue
                creation = u.get("cache_creation")
                w5 = u.get("cache_creation_input_tokens") if creation is None else creation.get("ephemeral_5m_input_tokens")
                w1 = None if creation is None else creation.get("ephemeral_1h_input_tokens")
                request = o.get("requestId")
                key = m["id"] + (":" + request if request else "")
                output = u.get("output_tokens", 0)
                # Parsed to Unix milliseconds, as the ledger stores it.
                ts = int(datetime.fromisoformat(o["timestamp"]).timestamp() * 1000)
                peer.add((key, ts, m.get("model"),
                          "fast" if u.get("speed") == "fast" else u.get("service_tier"),
                          u.get("input_tokens", 0), output, u.get("cache_read_input_tokens", 0), w5, w1,
                          (u.get("output_tokens_details") or {}).get("thinking_tokens"),
                          (u.get("server_tool_use") or {}).get("web_search_requests"),
                          o.get("sessionId"), (o.get("cwd") or "").rsplit("/", 1)[-1], o.get("gitBranch"),
                          request or m["id"], path, output * 2 + (0 if o.get("isSidechain") else 1)))
    peer.finish()


def main():
    args = sys.argv[1:]
    claude = args[:1] == ["--claude-code"]
    if claude:
        args = args[1:]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    path, workdir = args
    if claude:
        duckdb_claude_peer(path, workdir)
        python_claude_peer(path, workdir)
    else:
        duckdb_peer(path, workdir)
        python_peer(path, workdir)


if __name__ == "__main__":
    main()
