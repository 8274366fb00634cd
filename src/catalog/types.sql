-- Enum, composite, domain, range, base and shell types outside system
-- schemas, not members of an extension. Composite types here are the stand-alone ones
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
       CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::pg_catalog.regproc::text END,
       -- Range: subtype_opclass when not the subtype's default, collation
       -- when not the subtype's, canonical function.
       CASE WHEN NOT opc.opcdefault
            THEN pg_catalog.quote_ident(opn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname) END,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
            THEN (SELECT pg_catalog.quote_ident(rcn.nspname) || '.' || pg_catalog.quote_ident(rc.collname)
                  FROM pg_catalog.pg_collation rc
                  JOIN pg_catalog.pg_namespace rcn ON rcn.oid = rc.collnamespace
                  WHERE rc.oid = r.rngcollation) END,
       CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::pg_catalog.regproc::text END,
       -- Base types (pg_dump's dumpBaseType).
       t.typlen::int4,
       t.typinput::pg_catalog.regproc::text,
       t.typoutput::pg_catalog.regproc::text,
       CASE WHEN t.typreceive <> 0 THEN t.typreceive::pg_catalog.regproc::text END,
       CASE WHEN t.typsend <> 0 THEN t.typsend::pg_catalog.regproc::text END,
       CASE WHEN t.typmodin <> 0 THEN t.typmodin::pg_catalog.regproc::text END,
       CASE WHEN t.typmodout <> 0 THEN t.typmodout::pg_catalog.regproc::text END,
       CASE WHEN t.typanalyze <> 0 THEN t.typanalyze::pg_catalog.regproc::text END,
       t.typcollation <> 0,
       CASE WHEN t.typsubscript <> 0 THEN t.typsubscript::pg_catalog.regproc::text END,
       CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END,
       t.typcategory::text,
       t.typispreferred,
       t.typdelim::text,
       t.typbyval,
       t.typalign::text,
       t.typstorage::text
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
WHERE (t.typtype IN ('e', 'c', 'd', 'r')
       -- base types other than arrays, and shell types (CREATE TYPE x;)
       OR (t.typtype = 'b' AND NOT (t.typelem <> 0 AND t.typname ~ '^_' AND
           (SELECT te.typarray FROM pg_catalog.pg_type te WHERE te.oid = t.typelem) = t.oid))
       OR (t.typtype = 'p' AND NOT t.typisdefined))
  AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                   WHERE c.oid = t.typrelid AND c.relkind = 'c'))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY t.oid
