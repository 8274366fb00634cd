-- Tables, views, materialized views and sequences outside system schemas,
-- not members of an extension.
SELECT c.oid, c.relkind::text, n.nspname::text, c.relname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       pg_catalog.pg_get_userbyid(c.relowner)::text,
       c.relpersistence::text,
       -- reloptions as pg_dump's appendReloptionsArray writes them.
       (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(pg_catalog.split_part(o.opt, '=', 1)) || '=' ||
               CASE WHEN pg_catalog.quote_ident(o.val) = o.val THEN o.val ELSE pg_catalog.quote_literal(o.val) END,
               ', ' ORDER BY o.n)
        FROM (SELECT x.opt, x.n, CASE WHEN pg_catalog.strpos(x.opt, '=') > 0
                                      THEN pg_catalog.substr(x.opt, pg_catalog.strpos(x.opt, '=') + 1) ELSE '' END
              FROM pg_catalog.unnest(c.reloptions) WITH ORDINALITY AS x(opt, n)) AS o(opt, n, val)),
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
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
       -- The TOAST table's reloptions, each prefixed with "toast.".
       (SELECT pg_catalog.string_agg('toast.' || pg_catalog.quote_ident(pg_catalog.split_part(o.opt, '=', 1)) || '=' ||
               CASE WHEN pg_catalog.quote_ident(o.val) = o.val THEN o.val ELSE pg_catalog.quote_literal(o.val) END,
               ', ' ORDER BY o.n)
        FROM (SELECT x.opt, x.n, CASE WHEN pg_catalog.strpos(x.opt, '=') > 0
                                      THEN pg_catalog.substr(x.opt, pg_catalog.strpos(x.opt, '=') + 1) ELSE '' END
              FROM pg_catalog.pg_class tc, pg_catalog.unnest(tc.reloptions) WITH ORDINALITY AS x(opt, n)
              WHERE tc.oid = c.reltoastrelid) AS o(opt, n, val)),
       -- The composite type of a typed table (CREATE TABLE ... OF type).
       CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END,
       -- pg_dump's unsafe partitioning: hash enum_ops among the key's opclasses.
       c.relkind = 'p' AND EXISTS (
           SELECT 1 FROM pg_catalog.pg_partitioned_table pt
           JOIN pg_catalog.pg_opclass oc ON oc.oid = ANY (pt.partclass)
           JOIN pg_catalog.pg_am a ON a.oid = oc.opcmethod
           WHERE pt.partrelid = c.oid AND oc.opcname = 'enum_ops' AND a.amname = 'hash'
             AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace),
       -- A view's or materialized view's _RETURN rule.
       (SELECT rw.oid FROM pg_catalog.pg_rewrite rw
        WHERE rw.ev_class = c.oid AND rw.rulename = '_RETURN')
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
