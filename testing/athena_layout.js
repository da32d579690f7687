#!/usr/bin/env node
// Turns a legacy CSV report written by `billpipe curgen --out SRC` into the layout AWS writes for a report
// with Athena integration (../shared/CUR_FORMAT.md, "Legacy CUR, Parquet"), with DuckDB (npm
// @duckdb/node-api, pinned in package-lock.json):
//   node testing/athena_layout.js SRC DEST --prefix cur --report gen
//        [--dest-prefix P] [--no-manifests] [--status READY|none|TEXT] [--status-beside] [--row-group-size N]
// For every period folder of SRC/<prefix>/<report>/ it converts each file of the top-level manifest's
// newest version into DEST/<prefix>/<report>/<report>/year=YYYY/month=M/<report>-0000N.snappy.parquet (month
// not zero-padded): column names in Athena's snake_case, DateTime columns INT64 TIMESTAMP_MILLIS,
// BigDecimal / OptionalBigDecimal columns DOUBLE, everything else text with missing values as empty
// strings, as AWS writes them. --dest-prefix puts the converted report under another prefix of DEST. Unless --no-manifests, the top-level manifest goes to the same period folder
// of DEST with compression "Parquet" and the Parquet keys as reportKeys. The status table
// cost_and_usage_data_status/cost_and_usage_data_status.parquet (one row, column status) goes to
// DEST/<prefix>/<report>/ (or, with --status-beside, to DEST/<prefix>/<report>/<report>/) saying --status
// (default READY); --status none writes none.
'use strict';
const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

// cur/column_names.h's AthenaColumnName (without the 255-character rule, which curgen's names never reach).
function athenaName(header) {
  let s = '';
  for (const ch of Buffer.from(header, 'utf8').toString('latin1')) {
    if (ch >= 'A' && ch <= 'Z') s += '_' + ch.toLowerCase();
    else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) s += ch;
    else s += '_';
  }
  return s.replace(/_+/g, '_').replace(/^_+|_+$/g, '');
}

function parseArgs(argv) {
  const args = { src: argv[0], dest: argv[1], prefix: 'cur', destPrefix: null, report: 'gen', manifests: true, status: 'READY',
                 beside: false, rowGroupSize: 0 };
  for (let i = 2; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--prefix') args.prefix = argv[++i];
    else if (a === '--report') args.report = argv[++i];
    else if (a === '--dest-prefix') args.destPrefix = argv[++i];
    else if (a === '--no-manifests') args.manifests = false;
    else if (a === '--status') args.status = argv[++i];
    else if (a === '--status-beside') args.beside = true;
    else if (a === '--row-group-size') args.rowGroupSize = Number(argv[++i]);
    else throw new Error('unknown argument ' + a);
  }
  if (!args.src || !args.dest) throw new Error('usage: athena_layout.js SRC DEST [options]');
  return args;
}

const sql = (s) => "'" + s.replace(/'/g, "''") + "'";
const ident = (s) => '"' + s.replace(/"/g, '""') + '"';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const prefix = args.prefix ? args.prefix.replace(/\/?$/, '/') : '';
  const root = prefix + args.report + '/';
  const destPrefix = args.destPrefix === null ? prefix : (args.destPrefix ? args.destPrefix.replace(/\/?$/, '/') : '');
  const destRoot = destPrefix + args.report + '/';
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SET threads = 1');
  const options = 'FORMAT parquet, COMPRESSION snappy' + (args.rowGroupSize ? `, ROW_GROUP_SIZE ${args.rowGroupSize}` : '');
  for (const folder of fs.readdirSync(path.join(args.src, root)).sort()) {
    const m = /^(\d{4})(\d{2})01-\d{8}$/.exec(folder);
    if (!m) continue;
    const manifestKey = root + folder + '/' + args.report + '-Manifest.json';
    const manifestFile = path.join(args.src, manifestKey);
    if (!fs.existsSync(manifestFile)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const monthFolder = `${destRoot}${args.report}/year=${Number(m[1])}/month=${Number(m[2])}/`;
    const seen = new Set();
    const select = [];
    for (const c of manifest.columns) {
      const header = `${c.category}/${c.name}`;
      const name = athenaName(header);
      if (seen.has(name)) continue;  // AWS writes one column for headers with one Athena name
      seen.add(name);
      const col = ident(header);
      if (c.type === 'DateTime') {
        select.push(`CAST(CAST(replace(NULLIF(${col}, ''), 'Z', '') AS TIMESTAMP) AS TIMESTAMP_MS) AS ${ident(name)}`);
      } else if (c.type === 'BigDecimal' || c.type === 'OptionalBigDecimal') {
        select.push(`CAST(NULLIF(${col}, '') AS DOUBLE) AS ${ident(name)}`);
      } else {
        select.push(`COALESCE(${col}, '') AS ${ident(name)}`);
      }
    }
    const keys = [];
    manifest.reportKeys.forEach((key, i) => {
      keys.push(`${monthFolder}${args.report}-${String(i + 1).padStart(5, '0')}.snappy.parquet`);
    });
    fs.mkdirSync(path.join(args.dest, monthFolder), { recursive: true });
    for (let i = 0; i < keys.length; ++i) {
      const csv = path.join(args.src, manifest.reportKeys[i]);
      const read = `read_csv(${sql(csv)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', ` +
                   `auto_detect = false, columns = ${csvColumns(manifest)})`;
      await connection.run(`COPY (SELECT ${select.join(', ')} FROM ${read}) TO ${sql(path.join(args.dest, keys[i]))} (${options})`);
    }
    if (args.manifests) {
      const out = Object.assign({}, manifest, { compression: 'Parquet', contentType: 'Parquet', reportKeys: keys });
      fs.mkdirSync(path.join(args.dest, destRoot, folder), { recursive: true });
      fs.writeFileSync(path.join(args.dest, destRoot, folder, args.report + '-Manifest.json'), JSON.stringify(out, null, 2));
    }
  }
  if (args.status !== 'none') {
    const folder = path.join(args.dest, args.beside ? destRoot + args.report + '/' : destRoot, 'cost_and_usage_data_status');
    fs.mkdirSync(folder, { recursive: true });
    await connection.run(`COPY (SELECT ${sql(args.status)} AS status) TO ` +
                         `${sql(path.join(folder, 'cost_and_usage_data_status.parquet'))} (FORMAT parquet, COMPRESSION snappy)`);
  }
}

// The CSV's columns for read_csv, all text, in the manifest's order (the header matches it).
function csvColumns(manifest) {
  const entries = manifest.columns.map((c) => `${sql(c.category + '/' + c.name)}: 'VARCHAR'`);
  return '{' + entries.join(', ') + '}';
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
