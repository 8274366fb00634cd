-- Operator classes with their members, rendered as pg_dump does.
SELECT c.oid, n.nspname::text AS schema, c.opcname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.opcname) AS qualified,
       pg_catalog.pg_get_userbyid(c.opcowner)::text AS owner,
       pg_catalog.quote_ident(am.amname) AS method,
       c.opcintype::pg_catalog.regtype::text AS input_type,
       NULLIF(c.opckeytype, 0)::pg_catalog.regtype::text AS storage,
       c.opcdefault AS is_default,
       pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname) AS family,
       c.opcfamily AS family_oid,
       ARRAY(SELECT 'OPERATOR ' || ao.amopstrategy || ' ' || ao.amopopr::pg_catalog.regoperator::text
                    || coalesce(' FOR ORDER BY ' || pg_catalog.quote_ident(sn.nspname) || '.'
                                || pg_catalog.quote_ident(sf.opfname), '')
             FROM pg_catalog.pg_amop ao
             JOIN pg_catalog.pg_depend d
               ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid
             LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
             LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
             WHERE d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
               AND d.refobjid = c.oid AND ao.amopfamily = c.opcfamily
             ORDER BY ao.amopstrategy)
       || ARRAY(SELECT 'FUNCTION ' || ap.amprocnum || ' (' || ap.amproclefttype::pg_catalog.regtype::text
                       || ', ' || ap.amprocrighttype::pg_catalog.regtype::text || ') '
                       || ap.amproc::pg_catalog.regprocedure::text
                FROM pg_catalog.pg_amproc ap
                JOIN pg_catalog.pg_depend d
                  ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid
                WHERE d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                  AND d.refobjid = c.oid
                ORDER BY ap.amprocnum) AS members,
       pg_catalog.obj_description(c.oid, 'pg_opclass') AS comment
FROM pg_catalog.pg_opclass c
JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                    AND x.objid = c.oid AND x.deptype = 'e')
ORDER BY c.oid
