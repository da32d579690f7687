#!/usr/bin/env node
// DuckDB's read_parquet of one file on one thread (SET threads=1), every column decoded into an in-memory
// table, for bench/parquet:   node bench/parquet_duckdb.js FILE      prints {"rows":N,"cost":"X"}
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const file = process.argv[2];
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run('SET threads = 1');
  await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
  const rows = (await c.runAndReadAll(
    'SELECT count(*)::VARCHAR AS n, sum(line_item_unblended_cost::DECIMAL(38, 10))::VARCHAR AS cost FROM t')).getRowObjectsJson();
  console.log(JSON.stringify({ rows: Number(rows[0].n), cost: rows[0].cost }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
