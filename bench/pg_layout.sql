-- PostgreSQL layout for a dataset (docs/destinations.md, "Layout"): segment tables behind a UNION ALL view
-- (what billpipe does) against declarative partitions attached in the publishing transaction. 12 periods of
-- 100,000 rows; then a run replaces one period: the publishing transaction is timed in both layouts, and the
-- same queries are timed on both. Run with: psql -X -v ON_ERROR_STOP=1 "$CONNINFO" -f bench/pg_layout.sql
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS layout_bench CASCADE;
CREATE SCHEMA layout_bench;
SET search_path = layout_bench;
SET client_min_messages = warning;
-- Segment tables as billpipe makes them (no billing_period column: the view arm has it as a constant).
DO $$
BEGIN
  FOR m IN 1..13 LOOP
    EXECUTE format('CREATE TABLE seg_%s AS SELECT timestamptz %L + (i %% 720) * interval ''1 hour'' AS usage_start, '
                   '(i %% 1000) / 1000.0 + 0.0000000001 AS cost, (ARRAY[''AmazonEC2'',''AmazonS3'',''AWSLambda''])[i %% 3 + 1] AS code '
                   'FROM generate_series(1, %s) i', m, make_date(2019, CASE WHEN m = 13 THEN 6 ELSE m END, 1), 100000);
    EXECUTE format('CREATE INDEX ON seg_%s(usage_start)', m);
    -- The same rows with the period in every row, for partitions.
    EXECUTE format('CREATE TABLE part_%s AS SELECT %L::date AS billing_period, * FROM seg_%s', m,
                   make_date(2019, CASE WHEN m = 13 THEN 6 ELSE m END, 1), m);
    EXECUTE format('ALTER TABLE part_%s ALTER billing_period SET NOT NULL', m);
    EXECUTE format('CREATE INDEX ON part_%s(usage_start)', m);
  END LOOP;
END $$;
ANALYZE;
CREATE OR REPLACE FUNCTION view_sql(last_arm int) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('SELECT %L::date AS billing_period, usage_start, cost, code FROM seg_%s',
                           make_date(2019, m, 1), CASE WHEN m = 6 THEN last_arm ELSE m END), ' UNION ALL ')
  FROM generate_series(1, 12) m $$;
DO $$ BEGIN EXECUTE 'CREATE VIEW costs AS ' || view_sql(6); END $$;
CREATE TABLE pcosts (billing_period date NOT NULL, usage_start timestamptz, cost numeric, code text)
  PARTITION BY LIST (billing_period);
DO $$
BEGIN
  FOR m IN 1..12 LOOP
    EXECUTE format('ALTER TABLE pcosts ATTACH PARTITION part_%s FOR VALUES IN (%L)', m, make_date(2019, m, 1));
  END LOOP;
END $$;
\timing on
\echo == publish a new June: view (CREATE OR REPLACE VIEW with the new segment table in the June arm)
BEGIN;
DO $$ BEGIN EXECUTE 'CREATE OR REPLACE VIEW costs AS ' || view_sql(13); END $$;
COMMIT;
\echo == publish a new June: partitions (DETACH the old one, ATTACH the new one: validated by a scan)
BEGIN;
ALTER TABLE pcosts DETACH PARTITION part_6;
ALTER TABLE pcosts ATTACH PARTITION part_13 FOR VALUES IN ('2019-06-01');
COMMIT;
\echo == the same with a CHECK constraint added before the publishing transaction (no scan inside it)
BEGIN;
ALTER TABLE pcosts DETACH PARTITION part_13;
COMMIT;
ALTER TABLE part_13 ADD CONSTRAINT june CHECK (billing_period IS NOT NULL AND billing_period = '2019-06-01');
BEGIN;
ALTER TABLE pcosts ATTACH PARTITION part_13 FOR VALUES IN ('2019-06-01');
COMMIT;
\echo == cost of one month: view, partitions (three runs each)
SELECT sum(cost) FROM costs WHERE billing_period = '2019-06-01';
SELECT sum(cost) FROM costs WHERE billing_period = '2019-06-01';
SELECT sum(cost) FROM costs WHERE billing_period = '2019-06-01';
SELECT sum(cost) FROM pcosts WHERE billing_period = '2019-06-01';
SELECT sum(cost) FROM pcosts WHERE billing_period = '2019-06-01';
SELECT sum(cost) FROM pcosts WHERE billing_period = '2019-06-01';
\echo == cost by month and code over the year: view, partitions
SELECT billing_period, code, sum(cost) FROM costs GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1;
SELECT billing_period, code, sum(cost) FROM costs GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1;
SELECT billing_period, code, sum(cost) FROM pcosts GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1;
SELECT billing_period, code, sum(cost) FROM pcosts GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 1;
\echo == daily cost of one week (index on usage_start): view, partitions
SELECT date_trunc('day', usage_start), sum(cost) FROM costs WHERE usage_start >= '2019-06-10' AND usage_start < '2019-06-17' GROUP BY 1 ORDER BY 1 LIMIT 1;
SELECT date_trunc('day', usage_start), sum(cost) FROM costs WHERE usage_start >= '2019-06-10' AND usage_start < '2019-06-17' GROUP BY 1 ORDER BY 1 LIMIT 1;
SELECT date_trunc('day', usage_start), sum(cost) FROM pcosts WHERE usage_start >= '2019-06-10' AND usage_start < '2019-06-17' GROUP BY 1 ORDER BY 1 LIMIT 1;
SELECT date_trunc('day', usage_start), sum(cost) FROM pcosts WHERE usage_start >= '2019-06-10' AND usage_start < '2019-06-17' GROUP BY 1 ORDER BY 1 LIMIT 1;
\timing off
\echo == size: segment tables (no period column) and partitions
SELECT pg_size_pretty(sum(pg_total_relation_size(format('seg_%s', m)::regclass))) AS segments,
       pg_size_pretty(sum(pg_total_relation_size(format('part_%s', m)::regclass))) AS partitions
FROM generate_series(1, 12) m;
DROP SCHEMA layout_bench CASCADE;
