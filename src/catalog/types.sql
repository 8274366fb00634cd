-- Enum, composite, domain and range types outside system schemas, not
-- members of an extension. Composite types here are the stand-alone ones
-- (CREATE TYPE ... AS), not tables' row types.
SELECT t.oid, t.typtype::text, n.nspname::text, t.typname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname),
       pg_catalog.pg_get_userbyid(t.typowner)::text,
       pg_catalog.obj_description(t.oid, 'pg_type'),
       (SELECT pg_catalog.array_agg(pg_catalog.quote_literal(e.enumlabel) ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
       t.typnotnull,
       -- The default as pg_dump reads it: typdefault is text kept from
       -- CREATE time, stale once an object it names is renamed.
       CASE WHEN t.typdefaultbin IS NOT NULL
            THEN pg_catalog.pg_get_expr(t.typdefaultbin, 'pg_catalog.pg_type'::pg_catalog.regclass)
            WHEN t.typdefault IS NOT NULL THEN pg_catalog.quote_literal(t.typdefault) END,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       (SELECT pg_catalog.string_agg(E'\n\tCONSTRAINT ' || pg_catalog.quote_ident(c.conname) || ' '
                                     || pg_catalog.pg_get_constraintdef(c.oid), '' ORDER BY c.conname)
          FROM pg_catalog.pg_constraint c
         WHERE c.contypid = t.oid AND c.contype = 'c' AND c.convalidated),
       t.typrelid,
       CASE WHEN t.typtype = 'r' THEN pg_catalog.format_type(r.rngsubtype, NULL) END,
       (SELECT pg_catalog.quote_ident(mn.nspname) || '.' || pg_catalog.quote_ident(mt.typname)
          FROM pg_catalog.pg_type mt JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
         WHERE mt.oid = r.rngmultitypid),
       CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::pg_catalog.regproc::text END
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
WHERE t.typtype IN ('e', 'c', 'd', 'r')
  AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                   WHERE c.oid = t.typrelid AND c.relkind = 'c'))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY t.oid
