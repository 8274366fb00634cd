-- Text search templates (they have no owner), not extension members.
SELECT t.oid, n.nspname::text AS schema, t.tmplname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.tmplname) AS qualified,
       NULLIF(t.tmplinit, 0)::pg_catalog.regproc::text AS init,
       t.tmpllexize::pg_catalog.regproc::text AS lexize,
       pg_catalog.obj_description(t.oid, 'pg_ts_template') AS comment
FROM pg_catalog.pg_ts_template t
JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_ts_template'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY t.oid
