-- One large table with two indexes: the single-table benchmark's dataset
-- (benches/single_table.sh; also usable by a restore benchmark).
--
--   psql -v ON_ERROR_STOP=1 -v rows=3800000 -d DB -f benches/single_table.sql
--
-- rows defaults to 3,800,000: about 1 GB of heap (pg_relation_size) and
-- about 0.95 GB of COPY text. Rows are uuid, timestamp, short text,
-- numeric, inet and a small jsonb document; the indexes are the primary
-- key and (account, at).
\if :{?rows}
\else
\set rows 3800000
\endif
CREATE TABLE events (
    id bigint NOT NULL,
    account uuid NOT NULL,
    at timestamptz NOT NULL,
    kind text NOT NULL,
    amount numeric(12,2),
    client inet,
    payload jsonb
);
INSERT INTO events
SELECT g, gen_random_uuid(),
       timestamptz '2024-01-01' + (random() * 3e7) * interval '1 second',
       (ARRAY['login','purchase','refund','logout','view'])[1 + (random() * 4)::int],
       round((random() * 1000)::numeric, 2),
       ('10.' || (random() * 250)::int || '.' || (random() * 250)::int || '.' || (random() * 250)::int)::inet,
       jsonb_build_object('sku', 'SKU-' || (random() * 50000)::int, 'qty', 1 + (random() * 7)::int,
                          'tags', jsonb_build_array('t' || (random() * 300)::int, 'u' || (random() * 300)::int),
                          'session', md5(random()::text), 'trace', md5(random()::text))
FROM generate_series(1, :rows) g;
ALTER TABLE events ADD PRIMARY KEY (id);
CREATE INDEX events_account_at ON events (account, at);
VACUUM ANALYZE events;
