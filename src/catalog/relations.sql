-- Tables, views, materialized views and sequences outside system schemas,
-- not members of an extension.
SELECT c.oid, c.relkind::text, n.nspname::text, c.relname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       pg_catalog.pg_get_userbyid(c.relowner)::text,
       c.relpersistence::text,
       pg_catalog.array_to_string(c.reloptions, ', '),
       am.amname::text,
       ts.spcname::text,
       pg_catalog.obj_description(c.oid, 'pg_class'),
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
       c.relispopulated,
       c.relrowsecurity,
       c.relforcerowsecurity,
       c.relreplident::text,
       c.relispartition,
       pg_catalog.quote_ident(n.nspname),
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       ARRAY(SELECT i.inhparent FROM pg_catalog.pg_inherits i
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.oid
