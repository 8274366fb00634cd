-- Operator families with their loose members (those that belong to the
-- family itself, not to one of its classes), rendered as pg_dump does.
SELECT f.oid, n.nspname::text AS schema, f.opfname::text AS name,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.opfname) AS qualified,
       pg_catalog.pg_get_userbyid(f.opfowner)::text AS owner,
       pg_catalog.quote_ident(am.amname) AS method,
       ARRAY(SELECT 'OPERATOR ' || ao.amopstrategy || ' ' || ao.amopopr::pg_catalog.regoperator::text
                    || coalesce(' FOR ORDER BY ' || pg_catalog.quote_ident(sn.nspname) || '.'
                                || pg_catalog.quote_ident(sf.opfname), '')
             FROM pg_catalog.pg_amop ao
             JOIN pg_catalog.pg_depend d
               ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid
             LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
             LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
             WHERE d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
               AND d.refobjid = f.oid AND ao.amopfamily = f.oid
             ORDER BY ao.amopstrategy)
       || ARRAY(SELECT 'FUNCTION ' || ap.amprocnum || ' (' || ap.amproclefttype::pg_catalog.regtype::text
                       || ', ' || ap.amprocrighttype::pg_catalog.regtype::text || ') '
                       || ap.amproc::pg_catalog.regprocedure::text
                FROM pg_catalog.pg_amproc ap
                JOIN pg_catalog.pg_depend d
                  ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid
                WHERE d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                  AND d.refobjid = f.oid
                ORDER BY ap.amprocnum) AS members,
       pg_catalog.obj_description(f.oid, 'pg_opfamily') AS comment
FROM pg_catalog.pg_opfamily f
JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                    AND x.objid = f.oid AND x.deptype = 'e')
ORDER BY f.oid
