-- User-defined operators, not extension members. The functions as regprocedure
-- (qualified only when not visible), their argument lists stripped in Rust, as
-- pg_dump's dumpOpr and convertRegProcReference write them.
SELECT o.oid, n.nspname::text, o.oprname::text, pg_catalog.quote_ident(n.nspname),
       pg_catalog.pg_get_userbyid(o.oprowner)::text, o.oprkind::text,
       o.oprcode::pg_catalog.regprocedure::text,
       CASE WHEN o.oprleft <> 0 THEN o.oprleft::pg_catalog.regtype::text END,
       CASE WHEN o.oprright <> 0 THEN o.oprright::pg_catalog.regtype::text END,
       (SELECT 'OPERATOR(' || pg_catalog.quote_ident(cn.nspname) || '.' || c.oprname || ')'
        FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
        WHERE c.oid = o.oprcom),
       (SELECT 'OPERATOR(' || pg_catalog.quote_ident(cn.nspname) || '.' || c.oprname || ')'
        FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
        WHERE c.oid = o.oprnegate),
       o.oprcanmerge, o.oprcanhash,
       NULLIF(o.oprrest, 0)::pg_catalog.regprocedure::text,
       NULLIF(o.oprjoin, 0)::pg_catalog.regprocedure::text,
       pg_catalog.obj_description(o.oid, 'pg_operator')
FROM pg_catalog.pg_operator o
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                    AND d.objid = o.oid AND d.deptype = 'e')
ORDER BY o.oid
