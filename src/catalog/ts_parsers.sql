-- Text search parsers (they have no owner), not extension members.
SELECT p.oid, n.nspname::text AS schema, p.prsname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.prsname) AS qualified,
       p.prsstart::pg_catalog.regproc::text AS start,
       p.prstoken::pg_catalog.regproc::text AS gettoken,
       p.prsend::pg_catalog.regproc::text AS "end",
       NULLIF(p.prsheadline, 0)::pg_catalog.regproc::text AS headline,
       p.prslextype::pg_catalog.regproc::text AS lextypes,
       pg_catalog.obj_description(p.oid, 'pg_ts_parser') AS comment
FROM pg_catalog.pg_ts_parser p
JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_ts_parser'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY p.oid
