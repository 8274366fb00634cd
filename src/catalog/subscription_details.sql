-- Everything pg_dump's dumpSubscription writes, read only when
-- subscriptions.sql found some this role may read; the columns that
-- differ between versions come through to_jsonb.
SELECT s.oid, s.subname::text AS name, pg_catalog.quote_ident(s.subname) AS quoted,
       pg_catalog.pg_get_userbyid(s.subowner)::text AS owner,
       s.subconninfo AS conninfo, s.subslotname::text AS slot_name,
       s.subsynccommit AS synchronous_commit,
       ARRAY(SELECT pg_catalog.quote_ident(p) FROM pg_catalog.unnest(s.subpublications) AS p) AS publications,
       pg_catalog.to_jsonb(s) ->> 'subbinary' AS binary,
       pg_catalog.to_jsonb(s) ->> 'substream' AS stream,
       pg_catalog.to_jsonb(s) ->> 'subtwophasestate' AS two_phase,
       pg_catalog.to_jsonb(s) ->> 'subdisableonerr' AS disable_on_error,
       pg_catalog.to_jsonb(s) ->> 'subpasswordrequired' AS password_required,
       pg_catalog.to_jsonb(s) ->> 'subrunasowner' AS run_as_owner,
       pg_catalog.to_jsonb(s) ->> 'subfailover' AS failover,
       pg_catalog.to_jsonb(s) ->> 'suborigin' AS origin,
       pg_catalog.obj_description(s.oid, 'pg_subscription') AS comment
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
ORDER BY s.oid
