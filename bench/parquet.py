#!/usr/bin/python3
"""Parquet benchmarks (issue 13; docs/bench.md, "Parquet"), on one generated billing period:

  decode:      billpipe's Parquet batch source (bench/parquet_bench.cpp) versus DuckDB read_parquet with
               SET threads=1 (bench/parquet_duckdb.js), on the same snappy file, every column decoded;
  end to end:  `billpipe run` from the S3 double into SQLite, the Parquet (Athena) layout versus the gzip
               CSV layout it was converted from (testing/athena_layout.js), per line item.

   /usr/bin/python3 bench/parquet.py --billpipe BIN --decode-bin BIN [--lines 1000000] [--pairs 1] [--work DIR]

Writes bench/results/parquet-<timestamp>.json and .md and prints the Markdown table. Standard library only;
reuses bench.py's generator, S3 double and timer.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROOT = bench.ROOT


def parquet_layout(inp, work):
    """The Athena layout of the generated CSV report under prefix pq/ (kept between runs)."""
    d = os.path.join(work, f"pq-{inp['lines']}")
    stamp = os.path.join(d, "stamp.json")
    want = {"csv": os.path.getmtime(inp["file"])}
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == want:
                return d
    shutil.rmtree(d, ignore_errors=True)
    bench.log(f"converting {inp['lines']:,} line items to Parquet (DuckDB)")
    subprocess.run(["node", os.path.join(ROOT, "testing/athena_layout.js"), os.path.join(inp["dir"], "cur"), d,
                    "--prefix", bench.PREFIX, "--dest-prefix", "pq", "--report", inp["name"]], check=True)
    with open(stamp, "w") as f:
        json.dump(want, f)
    return d


def parquet_file(d, inp):
    return os.path.join(d, "pq", inp["name"], inp["name"], "year=2019", "month=12", f"{inp['name']}-00001.snappy.parquet")


def run_billpipe(args, server, work, inp, prefix):
    scratch = os.path.join(work, "scratch")
    home, db = os.path.join(scratch, "pq-home"), os.path.join(scratch, "pq.db")
    shutil.rmtree(home, ignore_errors=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    os.makedirs(home)
    out = os.path.join(scratch, "pq-run.json")
    r = bench.timed([args.billpipe, "run", "--bucket", bench.BUCKET, "--prefix", prefix, "--report-name", inp["name"],
                     "--start", "2019-12-01", "--end", "2019-12-31", "--to", f"sqlite:{db}", "--home", home,
                     "--endpoint-url", server.endpoint, "--region", bench.REGION, "--json"],
                    work, env=bench.aws_env(), stdout_path=out)
    if r["exit"] == 0:
        with open(out) as f:
            summary = json.load(f)
        r["rows"] = summary["line_items_loaded"]
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--billpipe", required=True)
    ap.add_argument("--decode-bin", required=True)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=1)
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/billpipe-bench-run"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results"))
    a = ap.parse_args()
    os.makedirs(os.path.join(a.work, "scratch"), exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    inp = bench.generate(a.billpipe, a.work, a.lines)
    d = parquet_layout(inp, a.work)
    pq = parquet_file(d, inp)
    rows = []

    def row(name, r):
        r["tool"] = name
        rows.append(r)
        bench.log(f"{name}: {r.get('wall_s')} s, {r.get('peak_mb')} MB, rows {r.get('rows')}, exit {r['exit']}")

    for _ in range(a.pairs):
        out = os.path.join(a.work, "scratch", "pq-decode.out")
        r = bench.timed([a.decode_bin, pq], a.work, stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                m = re.search(r"rows=(\d+) cost=(\S+)", f.read())
            r["rows"], r["cost"] = int(m.group(1)), m.group(2)
        row("billpipe parquet decode", r)
        out = os.path.join(a.work, "scratch", "pq-duck.out")
        r = bench.timed(["node", os.path.join(ROOT, "bench/parquet_duckdb.js"), pq], a.work, stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                j = json.load(f)
            r["rows"], r["cost"] = j["rows"], j["cost"]
        row("DuckDB read_parquet, threads=1", r)

    server = bench.S3Server(a.work)
    try:
        server.upload(inp)
        bench.log("uploading the Parquet layout to the S3 double")
        subprocess.run([bench.AWS, "--endpoint-url", server.endpoint, "s3", "cp", "--recursive", "--only-show-errors",
                        d, f"s3://{bench.BUCKET}/", "--exclude", "stamp.json"], check=True, env=bench.aws_env())
        for _ in range(a.pairs):
            row("billpipe run S3 -> SQLite, Parquet", run_billpipe(a, server, a.work, inp, "pq"))
            row("billpipe run S3 -> SQLite, gzip CSV", run_billpipe(a, server, a.work, inp, bench.PREFIX))
    finally:
        server.stop()

    def best(name):
        ok = [r["wall_s"] for r in rows if r["tool"] == name and r["exit"] == 0]
        return min(ok) if ok else None

    dec, duck = best("billpipe parquet decode"), best("DuckDB read_parquet, threads=1")
    e2e_pq, e2e_csv = best("billpipe run S3 -> SQLite, Parquet"), best("billpipe run S3 -> SQLite, gzip CSV")
    doc = {"started": started.isoformat(), "lines": a.lines, "parquet_bytes": os.path.getsize(pq),
           "gzip_csv_bytes": inp["compressed_bytes"], "load": bench.loadavg(), "rows": rows,
           "decode_vs_duckdb": round(duck / dec, 2) if dec and duck else None,
           "e2e_parquet_vs_csv": round(e2e_csv / e2e_pq, 2) if e2e_pq and e2e_csv else None}
    lines = [f"# Parquet, {a.lines:,} line items ({started:%Y-%m-%d %H:%M} UTC, load {doc['load']})", "",
             f"Parquet file {doc['parquet_bytes'] / 1e6:.1f} MB (snappy), gzip CSV {doc['gzip_csv_bytes'] / 1e6:.1f} MB", "",
             "| tool | wall s | cpu s | peak MB | rows |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['tool']} | {r.get('wall_s')} | {r.get('cpu_s')} | {r.get('peak_mb')} | {r.get('rows')} |")
    lines += ["", f"decode, DuckDB time / billpipe time (target >= 1.0): {doc['decode_vs_duckdb']}",
              f"end to end, CSV time / Parquet time (target >= 1.0): {doc['e2e_parquet_vs_csv']}"]
    os.makedirs(a.out, exist_ok=True)
    stem = os.path.join(a.out, f"parquet-{started:%Y%m%dT%H%M%SZ}")
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
