-- Tablespaces as pg_dumpall's dumpTablespaces reads them.
SELECT t.oid,
       t.spcname::text,
       pg_catalog.pg_get_userbyid(t.spcowner)::text,
       pg_catalog.pg_tablespace_location(t.oid),
       coalesce(t.spcacl, pg_catalog.acldefault('t', t.spcowner))::text[],
       pg_catalog.acldefault('t', t.spcowner)::text[],
       pg_catalog.array_to_string(t.spcoptions, ', '),
       pg_catalog.shobj_description(t.oid, 'pg_tablespace')
FROM pg_catalog.pg_tablespace t
WHERE t.spcname !~ '^pg_'
ORDER BY 1
