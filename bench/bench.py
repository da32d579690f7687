#!/usr/bin/python3
"""The measurements behind bench/run (see docs/bench.md). Standard library only; run by bench/run,
which installs the tools and builds billpipe first.

   /usr/bin/python3 bench/bench.py --billpipe BIN [--quick] [--sizes 1000000,5000000] [--pairs 3]
                                   [--decode-bin BIN] [--s3-bin BIN] [--work DIR] [--pandas-max N]
                                   [--destinations postgresql,clickhouse] [--only-destinations]

--destinations starts a throwaway PostgreSQL (testing/postgres.sh) and the two-shard ClickHouse cluster
(testing/clickhouse.sh) and pairs billpipe run --to each with what a user would do by hand: gunzip | psql
"\copy" into an all-text table, gunzip | clickhouse-client "INSERT ... FORMAT CSVWithNames" into an all-String
Distributed table over the two shards.

Writes bench/results/<timestamp>.json and .md and prints the Markdown table.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AWS = "/usr/bin/aws"  # Debian's awscli; a pyenv shim named 'aws' may come first on PATH
BUCKET = "billing"
PREFIX = "cur"
KEY_ID = "AKIABENCHMARK0000000"
SECRET = "bench/secret/not/a/real/one/000000000000"
REGION = "us-east-1"
MB = 1e6

# Targets from issue 7 (reported, not enforced).
TARGET_VS_DUCKDB = 2.0
TARGET_VS_SHELL = 5.0
TARGET_PEAK_MB = 256
TARGET_DECODE_VS_IGZIP = 0.7
# Targets from issue 15: against the by-hand loads into the same servers.
TARGET_VS_PSQL = 1.0
TARGET_VS_CH_CLIENT = 1.0
# Targets from issue 17: per line item at 5M within 5% of 1M; CPU per million line items at least 20% below
# the reference of issue 7 (17.37 CPU s per million at 1M, bench/results/reference.md of 2026-11-29).
TARGET_SCALING = 0.05
ISSUE7_CPU_S_PER_MILLION = 17.37
TARGET_CPU_CUT = 0.20


def log(msg):
    print(f"[bench {datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def aws_env():
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
               AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return env


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def capture(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip() or \
            subprocess.run(cmd, capture_output=True, text=True, timeout=60).stderr.strip()
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


# ---------------------------------------------------------------------------------------------------
# Timing one command with /usr/bin/time -v.

def timed(cmd, work, env=None, stdout_path=None):
    """Runs cmd under /usr/bin/time -v. Returns wall (monotonic), user, sys, cpu, peak RSS and the
    exit status. For a shell pipeline the peak is the largest single process (rusage of children)."""
    tfile = os.path.join(work, "time.txt")
    errfile = os.path.join(work, "stderr.txt")
    out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
    with open(errfile, "w") as err:
        start = time.monotonic()
        rc = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + cmd, stdout=out, stderr=err, env=env).returncode
        wall = time.monotonic() - start
    if stdout_path:
        out.close()
    with open(tfile) as f:
        text = f.read()

    def field(name):
        m = re.search(re.escape(name) + r":\s*([0-9.]+)", text)
        return float(m.group(1)) if m else 0.0

    user, sys_ = field("User time (seconds)"), field("System time (seconds)")
    r = {"wall_s": round(wall, 3), "user_s": user, "sys_s": sys_, "cpu_s": round(user + sys_, 2),
         "peak_mb": round(field("Maximum resident set size (kbytes)") / 1024, 1), "exit": rc}
    if rc != 0:
        with open(errfile) as f:
            r["error"] = f.read()[-2000:]
    return r


# ---------------------------------------------------------------------------------------------------
# Inputs.

def generate(billpipe, work, lines):
    """One billing period, one gzip file of `lines` line items, in work/in-<lines>/. Kept between runs
    (same binary, same options: the generator is deterministic)."""
    name = f"bench{lines}"
    d = os.path.join(work, f"in-{lines}")
    stamp = os.path.join(d, "stamp.json")
    want = {"lines": lines, "billpipe_mtime": os.path.getmtime(billpipe), "seed": 1}
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == want:
                return describe_input(d, name, lines)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    log(f"generating {lines:,} line items")
    subprocess.run([billpipe, "curgen", "--out", os.path.join(d, "cur"), "--expected", os.path.join(d, "expected.json"),
                    "--bucket", BUCKET, "--prefix", PREFIX, "--report-name", name, "--start-month", "2019-12",
                    "--months", "1", "--line-items", str(lines), "--files", "1", "--seed", "1", "--quiet"],
                   check=True)
    info = describe_input(d, name, lines, measure=True)
    with open(os.path.join(d, "input.json"), "w") as f:
        json.dump(info, f, indent=1)
    with open(stamp, "w") as f:
        json.dump(want, f)
    return info


def describe_input(d, name, lines, measure=False):
    if not measure:
        with open(os.path.join(d, "input.json")) as f:
            return json.load(f)
    gz = manifest = None
    for dirpath, _, files in os.walk(os.path.join(d, "cur")):
        for f in files:
            if f.endswith(".csv.gz"):
                gz = os.path.join(dirpath, f)
    manifest = os.path.join(os.path.dirname(gz), f"{name}-Manifest.json")
    with open(os.path.join(d, "expected.json")) as f:
        expected = json.load(f)
    assert expected["totals"]["rows"] == lines, expected["totals"]
    p = subprocess.Popen(["igzip", "-dc", gz], stdout=subprocess.PIPE)
    size = 0
    while chunk := p.stdout.read(1 << 20):
        size += len(chunk)
    p.wait()
    return {"name": name, "lines": lines, "dir": d, "file": gz, "manifest": manifest,
            "key": os.path.relpath(gz, os.path.join(d, "cur")), "compressed_bytes": os.path.getsize(gz),
            "uncompressed_bytes": size, "columns": expected["periods"][0]["column_count"]}


class S3Server:
    def __init__(self, work):
        self.dir = os.path.join(work, "s3")
        os.makedirs(self.dir, exist_ok=True)
        self.info = os.path.join(work, "s3.json")
        if os.path.exists(self.info):
            os.remove(self.info)
        self.log = open(os.path.join(work, "s3.log"), "w")
        self.proc = subprocess.Popen(
            ["node", "--openssl-legacy-provider", os.path.join(ROOT, "testing/s3/server.js"), "--dir", self.dir,
             "--bucket", BUCKET, "--key", f"{KEY_ID}:{SECRET}", "--parent-pid", str(os.getpid())],
            stdout=open(self.info, "w"), stderr=self.log)
        for _ in range(600):
            if os.path.getsize(self.info) > 0:
                break
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: the S3 server did not start, see {self.log.name}")
            time.sleep(0.1)
        with open(self.info) as f:
            self.endpoint = f"http://127.0.0.1:{json.loads(f.read())['port']}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def upload(self, inp):
        key = inp['key']
        head = subprocess.run([AWS, "--endpoint-url", self.endpoint, "s3api", "head-object", "--bucket", BUCKET,
                               "--key", key], capture_output=True, text=True, env=aws_env())
        if head.returncode == 0 and json.loads(head.stdout).get("ContentLength") == inp["compressed_bytes"]:
            return
        log(f"uploading {inp['name']} ({inp['compressed_bytes'] / MB:.0f} MB) to the S3 double")
        subprocess.run([AWS, "--endpoint-url", self.endpoint, "s3", "cp", "--recursive", "--only-show-errors",
                        os.path.join(inp["dir"], "cur"), f"s3://{BUCKET}/"], check=True, env=aws_env())


class DestinationServers:
    """The throwaway servers of the tests (testing/postgres.sh, testing/clickhouse.sh), started through
    their shell functions; stopped by stop(), also when a measurement fails."""

    def __init__(self, kinds):
        self.pg = self.ch = None
        self.kinds = kinds
        if "postgresql" in kinds:
            out = self._bash("source testing/postgres.sh && pg_start >&2 && "
                             'printf "%s\\n" "$BILLPIPE_TEST_PG" "$PG_DIR" "$PG_BINDIR"')
            conninfo, pg_dir, bindir = out.splitlines()[:3]
            self.pg = {"conninfo": conninfo, "dir": pg_dir, "bindir": bindir}
        if "clickhouse" in kinds:
            out = self._bash("source testing/clickhouse.sh && ch_start >&2 && "
                             'printf "%s\\n" "$BILLPIPE_TEST_CLICKHOUSE" "$BILLPIPE_TEST_CLICKHOUSE_SHARD2" '
                             '"$BILLPIPE_TEST_CLICKHOUSE_CLUSTER" "$CH_DIR" "$CH_TCP_PORT"')
            url, shard2, cluster, ch_dir, tcp = out.splitlines()[:5]
            self.ch = {"url": url, "shard2": shard2, "cluster": cluster, "dir": ch_dir, "tcp_port": tcp,
                       "host": url[len("http://"):].split(":")[0], "http_port": url.rsplit(":", 1)[1]}

    @staticmethod
    def _bash(script):
        return subprocess.run(["bash", "-c", script], cwd=ROOT, check=True, capture_output=True, text=True).stdout

    def stop(self):
        if self.pg:
            as_ = 'PG_AS=(runuser -u postgres --); [ "$(id -u)" = 0 ] || PG_AS=()'
            subprocess.run(["bash", "-c", f"source testing/postgres.sh; {as_}; PG_DIR='{self.pg['dir']}'; "
                            f"PG_BINDIR='{self.pg['bindir']}'; pg_stop"], cwd=ROOT)
            self.pg = None
        if self.ch:
            subprocess.run(["bash", "-c", f"source testing/clickhouse.sh; CH_DIR='{self.ch['dir']}'; ch_stop"],
                           cwd=ROOT)
            self.ch = None

    def psql(self, sql, schema=None):
        conninfo = self.pg["conninfo"] + (f" options='-csearch_path={schema}'" if schema else "")
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql],
                              check=True, capture_output=True, text=True).stdout.strip()

    def ch_query(self, sql, url=None):
        r = subprocess.run(["curl", "-sS", "--fail-with-body", "--data-binary", sql, (url or self.ch["url"]) + "/"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"ClickHouse refused {sql[:80]}: {r.stdout[-500:]} {r.stderr[-200:]}")
        return r.stdout.strip()

    def ch_servers(self):
        return [self.ch["url"], self.ch["shard2"]]

    def server_cpu(self, kind):
        """CPU seconds (user + system) the servers of kind have used so far, from /proc: PostgreSQL's
        postmaster with its finished backends (reaped: its cutime/cstime) and its live ones; both ClickHouse
        servers (all their threads). Deltas around a load are the server's share of it."""
        def stat(pid):
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return [int(x) for x in fields[11:15]], int(fields[1])  # utime stime cutime cstime; ppid

        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            if kind == "postgresql":
                with open(os.path.join(self.pg["dir"], "data", "postmaster.pid")) as f:
                    master = int(f.readline())
                # A backend that has exited but is not reaped yet (a zombie) shows no times, and its times move
                # to the postmaster's cutime only when reaped: wait for that (the postmaster reaps at once).
                for _ in range(100):
                    children = []
                    for pid in os.listdir("/proc"):
                        if pid.isdigit():
                            try:
                                with open(f"/proc/{pid}/stat") as f:
                                    rest = f.read().rsplit(")", 1)[1].split()
                            except OSError:
                                continue
                            if int(rest[1]) == master:
                                children.append((rest[0], [int(x) for x in rest[11:13]]))
                    if all(state != "Z" for state, _ in children):
                        break
                    time.sleep(0.02)
                total += sum(stat(master)[0]) + sum(t[0] + t[1] for _, t in children)
            else:
                for n in (1, 2):
                    with open(os.path.join(self.ch["dir"], f"shard{n}", "pid")) as f:
                        total += sum(stat(int(f.read().strip()))[0][:2])
        except OSError:
            return None
        return total / tick


def csv_header(inp):
    """The input's header row, as the by-hand loads see it."""
    p = subprocess.Popen(["igzip", "-dc", inp["file"]], stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    p.kill()
    p.wait()
    return line.rstrip("\r\n").split(",")


# ---------------------------------------------------------------------------------------------------
# The tools. Each returns the timing plus the line items it loaded (checked against the input).

class Tools:
    def __init__(self, args, server, work, destinations=None):
        self.a, self.server, self.work, self.dest = args, server, work, destinations
        self.scratch = os.path.join(work, "scratch")
        os.makedirs(self.scratch, exist_ok=True)

    def _fresh(self, *names):
        for n in names:
            p = os.path.join(self.scratch, n)
            if os.path.isdir(p):
                shutil.rmtree(p)
            for suffix in ("", "-wal", "-shm", "-journal", ".wal"):
                if os.path.exists(p + suffix):
                    os.remove(p + suffix)
        return [os.path.join(self.scratch, n) for n in names]

    def billpipe(self, inp):
        home, db = self._fresh("bp-home", "bp.db")
        os.makedirs(home)
        out = os.path.join(self.scratch, "bp.json")
        r = timed([self.a.billpipe, "run", "--bucket", BUCKET, "--prefix", PREFIX, "--report-name", inp["name"],
                   "--start", "2019-12-01", "--end", "2019-12-31", "--to", f"sqlite:{db}", "--home", home,
                   "--endpoint-url", self.server.endpoint, "--region", REGION, "--json"],
                  self.work, env=aws_env(), stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                summary = json.load(f)
            r["rows"] = summary["line_items_loaded"]
            if "writer" in summary:  # where the one writer's time went (docs/loading.md)
                r["writer"] = summary["writer"]
        return r

    def _billpipe_to(self, inp, to):
        home, = self._fresh("bp-home")
        os.makedirs(home)
        out = os.path.join(self.scratch, "bp.json")
        r = timed([self.a.billpipe, "run", "--bucket", BUCKET, "--prefix", PREFIX, "--report-name", inp["name"],
                   "--start", "2019-12-01", "--end", "2019-12-31", "--to", to, "--home", home,
                   "--endpoint-url", self.server.endpoint, "--region", REGION, "--json"],
                  self.work, env=aws_env(), stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                r["rows"] = json.load(f)["line_items_loaded"]
        return r

    def _with_server_cpu(self, kind, load):
        """Runs load() and adds the servers' CPU seconds during it (server_cpu_s)."""
        before = self.dest.server_cpu(kind)
        r = load()
        after = self.dest.server_cpu(kind)
        if before is not None and after is not None:
            r["server_cpu_s"] = round(after - before, 2)
        return r

    def billpipe_pg(self, inp):
        self.dest.psql("DROP SCHEMA IF EXISTS bench_bp CASCADE; CREATE SCHEMA bench_bp")
        r = self._with_server_cpu("postgresql", lambda: self._billpipe_to(
            inp, f"postgresql:{self.dest.pg['conninfo']} options='-csearch_path=bench_bp'"))
        if r["exit"] == 0:
            r["rows"] = int(self.dest.psql(f"SELECT count(*) FROM {inp['name']}", schema="bench_bp"))
        return r

    def psql_copy(self, inp):
        """gunzip | psql \copy into a table of text columns c1..cN (CUR headers pass PostgreSQL's 63-byte
        names), as a user loads a CSV by hand: no types, no exact numerics, no versions."""
        n = len(csv_header(inp))
        cols = ", ".join(f"c{i + 1} text" for i in range(n))
        self.dest.psql(f"DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy; "
                       f"CREATE TABLE bench_copy.line_items ({cols})")
        conninfo = self.dest.pg["conninfo"].replace("'", "'\\''")
        pipeline = (f"gunzip -c '{inp['file']}' | psql -X -q -v ON_ERROR_STOP=1 '{conninfo}' -c "
                    "'\\copy bench_copy.line_items FROM STDIN WITH (FORMAT csv, HEADER true)'")
        r = self._with_server_cpu("postgresql", lambda: timed(["bash", "-o", "pipefail", "-c", pipeline], self.work))
        if r["exit"] == 0:
            r["rows"] = int(self.dest.psql("SELECT count(*) FROM bench_copy.line_items"))
        return r

    def billpipe_ch(self, inp):
        for url in self.dest.ch_servers():
            self.dest.ch_query("DROP DATABASE IF EXISTS bench_bp", url)
        ch = self.dest.ch
        r = self._with_server_cpu("clickhouse", lambda: self._billpipe_to(
            inp, f"clickhouse://{ch['host']}:{ch['http_port']}/bench_bp?cluster={ch['cluster']}"))
        if r["exit"] == 0:
            r["rows"] = int(self.dest.ch_query(f"SELECT count() FROM bench_bp.{inp['name']}"))
        return r

    def ch_client(self, inp):
        """gunzip | clickhouse-client INSERT ... FORMAT CSVWithNames into a Distributed table of String
        columns c1..cN over a MergeTree table on each shard (rand() sharding), delivered synchronously
        (insert_distributed_sync=1: the command returns once both shards have their rows, as billpipe's
        run does)."""
        n = len(csv_header(inp))
        cols = ", ".join(f"c{i + 1} String" for i in range(n))
        ch = self.dest.ch
        for url in self.dest.ch_servers():
            self.dest.ch_query("DROP DATABASE IF EXISTS bench_csv", url)
            self.dest.ch_query("CREATE DATABASE bench_csv", url)
            self.dest.ch_query(f"CREATE TABLE bench_csv.line_items_local ({cols}) ENGINE = MergeTree "
                               "ORDER BY tuple()", url)
            self.dest.ch_query(f"CREATE TABLE bench_csv.line_items ({cols}) ENGINE = Distributed({ch['cluster']}, "
                               "bench_csv, line_items_local, rand())", url)
        pipeline = (f"gunzip -c '{inp['file']}' | clickhouse-client --host {ch['host']} --port {ch['tcp_port']} "
                    "--insert_distributed_sync=1 --query 'INSERT INTO bench_csv.line_items FORMAT CSVWithNames'")
        r = self._with_server_cpu("clickhouse", lambda: timed(["bash", "-o", "pipefail", "-c", pipeline], self.work))
        if r["exit"] == 0:
            r["rows"] = int(self.dest.ch_query("SELECT count() FROM bench_csv.line_items"))
        return r

    def duckdb(self, inp):
        (db,) = self._fresh("duck.db")
        out = os.path.join(self.scratch, "duck.out")
        r = timed(["node", os.path.join(ROOT, "bench/duckdb_load.js"), inp["file"], inp["manifest"], db], self.work,
                  stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                r["rows"] = json.load(f)["rows"]
        return r

    def shell(self, inp):
        (db,) = self._fresh("shell.db")
        url = f"s3://{BUCKET}/{inp['key']}"
        pipeline = (f"{AWS} s3 cp '{url}' - --endpoint-url {self.server.endpoint} | gunzip | "
                    f"sqlite3 '{db}' '.import --csv /dev/stdin line_items'")
        r = timed(["bash", "-o", "pipefail", "-c", pipeline], self.work, env=aws_env())
        if r["exit"] == 0:
            r["rows"] = int(subprocess.run(["sqlite3", db, "SELECT count(*) FROM line_items"], capture_output=True,
                                           text=True, check=True).stdout)
        return r

    def pandas(self, inp):
        (db,) = self._fresh("pandas.db")
        out = os.path.join(self.scratch, "pandas.out")
        r = timed(["/usr/bin/python3", os.path.join(ROOT, "bench/pandas_load.py"), inp["file"], inp["manifest"], db],
                  self.work, stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                r["rows"] = json.load(f)["rows"]
        return r

    def curl(self, inp):
        url = f"{self.server.endpoint}/{BUCKET}/{urllib.parse.quote(inp['key'])}"
        # The bench's throwaway key for the local S3 double, never a real secret.
        return timed(["curl", "-sS", "-f", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "--aws-sigv4",
                      f"aws:amz:{REGION}:s3", "--user", f"{KEY_ID}:{SECRET}", "-o", "/dev/null", url], self.work)

    def igzip(self, inp):
        return timed(["igzip", "-dc", inp["file"]], self.work)

    def gzip(self, inp):
        return timed(["gzip", "-dc", inp["file"]], self.work)

    def billpipe_decode(self, inp):
        out = os.path.join(self.scratch, "decode.out")
        r = timed([self.a.decode_bin, "decode", inp["file"]], self.work, stdout_path=out)
        if r["exit"] == 0:
            with open(out) as f:
                m = re.search(r"rows=(\d+)", f.read())
            r["rows"] = int(m.group(1)) if m else None
        return r

    def billpipe_s3(self, inp):
        return timed([self.a.s3_bin, "get", self.server.endpoint, BUCKET, inp['key']], self.work,
                     env=aws_env())


# What each tool is, and which billpipe measurement it is paired with (A B A B).
TOOLS = {
    "billpipe": ("billpipe run: S3 double -> SQLite (end to end)", None),
    "duckdb": ("DuckDB read_csv -> on-disk table (@duckdb/node-api)", "billpipe"),
    "shell": ("aws s3 cp - | gunzip | sqlite3 .import", "billpipe"),
    "pandas": ("pandas read_csv -> to_sql SQLite (Debian python3-pandas)", "billpipe"),
    "billpipe_decode": ("billpipe decode + CSV + types only (bench/decode_bench)", None),
    "igzip": ("floor: igzip -d > /dev/null", "billpipe_decode"),
    "gzip": ("floor: gzip -d > /dev/null", "billpipe_decode"),
    "billpipe_s3": ("billpipe S3 download only (bench/s3_download)", None),
    "curl": ("floor: curl --aws-sigv4 > /dev/null", "billpipe_s3"),
    "billpipe_pg": ("billpipe run: S3 double -> PostgreSQL (typed, NUMERIC, versions)", None),
    "psql_copy": ("gunzip | psql \\copy csv -> all-text table", "billpipe_pg"),
    "billpipe_ch": ("billpipe run: S3 double -> two-shard ClickHouse (typed, Decimal, versions)", None),
    "ch_client": ("gunzip | clickhouse-client INSERT FORMAT CSVWithNames -> all-String Distributed table",
                  "billpipe_ch"),
}


def measure(tools, inp, pairs, peers, results, checkpoint):
    """Alternates billpipe and each peer: per pair, billpipe then the peer. Floors are paired with the
    billpipe part they bound (decode-only, download-only) when that exists, else with the end-to-end run."""
    a = tools.a
    for i in range(pairs):
        sequence = [("billpipe", p) for p in ("duckdb", "shell", "pandas") if p in peers]
        if "postgresql" in peers:
            sequence.append(("billpipe_pg", "psql_copy"))
        if "clickhouse" in peers:
            sequence.append(("billpipe_ch", "ch_client"))
        if "floors" in peers:
            decode_peer = "billpipe_decode" if a.decode_bin else None
            s3_peer = "billpipe_s3" if a.s3_bin else None
            sequence += [(decode_peer, "igzip"), (None, "gzip"), (s3_peer, "curl")]
        last = {}
        for first, peer in sequence:
            for tool in (first, peer):
                if tool is None:
                    continue
                log(f"{inp['lines']:>9,} pair {i + 1}/{pairs}: {tool}")
                r = getattr(tools, tool)(inp)
                r.update(tool=tool, lines=inp["lines"], pair=i + 1)
                if r["exit"] != 0:
                    log(f"  FAILED (exit {r['exit']}): {r.get('error', '')[-400:]}")
                elif "rows" in r and r["rows"] != inp["lines"]:
                    r["error"] = f"loaded {r['rows']} line items, expected {inp['lines']}"
                    log(f"  WRONG: {r['error']}")
                else:
                    log(f"  {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, {r['peak_mb']:.0f} MB peak"
                        + (f", servers {r['server_cpu_s']:.2f} s CPU" if "server_cpu_s" in r else ""))
                last[tool] = r
                if tool == peer:
                    partner = TOOLS[peer][1]
                    ref = last.get(partner) or last.get("billpipe")
                    if ref and ref["exit"] == 0 and r["exit"] == 0:
                        r["paired_with"] = ref["tool"]
                        r["ratio_wall"] = round(r["wall_s"] / ref["wall_s"], 3)
                        r["ratio_cpu"] = round(r["cpu_s"] / ref["cpu_s"], 3) if ref["cpu_s"] else None
                results.append(r)
                checkpoint()


# ---------------------------------------------------------------------------------------------------
# Summary.

def summarise(results, inputs):
    summary = []
    for inp in inputs:
        for tool in TOOLS:
            rs = [r for r in results if r["tool"] == tool and r["lines"] == inp["lines"] and r["exit"] == 0
                  and "error" not in r]
            failed = [r for r in results if r["tool"] == tool and r["lines"] == inp["lines"]
                      and (r["exit"] != 0 or "error" in r)]
            if not rs and not failed:
                continue
            s = {"tool": tool, "what": TOOLS[tool][0], "lines": inp["lines"], "runs": len(rs), "failed": len(failed)}
            if rs:
                wall = statistics.median(r["wall_s"] for r in rs)
                cpu = statistics.median(r["cpu_s"] for r in rs)
                s.update(wall_s=round(wall, 2), cpu_s=round(cpu, 2),
                         peak_mb=round(max(r["peak_mb"] for r in rs), 1),
                         line_items_per_s=round(inp["lines"] / wall),
                         line_items_per_cpu_s=round(inp["lines"] / cpu) if cpu else None,
                         compressed_mb_per_s=round(inp["compressed_bytes"] / MB / wall, 1),
                         uncompressed_mb_per_s=round(inp["uncompressed_bytes"] / MB / wall, 1),
                         us_per_line_item=round(wall / inp["lines"] * 1e6, 3))
                ratios = [r["ratio_wall"] for r in rs if "ratio_wall" in r]
                cratios = [r["ratio_cpu"] for r in rs if r.get("ratio_cpu")]
                scpu = [r["server_cpu_s"] for r in rs if "server_cpu_s" in r]
                if scpu:
                    s["server_cpu_s"] = round(statistics.median(scpu), 2)
                if ratios:
                    s["paired_with"] = rs[0]["paired_with"]
                    s["pair_ratios_wall"] = ratios
                    s["median_ratio_wall"] = round(statistics.median(ratios), 2)
                if cratios:
                    s["median_ratio_cpu"] = round(statistics.median(cratios), 2)
            summary.append(s)
    return summary


def targets(summary, inputs):
    def get(tool, lines):
        return next((s for s in summary if s["tool"] == tool and s["lines"] == lines and s["runs"]), None)

    out = []
    for inp in inputs:
        n = inp["lines"]
        for peer, goal in (("duckdb", TARGET_VS_DUCKDB), ("shell", TARGET_VS_SHELL)):
            s = get(peer, n)
            if s and "median_ratio_wall" in s:
                out.append({"target": f"end to end >= {goal:g}x {peer} (line items/s)", "lines": n,
                            "measured_wall": s["median_ratio_wall"], "measured_cpu": s.get("median_ratio_cpu"),
                            "met": s["median_ratio_wall"] >= goal})
        for floor in ("igzip",):
            s = get(floor, n)
            if s and s.get("paired_with") == "billpipe_decode":
                v = s["median_ratio_wall"]
                out.append({"target": f"decode path >= {TARGET_DECODE_VS_IGZIP}x igzip", "lines": n,
                            "measured_wall": v, "measured_cpu": s.get("median_ratio_cpu"),
                            "met": v >= TARGET_DECODE_VS_IGZIP})
        for peer, goal in (("psql_copy", TARGET_VS_PSQL), ("ch_client", TARGET_VS_CH_CLIENT)):
            s = get(peer, n)
            if s and "median_ratio_wall" in s:
                out.append({"target": f"{s['paired_with']} >= {goal:g}x {peer} (line items/s)", "lines": n,
                            "measured_wall": s["median_ratio_wall"], "measured_cpu": s.get("median_ratio_cpu"),
                            "met": s["median_ratio_wall"] >= goal})
        for tool in ("billpipe", "billpipe_pg", "billpipe_ch"):
            bp = get(tool, n)
            if bp:
                out.append({"target": f"{tool} peak memory < {TARGET_PEAK_MB} MB", "lines": n,
                            "measured_mb": bp["peak_mb"], "met": bp["peak_mb"] < TARGET_PEAK_MB})
    for inp in inputs:
        bp = get("billpipe", inp["lines"])
        if bp and inp["lines"] >= 1_000_000:
            per_million = bp["cpu_s"] / (inp["lines"] / 1e6)
            goal = ISSUE7_CPU_S_PER_MILLION * (1 - TARGET_CPU_CUT)
            out.append({"target": f"billpipe CPU s per million line items <= {goal:.2f} "
                                  f"({TARGET_CPU_CUT:.0%} below {ISSUE7_CPU_S_PER_MILLION})",
                        "lines": inp["lines"], "measured": round(per_million, 2), "met": per_million <= goal})
    if len(inputs) >= 2:
        a, b = get("billpipe", inputs[0]["lines"]), get("billpipe", inputs[-1]["lines"])
        if a and b:
            ratio = b["us_per_line_item"] / a["us_per_line_item"]
            out.append({"target": f"time per line item at the large size within {TARGET_SCALING:.0%} of the small one",
                        "lines": inputs[-1]["lines"], "measured": round(ratio, 3),
                        "met": ratio <= 1 + TARGET_SCALING})
            out.append({"target": "peak memory flat (large / small)", "lines": inputs[-1]["lines"],
                        "measured": round(b["peak_mb"] / a["peak_mb"], 3), "met": b["peak_mb"] <= a["peak_mb"] * 1.15})
    return out


def markdown(doc):
    m = doc["machine"]
    title = f"# bench/run {doc['date']}" + (" (quick)" if doc["quick"] else "") + (" PARTIAL" if doc.get("partial") else "")
    lines = [title, "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB memory, {m['kernel']}. "
             f"Load average before {m['load_before']}, after {m['load_after']} "
             "(the machine is shared: CPU time is the steadier figure).", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in doc["versions"].items()), ""]
    for inp in doc["inputs"]:
        lines += [f"## {inp['lines']:,} line items",
                  f"One gzip CSV, {inp['columns']} columns: {inp['compressed_bytes'] / MB:,.1f} MB compressed, "
                  f"{inp['uncompressed_bytes'] / MB:,.1f} MB uncompressed.", "",
                  "| tool | runs | wall s | CPU s | line items/s | MB/s gz | MB/s csv | peak MB | "
                  "peer time / billpipe time (wall, CPU) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for s in doc["summary"]:
            if s["lines"] != inp["lines"]:
                continue
            if not s["runs"]:
                lines.append(f"| {s['tool']} | 0 ({s['failed']} failed) | | | | | | | |")
                continue
            ratio = ""
            if "median_ratio_wall" in s:
                ratio = (f"{s['median_ratio_wall']:.2f}x, {s.get('median_ratio_cpu', 0):.2f}x vs {s['paired_with']} "
                         f"(pairs: {', '.join(f'{x:.2f}' for x in s['pair_ratios_wall'])})")
            fails = f" ({s['failed']} failed)" if s["failed"] else ""
            if "server_cpu_s" in s:  # the destination servers' CPU during the load
                ratio += f" (servers: {s['server_cpu_s']:.2f} s CPU)"
            lines.append(f"| {s['tool']} | {s['runs']}{fails} | {s['wall_s']:.2f} | {s['cpu_s']:.2f} | "
                         f"{s['line_items_per_s']:,} | {s['compressed_mb_per_s']:.1f} | "
                         f"{s['uncompressed_mb_per_s']:.1f} | {s['peak_mb']:.0f} | {ratio} |")
        lines.append("")
    lines += ["## Targets (issues 7, 15 and 17)", "", "| target | size | measured | met |", "|---|---:|---|---|"]
    for t in doc["targets"]:
        if "measured_wall" in t:
            v = f"{t['measured_wall']:.2f}x wall" + (f", {t['measured_cpu']:.2f}x CPU" if t.get("measured_cpu") else "")
        elif "measured_mb" in t:
            v = f"{t['measured_mb']:.0f} MB"
        else:
            v = f"{t['measured']:.3f}"
        lines.append(f"| {t['target']} | {t['lines']:,} | {v} | {'yes' if t['met'] else '**no**'} |")
    lines.append("")
    lines += ["Ratios are the peer's time divided by billpipe's in the same pair, i.e. how many times more "
              "line items per second billpipe loads; medians over the pairs. Floors (igzip, gzip, curl) are "
              "paired with the billpipe part they bound when that part is measured.", ""]
    lines += [f"- {n}" for n in doc["notes"]]
    return "\n".join(lines) + "\n"


def versions(args):
    duck = "unknown"
    try:
        with open(os.path.join(ROOT, "bench/node_modules/@duckdb/node-api/package.json")) as f:
            duck = json.load(f)["version"]
    except OSError:
        pass
    pandas = capture(["/usr/bin/python3", "-c", "import pandas; print(pandas.__version__)"])
    return {
        "billpipe": capture(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
        "gcc": capture(["gcc", "-dumpfullversion"]),
        "@duckdb/node-api": duck,
        "node": capture(["node", "--version"]),
        "sqlite3": capture(["sqlite3", "--version"]).split(" ")[0],
        "aws-cli": capture([AWS, "--version"]).split(" ")[0],
        "pandas": pandas,
        "python3": capture(["/usr/bin/python3", "--version"]).split(" ")[-1],
        "igzip": capture(["igzip", "--version"]).splitlines()[0] if capture(["igzip", "--version"]) else "?",
        "gzip": capture(["gzip", "--version"]).splitlines()[0],
        "curl": capture(["curl", "--version"]).split(" ")[1],
    }


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release()}


def write(doc, plan, inputs, results, started, out, partial):
    """Writes bench/results/<start timestamp>.json and .md; while measuring (partial) after every run, so
    an interrupted run still leaves what it measured."""
    doc["partial"] = partial
    doc["machine"]["load_after"] = loadavg()
    all_inputs = sorted((inp for inp, _, _ in plan), key=lambda i: i["lines"])
    doc["inputs"] = [{k: v for k, v in i.items() if k not in ("dir", "file", "manifest")} for i in all_inputs]
    doc["results"] = results
    doc["summary"] = summarise(results, all_inputs)
    doc["targets"] = targets(doc["summary"], inputs)
    doc["seconds"] = round(time.monotonic() - started, 1)
    notes = list(doc["notes"])
    for inp in all_inputs:
        waits = [r["writer"] for r in results if r["tool"] == "billpipe" and r["lines"] == inp["lines"]
                 and r["exit"] == 0 and "writer" in r]
        if waits:
            w = waits[len(waits) // 2]
            notes.append(f"billpipe's writer at {inp['lines']:,} line items (run {len(waits) // 2 + 1} of "
                         f"{len(waits)}): waited {w['first_batch_seconds']:.2f} s for the first lines and "
                         f"{w['wait_seconds']:.2f} s for later ones, inserted for {w['busy_seconds']:.2f} s.")
    notes += ["billpipe and the shell pipeline read from the S3 double (node, same machine); DuckDB, pandas, "
              "igzip and gzip read the local .csv.gz (page cache). The S3 double's CPU is not counted for anyone.",
              "Peak memory is /usr/bin/time -v's maximum resident set size; for the shell pipeline it is the "
              "largest single process of the pipeline.",
              f"Measurement took {doc['seconds']:.0f} s" + (" so far (PARTIAL: still running or interrupted)."
                                                            if partial else ".")]
    os.makedirs(out, exist_ok=True)
    stamp = doc["date"].replace(":", "").replace("-", "")
    md = markdown(dict(doc, notes=notes))
    with open(os.path.join(out, f"{stamp}.json"), "w") as f:
        json.dump(dict(doc, notes=notes), f, indent=1)
    with open(os.path.join(out, f"{stamp}.md"), "w") as f:
        f.write(md)
    if not partial:
        print(md)
        log(f"wrote {os.path.join(out, stamp)}.json and .md")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--billpipe", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--sizes")
    p.add_argument("--pairs", type=int)
    p.add_argument("--full", action="store_true",
                   help="every peer with every pair at every size (no time budget)")
    p.add_argument("--decode-bin")
    p.add_argument("--s3-bin")
    p.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/billpipe-bench-run"))
    p.add_argument("--pandas-lines", type=int, default=100000,
                   help="the input size pandas runs on, paired with billpipe (0: no pandas)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench/results"))
    p.add_argument("--destinations", default="",
                   help="also load into these (postgresql,clickhouse), each paired with its by-hand load")
    p.add_argument("--only-destinations", action="store_true",
                   help="measure only the --destinations pairs (no SQLite peers, no floors)")
    a = p.parse_args()
    dest_kinds = [d for d in a.destinations.split(",") if d]
    for d in dest_kinds:
        if d not in ("postgresql", "clickhouse"):
            raise SystemExit(f"bench: unknown destination '{d}' (postgresql, clickhouse)")
    sizes = [int(x) for x in (a.sizes or ("100000,500000" if a.quick else "1000000,5000000")).split(",")]
    pairs = a.pairs or (1 if a.quick else 3)
    os.makedirs(a.work, exist_ok=True)
    started = time.monotonic()
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "quick": a.quick,
           "pairs": pairs, "machine": machine(), "versions": versions(a), "notes": []}
    doc["machine"]["load_before"] = loadavg()
    notes = doc["notes"]
    if not a.decode_bin:
        notes.append("billpipe decode-only: skipped, bench/decode_bench.cpp not present (branch decode); "
                     "igzip and gzip are paired with the end-to-end run instead.")
    if not a.s3_bin:
        notes.append("billpipe S3 download only: skipped, bench/s3_download.cpp not present (branch s3); "
                     "curl is paired with the end-to-end run instead.")

    inputs = [generate(a.billpipe, a.work, n) for n in sizes]
    # The time budget (15 minutes on 2 cores): every peer and every pair at the first size; at the larger
    # sizes, which are there for scaling and memory, one pair with DuckDB and the floors (the shell pipeline
    # alone takes minutes per 5 million line items). --full lifts this.
    plan = [(inp, ["duckdb", "floors"] + (["shell"] if a.full or k == 0 else []) +
             (["pandas"] if inp["lines"] == a.pandas_lines else []), pairs if a.full or k == 0 else 1)
            for k, inp in enumerate(inputs)]
    if len(inputs) > 1 and not a.full:
        notes.append(f"At {', '.join(format(i['lines'], ',') for i in inputs[1:])} line items: one pair, DuckDB and the "
                     "floors only (the time budget; bench/run --full runs everything at every size).")
    if a.only_destinations:
        plan = [(inp, [], n) for inp, _, n in plan]
        a.pandas_lines = 0
    # The destinations are paired at every size with every pair: they are what issue 15 measures.
    plan = [(inp, peers + dest_kinds, pairs if dest_kinds else n) for inp, peers, n in plan]
    if a.pandas_lines and a.pandas_lines not in sizes:
        plan.insert(0, (generate(a.billpipe, a.work, a.pandas_lines), ["pandas"], pairs))
    if a.pandas_lines:
        notes.append(f"pandas runs on {a.pandas_lines:,} line items only (--pandas-lines): read_csv holds the "
                     "whole table in memory and read_csv + to_sql take minutes per million line items, more than "
                     "the time budget allows at the large sizes.")
    server = S3Server(a.work)
    destinations = None
    results = []
    try:
        for inp, _, _ in plan:
            server.upload(inp)
        if dest_kinds:
            destinations = DestinationServers(dest_kinds)
            if destinations.ch:
                doc["versions"]["clickhouse-server"] = destinations.ch_query("SELECT version()")
            if destinations.pg:
                doc["versions"]["postgresql"] = destinations.psql("SHOW server_version")
            notes.append("PostgreSQL and ClickHouse are the throwaway servers of the tests (testing/postgres.sh with "
                         "fsync=off; testing/clickhouse.sh: two clickhouse-server processes on this machine), "
                         "whose CPU is not in the CPU column but shown beside the ratio (servers: CPU seconds of the "
                         "server processes during the load, from /proc); billpipe reads the S3 double, the by-hand "
                         "loads the local .csv.gz.")
        tools = Tools(a, server, a.work, destinations)
        for inp, peers, n in plan:
            measure(tools, inp, n, peers, results,
                    lambda: write(doc, plan, inputs, results, started, a.out, partial=True))
    finally:
        server.stop()
        if destinations:
            destinations.stop()
    write(doc, plan, inputs, results, started, a.out, partial=False)
    return 1 if any(r["exit"] != 0 or "error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
