-- Aggregates, not extension members.
SELECT p.oid, n.nspname::text, p.proname::text,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname),
       pg_catalog.pg_get_userbyid(p.proowner)::text,
       pg_catalog.pg_get_function_arguments(p.oid),
       pg_catalog.pg_get_function_identity_arguments(p.oid),
       (SELECT pg_catalog.string_agg(pg_catalog.format_type(a.t, NULL), ', ' ORDER BY a.i)
        FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)),
       g.aggkind::text,
       g.aggtransfn::pg_catalog.regproc::text,
       pg_catalog.format_type(g.aggtranstype, NULL),
       g.aggtransspace,
       g.agginitval,
       NULLIF(g.aggfinalfn, 0)::pg_catalog.regproc::text,
       g.aggfinalextra, g.aggfinalmodify::text,
       NULLIF(g.aggcombinefn, 0)::pg_catalog.regproc::text,
       NULLIF(g.aggserialfn, 0)::pg_catalog.regproc::text,
       NULLIF(g.aggdeserialfn, 0)::pg_catalog.regproc::text,
       NULLIF(g.aggmtransfn, 0)::pg_catalog.regproc::text,
       NULLIF(g.aggminvtransfn, 0)::pg_catalog.regproc::text,
       CASE WHEN g.aggmtranstype <> 0 THEN pg_catalog.format_type(g.aggmtranstype, NULL) END,
       g.aggmtransspace,
       g.aggminitval,
       NULLIF(g.aggmfinalfn, 0)::pg_catalog.regproc::text,
       g.aggmfinalextra, g.aggmfinalmodify::text,
       (SELECT 'OPERATOR(' || pg_catalog.quote_ident(opn.nspname) || '.' || o.oprname || ')'
        FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace
        WHERE o.oid = g.aggsortop),
       p.proparallel::text,
       pg_catalog.obj_description(p.oid, 'pg_proc'),
       -- pg_dump's sort tie-breaker: each argument type's schema and name.
       (SELECT pg_catalog.array_agg(tn.nspname::text || pg_catalog.chr(1) || t.typname::text ORDER BY a.i)
        FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, i)
        JOIN pg_catalog.pg_type t ON t.oid = a.t
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace)
FROM pg_catalog.pg_aggregate g
JOIN pg_catalog.pg_proc p ON p.oid = g.aggfnoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY p.oid
