-- Extended statistics objects.
SELECT s.oid, s.stxrelid, n.nspname::text, s.stxname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(s.stxname),
       pg_catalog.pg_get_userbyid(s.stxowner)::text,
       pg_catalog.pg_get_statisticsobjdef(s.oid),
       coalesce(s.stxstattarget::int4, -1),
       pg_catalog.obj_description(s.oid, 'pg_statistic_ext')
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
ORDER BY s.oid
