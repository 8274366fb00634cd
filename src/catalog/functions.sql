-- Functions, window functions and procedures (aggregates come later).
SELECT p.oid, p.prokind::text, n.nspname::text, p.proname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname),
       pg_catalog.pg_get_function_identity_arguments(p.oid),
       -- pg_dump's TOC tag: the argument types only (format_function_signature).
       (SELECT pg_catalog.string_agg(pg_catalog.format_type(a.t, NULL), ', ' ORDER BY a.i)
        FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)),
       pg_catalog.pg_get_functiondef(p.oid),
       pg_catalog.pg_get_userbyid(p.proowner)::text,
       pg_catalog.obj_description(p.oid, 'pg_proc'),
       -- pg_dump's sort tie-breaker: each argument type's schema and name.
       (SELECT pg_catalog.array_agg(tn.nspname::text || pg_catalog.chr(1) || t.typname::text ORDER BY a.i)
        FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)
        JOIN pg_catalog.pg_type t ON t.oid = a.t
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
ORDER BY p.oid
