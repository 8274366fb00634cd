-- User collations, not extension members.
SELECT c.oid, n.nspname::text, c.collname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.collname),
       pg_catalog.pg_get_userbyid(c.collowner)::text, c.collprovider::text, c.collisdeterministic,
       c.collcollate::text, c.collctype::text,
       coalesce(pg_catalog.to_jsonb(c) ->> 'colllocale', pg_catalog.to_jsonb(c) ->> 'colliculocale'),
       pg_catalog.to_jsonb(c) ->> 'collicurules',
       pg_catalog.obj_description(c.oid, 'pg_collation')
FROM pg_catalog.pg_collation c
JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE c.oid >= 16384 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.oid
