-- Sequence options, what owns the sequence (OWNED BY column, or identity),
-- and its current value from the snapshot.
SELECT s.seqrelid,
       pg_catalog.format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       d.refobjid, pg_catalog.quote_ident(a.attname), d.deptype::text,
       ps.last_value,
       -- ADD GENERATED ... AS IDENTITY (... LOGGED | UNLOGGED) is understood
       -- from 15.9, 16.5 and 17.1 on; older servers get ALTER SEQUENCE SET.
       pg_catalog.current_setting('server_version_num')::int4 >=
           CASE pg_catalog.current_setting('server_version_num')::int4 / 10000
                WHEN 15 THEN 150009 WHEN 16 THEN 160005 WHEN 17 THEN 170001 ELSE 0 END
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend d
       ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.seqrelid
      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
LEFT JOIN pg_catalog.pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY s.seqrelid
