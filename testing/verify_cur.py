#!/usr/bin/env python3
"""An independent reader of a legacy CUR layout on disk, to check billpipe's generator (and later its
loader) against expected.json. Python standard library only: gzip, zipfile, csv, decimal, json.

    testing/verify_cur.py ROOT [--expected FILE] [--prefix P] [--report NAME] [--check-assemblies]

ROOT holds the objects (key K at ROOT/K). The reader finds the billing-period folders under
<prefix>/<report>/, reads each period's top-level manifest only (never lists assembly folders), reads
the files its reportKeys name, and sums the lines with exact decimals. It then compares every total
with expected.json (default ROOT/expected.json) to the last decimal. With --check-assemblies it also
checks that each older assembly listed in expected.json is a month-to-date prefix of the next one.
Exit status 0 when everything matches; 1 with one line per mismatch otherwise.
"""
import argparse
import csv
import decimal
import gzip
import io
import json
import os
import re
import sys
import zipfile
from collections import defaultdict
from decimal import Decimal

decimal.getcontext().prec = 60
TEN = Decimal("0.0000000000")
MANIFEST_FIELDS = [
    "assemblyId", "account", "columns", "charset", "compression", "contentType", "reportId",
    "reportName", "billingPeriod", "bucket", "reportKeys", "additionalArtifactKeys",
]
TYPES = {"String", "DateTime", "BigDecimal", "OptionalBigDecimal", "OptionalString", "Interval"}
PERIOD_RE = re.compile(r"^(\d{4})(\d{2})01-(\d{4})(\d{2})01$")
NUMBER_RE = re.compile(r"^-?\d+\.\d{10}$")

errors = []


def fail(msg):
    errors.append(msg)


def fmt(d):
    return format(d.quantize(TEN), "f")


def open_csv(path, compression):
    """Yields the CSV text stream of one data file (gzip: every member; zip: its one member)."""
    if compression == "GZIP":
        if not path.endswith(".csv.gz"):
            fail(f"{path}: manifest says GZIP but the file is not .csv.gz")
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    if compression == "ZIP":
        if not path.endswith(".csv.zip"):
            fail(f"{path}: manifest says ZIP but the file is not .csv.zip")
        z = zipfile.ZipFile(path)
        names = z.namelist()
        if len(names) != 1:
            fail(f"{path}: ZIP holds {len(names)} members, expected 1")
        return io.TextIOWrapper(z.open(names[0]), encoding="utf-8", newline="")
    fail(f"{path}: unknown compression {compression!r}")
    return io.StringIO("")


def read_manifest(root, key, bucket, report, period):
    path = os.path.join(root, key)
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    missing = [k for k in MANIFEST_FIELDS if k not in m]
    if missing:
        fail(f"{key}: manifest lacks {missing}")
    mm = PERIOD_RE.match(period)
    start = f"{mm.group(1)}{mm.group(2)}01T000000.000Z"
    end = f"{mm.group(3)}{mm.group(4)}01T000000.000Z"
    if m.get("billingPeriod") != {"start": start, "end": end}:
        fail(f"{key}: billingPeriod {m.get('billingPeriod')} does not match folder {period}")
    if m.get("reportName") != report:
        fail(f"{key}: reportName {m.get('reportName')!r} != {report!r}")
    if bucket and m.get("bucket") != bucket:
        fail(f"{key}: bucket {m.get('bucket')!r} != {bucket!r}")
    if m.get("charset") != "UTF-8" or m.get("contentType") != "text/csv":
        fail(f"{key}: charset/contentType {m.get('charset')!r}/{m.get('contentType')!r}")
    if not re.fullmatch(r"\d{12}", str(m.get("account", ""))):
        fail(f"{key}: account {m.get('account')!r} is not a 12-digit id")
    for c in m.get("columns", []):
        if set(c) != {"category", "name", "type"} or c["type"] not in TYPES:
            fail(f"{key}: bad column entry {c}")
            break
    return m


def read_lines(root, manifest):
    """Yields (header, row) for every line of every file the manifest names, in order."""
    header_expected = [f"{c['category']}/{c['name']}" for c in manifest["columns"]]
    for key in manifest["reportKeys"]:
        with open_csv(os.path.join(root, key), manifest["compression"]) as text:
            reader = csv.reader(text)
            header = next(reader, None)
            if header != header_expected:
                fail(f"{key}: CSV header differs from the manifest's columns")
                return
            for row in reader:
                if len(row) != len(header):
                    fail(f"{key} line {reader.line_num}: {len(row)} fields, header has {len(header)}")
                    continue
                yield key, header, row


def new_totals():
    return {
        "rows": 0, "unblended_cost": Decimal(0), "blended_cost": Decimal(0), "usage_amount": Decimal(0),
        "with_invoice_id": [0, Decimal(0)], "without_invoice_id": [0, Decimal(0)],
        "by_product_code": defaultdict(lambda: [0, Decimal(0)]),
        "by_usage_day": defaultdict(lambda: [0, Decimal(0)]),
        "by_line_item_type": defaultdict(lambda: [0, Decimal(0)]),
    }


def number(key, row, idx, name):
    v = row[idx[name]]
    if not NUMBER_RE.match(v):
        fail(f"{key}: {name} {v!r} is not a decimal with 10 places")
        return Decimal(0)
    return Decimal(v)


def sum_period(root, manifest):
    t = new_totals()
    idx = None
    for key, header, row in read_lines(root, manifest):
        if idx is None:
            idx = {h: i for i, h in enumerate(header)}
        cost = number(key, row, idx, "lineItem/UnblendedCost")
        t["rows"] += 1
        t["unblended_cost"] += cost
        t["blended_cost"] += number(key, row, idx, "lineItem/BlendedCost")
        t["usage_amount"] += number(key, row, idx, "lineItem/UsageAmount")
        bucket = t["with_invoice_id"] if row[idx["bill/InvoiceId"]] else t["without_invoice_id"]
        bucket[0] += 1
        bucket[1] += cost
        for field, name in (("by_product_code", "lineItem/ProductCode"),
                            ("by_line_item_type", "lineItem/LineItemType")):
            e = t[field][row[idx[name]]]
            e[0] += 1
            e[1] += cost
        e = t["by_usage_day"][row[idx["lineItem/UsageStartDate"]][:10]]
        e[0] += 1
        e[1] += cost
    return t


def compare(period, t, exp):
    def eq(what, got, want):
        if got != want:
            fail(f"{period}: {what}: read {got}, expected.json says {want}")

    eq("rows", t["rows"], exp["rows"])
    for k in ("unblended_cost", "blended_cost", "usage_amount"):
        eq(k, fmt(t[k]), exp[k])
    for k in ("with_invoice_id", "without_invoice_id"):
        eq(k + " rows", t[k][0], exp[k]["rows"])
        eq(k + " cost", fmt(t[k][1]), exp[k]["unblended_cost"])
    for k in ("by_product_code", "by_usage_day", "by_line_item_type"):
        got = {name: {"rows": v[0], "unblended_cost": fmt(v[1])} for name, v in sorted(t[k].items())}
        eq(k, got, exp[k])


def strip_version_fields(header, row):
    # identity/LineItemId is not stable across versions; bill/InvoiceId is filled only once invoiced.
    drop = {header.index("identity/LineItemId"), header.index("bill/InvoiceId")}
    return [v for i, v in enumerate(row) if i not in drop]


def check_assemblies(root, period, exp, bucket, report):
    lines_of = []
    for a in exp["assemblies"]:
        m = read_manifest(root, a["manifest_key"], bucket, report, period)
        if m["assemblyId"] != a["assembly_id"]:
            fail(f"{period}: {a['manifest_key']} has assemblyId {m['assemblyId']}")
        rows = [strip_version_fields(h, r) for _, h, r in read_lines(root, m)]
        if len(rows) != a["rows"]:
            fail(f"{period}: assembly {a['assembly_id']} has {len(rows)} lines, expected.json says {a['rows']}")
        lines_of.append(rows)
    for older, newer in zip(lines_of, lines_of[1:]):
        if newer[: len(older)] != older:
            fail(f"{period}: an older assembly is not a month-to-date prefix of the next one")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root")
    ap.add_argument("--expected")
    ap.add_argument("--prefix")
    ap.add_argument("--report")
    ap.add_argument("--bucket")
    ap.add_argument("--check-assemblies", action="store_true")
    args = ap.parse_args()
    with open(args.expected or os.path.join(args.root, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    prefix = expected["prefix"] if args.prefix is None else args.prefix
    report = args.report or expected["report_name"]
    bucket = args.bucket or expected["bucket"]
    base = f"{prefix}/{report}" if prefix else report

    # Periods are discovered from the folders, not taken from expected.json.
    base_dir = os.path.join(args.root, base)
    periods = sorted(d for d in os.listdir(base_dir) if PERIOD_RE.match(d))
    exp_periods = {p["period"]: p for p in expected["periods"]}
    if periods != sorted(exp_periods):
        fail(f"period folders {periods} != expected.json periods {sorted(exp_periods)}")

    total_rows, total_cost = 0, Decimal(0)
    for period in periods:
        top_key = f"{base}/{period}/{report}-Manifest.json"
        manifest = read_manifest(args.root, top_key, bucket, report, period)
        exp = exp_periods.get(period)
        t = sum_period(args.root, manifest)
        total_rows += t["rows"]
        total_cost += t["unblended_cost"]
        if exp is None:
            continue
        if manifest["assemblyId"] != exp["assembly_id"]:
            fail(f"{period}: top-level manifest points to {manifest['assemblyId']}, expected {exp['assembly_id']}")
        if len(manifest["columns"]) != exp["column_count"]:
            fail(f"{period}: {len(manifest['columns'])} columns, expected {exp['column_count']}")
        tags = [f"{c['category']}/{c['name']}" for c in manifest["columns"]
                if c["category"] == "resourceTags" and c["name"].startswith("user:")]
        if tags != exp["tag_columns"]:
            fail(f"{period}: tag columns {tags} != {exp['tag_columns']}")
        compare(period, t, exp)
        if args.check_assemblies:
            check_assemblies(args.root, period, exp, bucket, report)

    if total_rows != expected["totals"]["rows"] or fmt(total_cost) != expected["totals"]["unblended_cost"]:
        fail(f"totals: read {total_rows} rows costing {fmt(total_cost)}, expected.json says "
             f"{expected['totals']['rows']} rows costing {expected['totals']['unblended_cost']}")
    if errors:
        for e in errors:
            print("MISMATCH", e)
        return 1
    print(f"OK {len(periods)} periods, {total_rows} rows, unblended cost {fmt(total_cost)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
