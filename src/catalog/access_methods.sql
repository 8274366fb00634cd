-- Access methods created with CREATE ACCESS METHOD (not built in, not
-- extension members), every amtype: the builder dumps index and table
-- methods and reports any other type.
SELECT a.oid, a.amname::text AS name, pg_catalog.quote_ident(a.amname) AS quoted,
       a.amtype::text AS kind, a.amhandler::pg_catalog.regproc::text AS handler,
       pg_catalog.obj_description(a.oid, 'pg_am') AS comment
FROM pg_catalog.pg_am a
WHERE a.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_am'::pg_catalog.regclass
                    AND d.objid = a.oid AND d.deptype = 'e')
ORDER BY a.oid
