-- Built-in extensions (plpgsql) are part of every database: pg_dump skips them.
SELECT e.oid, e.extname::text, pg_catalog.quote_ident(e.extname), n.nspname::text,
       pg_catalog.quote_ident(n.nspname), e.extversion,
       pg_catalog.obj_description(e.oid, 'pg_extension')
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.oid >= 16384
ORDER BY e.extname
