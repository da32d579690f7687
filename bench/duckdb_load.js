#!/usr/bin/env node
// DuckDB peer for bench/run: what a user would write to load a CUR .csv.gz into an on-disk DuckDB database.
//   node bench/duckdb_load.js FILE.csv.gz MANIFEST.json DB
// Column types come from the manifest (explicit, as the issue asks): BigDecimal -> DOUBLE,
// DateTime -> TIMESTAMPTZ, everything else VARCHAR (the same types billpipe stores, see docs/loading.md).
'use strict';
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

function duckType(type) {
  if (type === 'BigDecimal' || type === 'OptionalBigDecimal') return 'DOUBLE';
  if (type === 'DateTime') return 'TIMESTAMPTZ';
  return 'VARCHAR';
}
const quote = (s) => "'" + s.replace(/'/g, "''") + "'";

async function main() {
  const [file, manifestPath, db] = process.argv.slice(2);
  if (!db) {
    console.error('usage: duckdb_load.js FILE.csv.gz MANIFEST.json DB');
    process.exit(2);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const columns = manifest.columns
    .map((c) => `${quote(c.category + '/' + c.name)}: ${quote(duckType(c.type))}`)
    .join(', ');
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  await connection.run(
    `CREATE TABLE line_items AS SELECT * FROM read_csv(${quote(file)}, header = true, ` +
      `columns = {${columns}})`);
  const reader = await connection.runAndReadAll('SELECT count(*)::BIGINT AS n FROM line_items');
  const rows = Number(reader.getRows()[0][0]);
  connection.closeSync?.();
  console.log(JSON.stringify({ rows }));
}
main().catch((e) => {
  console.error(`duckdb_load: ${e.message}`);
  process.exit(1);
});
