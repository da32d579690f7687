#!/usr/bin/python3
"""Where ClickHouse's time goes when billpipe inserts a CUR table (docs/destinations.md, "Speed").

   /usr/bin/python3 bench/clickhouse_formats.py URL DATABASE DATASET

DATASET is a dataset billpipe loaded into DATABASE on the server at URL (http://host:port): its rows in
DATASET__local on that server are exported once per format, then sent back with curl into empty tables
of three shapes (billpipe's: every column Nullable and typed; every column Nullable(String); typed without
Nullable) with two engines (Null: parsing only; MergeTree: parsing and writing a part). Prints the seconds
of each INSERT as the server measured it (system.query_log) and as curl saw it. Standard library only.
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse


def run(url, sql, data_file=None, settings=""):
    # POST always (a GET is read-only); the statement in the URL when the body is data.
    if data_file:
        cmd = ["curl", "-sS", "--fail-with-body", "-o", "-", "--data-binary", "@" + data_file,
               f"{url}/?query={urllib.parse.quote(sql)}{settings}"]
    else:
        cmd = ["curl", "-sS", "--fail-with-body", "-o", "-", "--data-binary", "@-", f"{url}/?{settings.lstrip('&')}"]
    start = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, input=None if data_file else sql.encode())
    wall = time.monotonic() - start
    if r.returncode != 0:
        raise SystemExit(f"ClickHouse refused {sql[:100]}: {r.stdout[-400:]!r} {r.stderr[-200:]!r}")
    return r.stdout, wall


def main():
    url, db, dataset = sys.argv[1:4]
    local = f"{dataset}__local"
    out, _ = run(url, f"SELECT name, type FROM system.columns WHERE database = '{db}' AND table = '{local}' "
                      "FORMAT TabSeparated")  # in table order (18.16 has no position column)
    columns = [line.replace("\\'", "'").split("\t") for line in out.decode().splitlines()]  # TSV escapes quotes
    rows = int(run(url, f"SELECT count() FROM {db}.{local}")[0])
    work = tempfile.mkdtemp(prefix="billpipe-ch-formats-")

    def plain(t):
        return t[len("Nullable("):-1] if t.startswith("Nullable(") else t

    shapes = {
        "billpipe (Nullable, typed)": [(n, t) for n, t in columns],
        "Nullable(String) everywhere": [(n, "Nullable(String)" if t.startswith("Nullable(") else t)
                                        for n, t in columns],
        "typed, no Nullable": [(n, plain(t)) for n, t in columns],
    }
    print(f"{rows:,} rows, {len(columns)} columns, from {db}.{local} at {url}")
    print(f"{'shape':<30} {'format':<13} {'engine':<10} {'MB':>7} {'server s':>9} {'curl s':>7}")
    for shape, cols in shapes.items():
        def expr(n, t, target):
            if target == t:
                return f"`{n}`"
            if target == "Nullable(String)":
                return f"CAST(toString(`{n}`) AS Nullable(String))"
            return f"assumeNotNull(`{n}`)"  # a NULL row reads the nested column's default

        select = ", ".join(expr(n, t, ct) for (n, t), (_, ct) in zip(columns, cols))
        for fmt in ("TabSeparated", "RowBinary", "Native"):
            path = os.path.join(work, f"data.{fmt}")
            with open(path, "wb") as f:
                f.write(run(url, f"SELECT {select} FROM {db}.{local} FORMAT {fmt}")[0])
            mb = os.path.getsize(path) / 1e6
            for engine in ("Null", "MergeTree"):
                table = f"{db}._probe"
                run(url, f"DROP TABLE IF EXISTS {table}")
                defs = ", ".join(f"`{n}` {t}" for n, t in cols)
                order = " ORDER BY tuple()" if engine == "MergeTree" else ""
                run(url, f"CREATE TABLE {table} ({defs}) ENGINE = {engine}{order}")
                tag = f"probe {shape} {fmt} {engine}"
                _, wall = run(url, f"INSERT INTO {table} FORMAT {fmt}", path,
                              settings="&log_queries=1&query_id=" + urllib.parse.quote(tag))
                run(url, "SYSTEM FLUSH LOGS")
                ms, _ = run(url, f"SELECT query_duration_ms FROM system.query_log WHERE query_id = '{tag}' AND "
                                 "type = 2 ORDER BY event_time DESC LIMIT 1")
                server = int(ms.decode().strip() or 0) / 1000
                print(f"{shape:<30} {fmt:<13} {engine:<10} {mb:7.1f} {server:9.2f} {wall:7.2f}", flush=True)
                run(url, f"DROP TABLE {table}")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
