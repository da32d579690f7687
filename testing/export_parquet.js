#!/usr/bin/env node
// Turns a Data Export written by `billpipe curgen --kind cur2|focus --out SRC` (gzip CSV) into the same
// export in Parquet, as AWS writes an export whose format is Parquet (../shared/CUR_FORMAT.md, "CUR 2.0 and
// FOCUS"), with DuckDB (npm @duckdb/node-api, pinned in package-lock.json):
//   node testing/export_parquet.js SRC DEST --prefix P --export NAME [--bucket B]
// Every data file named by a manifest of SRC/<P>/<NAME>/metadata/ (top-level and per execution) becomes
// <same key, .csv.gz -> .snappy.parquet> under DEST: timestamp columns TIMESTAMP, decimal columns
// DECIMAL(38,10) (curgen writes at most ten places, so the values are exact), map columns
// MAP(VARCHAR, VARCHAR) built from the CSV's JSON object text (NULL where the CSV field is empty), every
// other column text with missing values as empty strings. Each manifest goes to the same key of DEST
// with the Parquet keys as dataFiles (in bucket B when given, else the manifest's own). An empty (zero-byte)
// chunk stays an empty file.
'use strict';
const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

function parseArgs(argv) {
  const args = { src: argv[0], dest: argv[1], prefix: '', name: '', bucket: null };
  for (let i = 2; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--prefix') args.prefix = argv[++i];
    else if (a === '--export') args.name = argv[++i];
    else if (a === '--bucket') args.bucket = argv[++i];
    else throw new Error('unknown argument ' + a);
  }
  if (!args.src || !args.dest || !args.name) throw new Error('usage: export_parquet.js SRC DEST --prefix P --export NAME');
  return args;
}

const sql = (s) => "'" + s.replace(/'/g, "''") + "'";
const ident = (s) => '"' + s.replace(/"/g, '""') + '"';

function manifests(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...manifests(p));
    else if (entry.name.endsWith('-Manifest.json')) out.push(p);
  }
  return out;
}

function selectList(columns) {
  return columns.map((c) => {
    const col = ident(c.name);
    const type = String(c.type).toLowerCase();
    if (type === 'timestamp') return `CAST(replace(NULLIF(${col}, ''), 'Z', '') AS TIMESTAMP) AS ${col}`;
    if (type === 'decimal') return `CAST(NULLIF(${col}, '') AS DECIMAL(38,10)) AS ${col}`;
    if (type.startsWith('map')) return `CAST(json(NULLIF(${col}, '')) AS MAP(VARCHAR, VARCHAR)) AS ${col}`;
    return `COALESCE(${col}, '') AS ${col}`;
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const root = (args.prefix ? args.prefix.replace(/\/?$/, '/') : '') + args.name + '/';
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SET threads = 1');
  const converted = new Set();
  for (const file of manifests(path.join(args.src, root, 'metadata'))) {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    const keys = manifest.dataFiles.map((uri) => uri.replace(/^s3:\/\/[^/]+\//, ''));
    const columnTypes = '{' + manifest.columns.map((c) => `${sql(c.name)}: 'VARCHAR'`).join(', ') + '}';
    for (const key of keys) {
      const out = key.replace(/\.csv\.gz$/, '.snappy.parquet');
      if (converted.has(out)) continue;
      converted.add(out);
      const src = path.join(args.src, key);
      const dest = path.join(args.dest, out);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (fs.statSync(src).size === 0) {
        fs.writeFileSync(dest, '');
        continue;
      }
      const read = `read_csv(${sql(src)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', ` +
                   `auto_detect = false, compression = 'gzip', columns = ${columnTypes})`;
      await connection.run(`COPY (SELECT ${selectList(manifest.columns).join(', ')} FROM ${read}) TO ${sql(dest)} ` +
                           '(FORMAT parquet, COMPRESSION snappy)');
    }
    const dataFiles = manifest.dataFiles.map((uri) => {
      const parquet = uri.replace(/\.csv\.gz$/, '.snappy.parquet');
      return args.bucket ? parquet.replace(/^s3:\/\/[^/]+\//, `s3://${args.bucket}/`) : parquet;
    });
    const outManifest = path.join(args.dest, path.relative(args.src, file));
    fs.mkdirSync(path.dirname(outManifest), { recursive: true });
    fs.writeFileSync(outManifest, JSON.stringify(Object.assign({}, manifest, { dataFiles }), null, 2));
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
