-- Tables (with column lists and row filters) and schemas in publications.
SELECT r.oid, r.prpubid, r.prrelid, 0::pg_catalog.oid,
       CASE WHEN r.prattrs IS NOT NULL THEN
            pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(a.attname)
                FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = r.prrelid AND a.attnum = ANY (r.prattrs::pg_catalog.int2[])
                ORDER BY a.attnum), ', ') END,
       pg_catalog.pg_get_expr(r.prqual, r.prrelid)
FROM pg_catalog.pg_publication_rel r
UNION ALL
SELECT s.oid, s.pnpubid, 0::pg_catalog.oid, s.pnnspid, NULL, NULL
FROM pg_catalog.pg_publication_namespace s
ORDER BY 1
