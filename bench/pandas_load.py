#!/usr/bin/python3
"""pandas peer for bench/run: read_csv of the .csv.gz, then to_sql into a SQLite file.

   /usr/bin/python3 bench/pandas_load.py FILE.csv.gz MANIFEST.json DB

Explicit types from the manifest: BigDecimal -> float64, everything else str (DateTime parsed by
parse_dates would be slower still; billpipe stores it as ISO text too). Prints {"rows": N}.
"""
import json
import sqlite3
import sys

import pandas as pd


def main():
    if len(sys.argv) != 4:
        print("usage: pandas_load.py FILE.csv.gz MANIFEST.json DB", file=sys.stderr)
        return 2
    path, manifest_path, db = sys.argv[1:]
    with open(manifest_path) as f:
        manifest = json.load(f)
    dtype = {}
    for c in manifest["columns"]:
        name = f"{c['category']}/{c['name']}"
        dtype[name] = "float64" if c.get("type") in ("BigDecimal", "OptionalBigDecimal") else "str"
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
    con = sqlite3.connect(db)
    frame.to_sql("line_items", con, index=False, chunksize=10000)
    con.commit()
    rows = con.execute("SELECT count(*) FROM line_items").fetchone()[0]
    con.close()
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
