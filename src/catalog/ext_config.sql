-- Extension configuration tables and sequences (pg_extension_config_dump):
-- their data is dumped although they are extension members, with the
-- extension's filter. Also the config tables each one references by
-- foreign key, so their data loads in an order the keys accept.
SELECT c.oid, c.relkind::text, n.nspname::text, c.relname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       e.oid, u.cond,
       (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''),
       ARRAY(SELECT DISTINCT f.confrelid FROM pg_catalog.pg_constraint f
             WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid
               AND f.confrelid = ANY (e.extconfig)),
       pg_catalog.pg_get_userbyid(c.relowner)::text,
       s.last_value, sq.seqstart
FROM pg_catalog.pg_extension e
CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS u(reloid, cond)
JOIN pg_catalog.pg_class c ON c.oid = u.reloid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_sequences s ON c.relkind = 'S' AND s.schemaname = n.nspname AND s.sequencename = c.relname
LEFT JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = c.oid
WHERE c.relkind IN ('r', 'S')
ORDER BY c.oid
