-- Dependencies between user objects. A view's dependencies are recorded on
-- its _RETURN rule: reported as class '_RETURN' with the view's OID (other
-- rules are their own);
-- a table's row type stands for the table; an extension's member stands
-- for its extension (members are not dumped).
SELECT CASE WHEN r.rulename = '_RETURN' THEN '_RETURN'
            WHEN dc.contypid <> 0 AND dc.convalidated THEN 'pg_type'
            ELSE d.classid::pg_catalog.regclass::text END,
       CASE WHEN r.rulename = '_RETURN' THEN r.ev_class
            WHEN dc.contypid <> 0 AND dc.convalidated THEN dc.contypid
            ELSE d.objid END,
       CASE WHEN x.refobjid IS NOT NULL THEN 'pg_extension'
            WHEN d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid <> 0
            THEN 'pg_class' ELSE d.refclassid::pg_catalog.regclass::text END,
       CASE WHEN x.refobjid IS NOT NULL THEN x.refobjid
            WHEN d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid <> 0
            THEN t.typrelid
            -- An array type (not dumped) stands for its element type, as
            -- pg_dump looks through it.
            WHEN te.oid IS NOT NULL THEN te.oid
            ELSE d.refobjid END,
       d.deptype::text
FROM pg_catalog.pg_depend d
LEFT JOIN pg_catalog.pg_rewrite r
       ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
-- A domain's valid constraints are dumped with the domain (NOT VALID ones on
-- their own).
LEFT JOIN pg_catalog.pg_constraint dc
       ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dc.oid = d.objid
LEFT JOIN pg_catalog.pg_type t
       ON d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = d.refobjid
LEFT JOIN pg_catalog.pg_type te ON te.oid = t.typelem AND te.typarray = t.oid
LEFT JOIN pg_catalog.pg_depend x
       ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.deptype = 'e'
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384
  -- initdb's public schema (OID 2200) is dumped when its owner changed.
  AND (d.refobjid >= 16384
       OR (d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = 2200))
UNION ALL
-- pg_dump also passes on an extension member's schema.
SELECT d.classid::pg_catalog.regclass::text, d.objid, 'pg_namespace', y.refobjid, d.deptype::text
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_depend x
  ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.deptype = 'e'
JOIN pg_catalog.pg_depend y
  ON y.classid = d.refclassid AND y.objid = d.refobjid
 AND y.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.classid <> 'pg_catalog.pg_rewrite'::pg_catalog.regclass
UNION ALL
-- An operator family stands for its members' dependencies (pg_dump's
-- getDependencies does the same), other than on the family itself.
SELECT 'pg_opfamily', o.amopfamily, d.refclassid::pg_catalog.regclass::text, d.refobjid, d.deptype::text
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_amop o ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = o.oid
WHERE d.deptype IN ('n', 'a') AND d.refobjid >= 16384
  AND NOT (d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND d.refobjid = o.amopfamily)
UNION ALL
SELECT 'pg_opfamily', p.amprocfamily, d.refclassid::pg_catalog.regclass::text, d.refobjid, d.deptype::text
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_amproc p ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = p.oid
WHERE d.deptype IN ('n', 'a') AND d.refobjid >= 16384
  AND NOT (d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND d.refobjid = p.amprocfamily)
