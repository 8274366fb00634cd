-- Transforms (CREATE TRANSFORM) that are not extension members, with
-- their functions as pg_dump names them: schema-qualified name and
-- argument types.
SELECT t.oid, pg_catalog.format_type(t.trftype, NULL) AS type_name,
       ty.typname::text AS type_sort_name,
       pg_catalog.quote_ident(l.lanname) AS language, l.lanname::text AS language_name,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) || '('
               || coalesce((SELECT pg_catalog.string_agg(pg_catalog.format_type(a.t, NULL), ', ' ORDER BY a.i)
                            FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)), '')
               || ')'
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = t.trffromsql) AS from_sql,
       (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) || '('
               || coalesce((SELECT pg_catalog.string_agg(pg_catalog.format_type(a.t, NULL), ', ' ORDER BY a.i)
                            FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)), '')
               || ')'
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = t.trftosql) AS to_sql,
       pg_catalog.obj_description(t.oid, 'pg_transform') AS comment
FROM pg_catalog.pg_transform t
JOIN pg_catalog.pg_type ty ON ty.oid = t.trftype
JOIN pg_catalog.pg_language l ON l.oid = t.trflang
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_transform'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY t.trftype, t.trflang
