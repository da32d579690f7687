#!/usr/bin/env node
// Writes the Parquet files the parquet tests read, with DuckDB (npm @duckdb/node-api, pinned in
// package-lock.json), and DuckDB's own reading of each as NAME.expected.json beside it:
//   node testing/parquet_cases.js OUTDIR
// Every codec (none, snappy, gzip, zstd) in both page versions (PARQUET_VERSION V1: data pages v1,
// PLAIN and dictionaries; V2: data pages v2, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// BYTE_STREAM_SPLIT), every type billpipe reads, nulls, empty strings, tiny and huge decimals, maps,
// many row groups, one row per group and an empty file. Expected values are canonical text: DuckDB's
// CAST(x AS VARCHAR), timestamps as epoch microseconds (nanoseconds for TIMESTAMP_NS), dates as days
// since 1970-01-01, maps as to_json.
'use strict';
const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');

const TYPES_TABLE = `
CREATE TABLE types AS
SELECT
  i::INTEGER AS id,
  CASE WHEN i % 7 = 3 THEN NULL ELSE i % 3 = 0 END AS flag,
  CASE WHEN i % 7 = 4 THEN NULL ELSE (i * 7919 - 40000)::INTEGER END AS i32,
  CASE WHEN i % 7 = 5 THEN NULL ELSE (i::BIGINT * 1000000007 - 4000000000000) END AS i64,
  (i % 100 - 50)::TINYINT AS i8,
  (i % 30000)::SMALLINT AS i16,
  (i % 256)::UTINYINT AS u8,
  (i::BIGINT * 70000 % 4294967296)::UINTEGER AS u32,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i / 8.0 - 3.25)::FLOAT END AS f32,
  CASE WHEN i % 11 = 1 THEN NULL ELSE i * 0.1 - 17.0 END AS f64,
  CASE WHEN i % 13 = 0 THEN NULL WHEN i % 13 = 1 THEN '' WHEN i % 13 = 2 THEN 'ünïcødé ✓ ' || i
       ELSE 'value ' || (i * 7 % 1000) END AS s,
  CASE WHEN i % 5 = 0 THEN 'AmazonEC2' WHEN i % 5 = 1 THEN 'AmazonS3' WHEN i % 5 = 2 THEN ''
       WHEN i % 5 = 3 THEN NULL ELSE 'AWSDataTransfer' END AS product,
  CASE WHEN i % 9 = 0 THEN NULL ELSE ((i % 2000) - 1000) / 10.0 END::DECIMAL(4, 1) AS dec4,
  CASE WHEN i % 9 = 1 THEN NULL ELSE (i * 123.456789 - 99999.5) END::DECIMAL(18, 6) AS dec18,
  CASE WHEN i % 9 = 2 THEN NULL
       WHEN i % 9 = 3 THEN '9999999999999999999999999999.9999999999'::DECIMAL(38, 10)
       WHEN i % 9 = 4 THEN '-9999999999999999999999999999.9999999999'::DECIMAL(38, 10)
       WHEN i % 9 = 5 THEN '0.0000000001'::DECIMAL(38, 10)
       WHEN i % 9 = 6 THEN '-0.0000000001'::DECIMAL(38, 10)
       ELSE (i * 0.0123456789)::DECIMAL(38, 10) END AS dec38,
  CASE WHEN i % 6 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i::BIGINT * 3600000123) END AS ts,
  CASE WHEN i % 6 = 1 THEN NULL ELSE (TIMESTAMP '2023-06-30 12:00:00' + to_milliseconds(i::BIGINT * 61001))::TIMESTAMP_MS END AS ts_ms,
  CASE WHEN i % 6 = 2 THEN NULL ELSE ('1969-12-31 23:59:59'::TIMESTAMP_NS + to_microseconds(i)
       + (i % 1000) * INTERVAL '1 microsecond')::TIMESTAMP_NS END AS ts_ns,
  CASE WHEN i % 6 = 3 THEN NULL ELSE TIMESTAMPTZ '2024-02-29 23:00:00+00' + to_seconds(i) END AS ts_tz,
  CASE WHEN i % 6 = 4 THEN NULL ELSE DATE '1960-01-01' + (i * 3)::INTEGER END AS day,
  CASE WHEN i % 8 = 0 THEN NULL
       WHEN i % 8 = 1 THEN MAP {}::MAP(VARCHAR, VARCHAR)
       WHEN i % 8 = 2 THEN MAP {'user:Team': 'data', 'user:Env': NULL}
       WHEN i % 8 = 3 THEN MAP {'aws:createdBy': 'arn:aws:iam::123456789012:user/x' || i}
       ELSE MAP {'k' || (i % 4): 'v "quoted" ' || i, 'empty': ''} END AS tags
FROM range(ROWS) t(i)`;

function canonical(name, type) {
  const c = `"${name}"`;
  if (type.startsWith('MAP')) return `CAST(to_json(${c}) AS VARCHAR)`;
  if (type === 'TIMESTAMP_NS') return `CAST(epoch_ns(${c}) AS VARCHAR)`;
  if (type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${c}) AS VARCHAR)`;
  if (type === 'DATE') return `CAST(${c} - DATE '1970-01-01' AS VARCHAR)`;
  return `CAST(${c} AS VARCHAR)`;
}

async function writeExpected(connection, file) {
  const q = (s) => "'" + s.replace(/'/g, "''") + "'";
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(file)})`)).getRowObjectsJson();
  const columns = described.map((r) => ({ name: r.column_name, type: r.column_type }));
  const select = columns.map((c) => canonical(c.name, c.type)).join(', ');
  const rows = columns.length === 0 ? [] :
    (await connection.runAndReadAll(`SELECT ${select} FROM read_parquet(${q(file)})`)).getRowsJson();
  fs.writeFileSync(file.replace(/\.parquet$/, '.expected.json'), JSON.stringify({ columns, rows }));
}

async function main() {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: parquet_cases.js OUTDIR');
    process.exit(2);
  }
  fs.mkdirSync(out, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SET threads = 1');  // deterministic row order and row groups
  await connection.run(TYPES_TABLE.replace('ROWS', '5000'));
  // Pages of more values than the reader's window of levels and dictionary indices (4096).
  await connection.run(TYPES_TABLE.replace('CREATE TABLE types', 'CREATE TABLE big').replace('ROWS', '40000'));
  await connection.run(`CREATE TABLE required_cols (id INTEGER NOT NULL, name VARCHAR NOT NULL, amount DECIMAL(18, 8) NOT NULL)`);
  await connection.run(`INSERT INTO required_cols SELECT i, 'n' || (i % 17), i * 0.00000001 FROM range(3000) t(i)`);
  await connection.run(`CREATE TABLE unique_strings AS SELECT i AS id, md5(i::VARCHAR) || repeat('x', i % 50) AS s,
                        'prefix/shared/' || lpad(i::VARCHAR, 8, '0') AS sorted FROM range(20000) t(i)`);
  // DuckDB's smallest row group is 2048 rows: 30 of them.
  await connection.run(`CREATE TABLE many AS SELECT i AS id, 'line ' || (i % 97) AS s, (i % 1000) * 0.01 AS cost
                        FROM range(61440) t(i)`);
  const cases = [];
  const copy = async (name, source, options) => {
    const file = path.join(out, name + '.parquet');
    await connection.run(`COPY (${source}) TO '${file}' (FORMAT parquet, ${options})`);
    await writeExpected(connection, file);
    cases.push(name);
  };
  for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
    for (const version of ['V1', 'V2']) {
      await copy(`types_${codec}_${version.toLowerCase()}`, 'SELECT * FROM types ORDER BY id',
                 `COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 2048`);
    }
  }
  for (const version of ['V1', 'V2']) {
    const v = version.toLowerCase();
    await copy(`required_${v}`, 'SELECT * FROM required_cols ORDER BY id', `COMPRESSION snappy, PARQUET_VERSION ${version}`);
    await copy(`unique_strings_${v}`, 'SELECT * FROM unique_strings ORDER BY id',
               `COMPRESSION snappy, PARQUET_VERSION ${version}, DICTIONARY_SIZE_LIMIT 1`);
    await copy(`big_pages_${v}`, 'SELECT * FROM big ORDER BY id',
               `COMPRESSION snappy, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 100000`);
    await copy(`many_groups_${v}`, 'SELECT * FROM many ORDER BY id',
               `COMPRESSION zstd, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 2048`);
  }
  const singles = [];
  for (let i = 0; i < 6; ++i) singles.push(`SELECT * FROM types WHERE id = ${i * 7}`);
  await copy('one_row_per_group', singles.join(' UNION ALL '), 'COMPRESSION snappy, ROW_GROUP_SIZE 1');
  await copy('empty', 'SELECT * FROM types WHERE id < 0', 'COMPRESSION snappy');
  fs.writeFileSync(path.join(out, 'cases.json'), JSON.stringify(cases));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
