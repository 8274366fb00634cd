-- User-defined casts, selected as pg_dump's getCasts/selectDumpableCast
-- do: by OID (created after initdb), not extension members, not the
-- range-to-multirange casts CREATE TYPE AS RANGE makes.
SELECT c.oid, pg_catalog.format_type(c.castsource, NULL), pg_catalog.format_type(c.casttarget, NULL),
       c.castmethod::text, c.castcontext::text,
       CASE WHEN c.castfunc <> 0 THEN
           (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) || '(' ||
                   coalesce((SELECT pg_catalog.string_agg(pg_catalog.format_type(a.t, NULL), ', ' ORDER BY a.i)
                             FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)), '') || ')'
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE p.oid = c.castfunc) END,
       pg_catalog.obj_description(c.oid, 'pg_cast')
FROM pg_catalog.pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_range r
                  WHERE c.castsource = r.rngtypid AND c.casttarget = r.rngmultitypid)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.oid
