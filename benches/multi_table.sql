-- The realistic multi-table dataset of the benchmarks (backup_vs_pg_dump.sh,
-- restore_vs_pg_restore.sh): events (uuid, timestamps, jsonb, inet,
-- numbers) and docs (prose) with primary keys, and a small table.
--
--   psql -v ON_ERROR_STOP=1 -v rows_e=2662400 -v rows_d=1126400 -d DB -f benches/multi_table.sql
--
-- N × 2,600 events rows and N × 1,100 docs rows make about N MB of COPY
-- text: the defaults about 1 GB.
\if :{?rows_e}
\else
\set rows_e 2662400
\endif
\if :{?rows_d}
\else
\set rows_d 1126400
\endif
CREATE TABLE events (
    id bigint PRIMARY KEY, account uuid NOT NULL, at timestamptz NOT NULL,
    kind text NOT NULL, amount numeric(12,2), client inet, payload jsonb);
INSERT INTO events
SELECT g, gen_random_uuid(), timestamptz '2024-01-01' + (random() * 3e7) * interval '1 second',
       (ARRAY['login','purchase','refund','logout','view'])[1 + (random() * 4)::int],
       round((random() * 1000)::numeric, 2),
       ('10.' || (random() * 250)::int || '.' || (random() * 250)::int || '.' || (random() * 250)::int)::inet,
       jsonb_build_object('sku', 'SKU-' || (random() * 50000)::int, 'qty', 1 + (random() * 7)::int,
                          'tags', jsonb_build_array('t' || (random() * 300)::int, 'u' || (random() * 300)::int),
                          'session', md5(random()::text), 'trace', md5(random()::text))
FROM generate_series(1, :rows_e) g;
-- Prose: 20,000 sentences of words drawn from ~2,000 pseudo-words, one
-- per document with a random tail (fast to generate, gzip sees no repeats
-- within its 32 KiB window).
CREATE TABLE vocab AS
SELECT i, substr(translate(md5(i::text), '0123456789', 'aeiouybrst'), 1, 3 + i % 7) AS w
FROM generate_series(0, 1999) i;
CREATE TABLE sentences AS
SELECT s AS i, string_agg(v.w, ' ' ORDER BY k) AS body
FROM generate_series(0, 19999) s CROSS JOIN generate_series(1, 45) k
JOIN vocab v ON v.i = (k * 7919 + s * 104729) % 2000
GROUP BY s;
CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text, created date);
INSERT INTO docs
SELECT g, 'Document ' || g, s.body || ' ' || md5(random()::text) || ' ' || md5(random()::text),
       date '2020-01-01' + (random() * 2000)::int
FROM generate_series(1, :rows_d) g JOIN sentences s ON s.i = (g::bigint * 7919) % 20000;
DROP TABLE vocab, sentences;
CREATE TABLE small AS SELECT g AS id, 'x' || g AS v FROM generate_series(1, 1000) g;
ANALYZE;
