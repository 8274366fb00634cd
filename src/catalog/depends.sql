-- Dependencies between user objects. A view's dependencies are recorded on
-- its _RETURN rule: report them on the view; a table's row type stands for
-- the table.
SELECT CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
            THEN 'pg_class' ELSE d.classid::pg_catalog.regclass::text END,
       CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
            THEN r.ev_class ELSE d.objid END,
       CASE WHEN d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid <> 0
            THEN 'pg_class' ELSE d.refclassid::pg_catalog.regclass::text END,
       CASE WHEN d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid <> 0
            THEN t.typrelid ELSE d.refobjid END,
       d.deptype::text
FROM pg_catalog.pg_depend d
LEFT JOIN pg_catalog.pg_rewrite r
       ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
LEFT JOIN pg_catalog.pg_type t
       ON d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = d.refobjid
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
