-- Encoding conversions, not extension members.
SELECT c.oid, n.nspname::text AS schema, c.conname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.conname) AS qualified,
       pg_catalog.pg_get_userbyid(c.conowner)::text AS owner,
       pg_catalog.pg_encoding_to_char(c.conforencoding)::text AS source,
       pg_catalog.pg_encoding_to_char(c.contoencoding)::text AS target,
       c.conproc::pg_catalog.regproc::text AS function,
       c.condefault AS is_default,
       pg_catalog.obj_description(c.oid, 'pg_conversion') AS comment
FROM pg_catalog.pg_conversion c
JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_conversion'::pg_catalog.regclass
                    AND x.objid = c.oid AND x.deptype = 'e')
ORDER BY c.oid
