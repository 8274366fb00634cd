-- Foreign data wrappers, not extension members; options as pg_dump lists them.
SELECT w.oid, w.fdwname::text AS name, pg_catalog.quote_ident(w.fdwname) AS quoted,
       pg_catalog.pg_get_userbyid(w.fdwowner)::text AS owner,
       NULLIF(w.fdwhandler, 0)::pg_catalog.regproc::text AS handler,
       NULLIF(w.fdwvalidator, 0)::pg_catalog.regproc::text AS validator,
       pg_catalog.array_to_string(ARRAY(
           SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
           FROM pg_catalog.pg_options_to_table(w.fdwoptions) ORDER BY option_name), E',\n    ') AS options,
       pg_catalog.obj_description(w.oid, 'pg_foreign_data_wrapper') AS comment
FROM pg_catalog.pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                    AND x.objid = w.oid AND x.deptype = 'e')
ORDER BY w.oid
