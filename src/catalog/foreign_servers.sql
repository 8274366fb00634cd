-- Foreign servers with their user mappings (user name quoted, options).
SELECT s.oid, s.srvname::text AS name, pg_catalog.quote_ident(s.srvname) AS quoted,
       pg_catalog.pg_get_userbyid(s.srvowner)::text AS owner,
       pg_catalog.quote_ident(w.fdwname) AS wrapper,
       s.srvtype AS server_type, s.srvversion AS server_version,
       pg_catalog.array_to_string(ARRAY(
           SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
           FROM pg_catalog.pg_options_to_table(s.srvoptions) ORDER BY option_name), E',\n    ') AS options,
       ARRAY(SELECT u.umid FROM pg_catalog.pg_user_mappings u
             WHERE u.srvid = s.oid ORDER BY u.usename) AS mapping_oids,
       ARRAY(SELECT u.usename::text FROM pg_catalog.pg_user_mappings u
             WHERE u.srvid = s.oid ORDER BY u.usename) AS mapping_users,
       ARRAY(SELECT pg_catalog.array_to_string(ARRAY(
                 SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
                 FROM pg_catalog.pg_options_to_table(u.umoptions) ORDER BY option_name), E',\n    ')
             FROM pg_catalog.pg_user_mappings u
             WHERE u.srvid = s.oid ORDER BY u.usename) AS mapping_options,
       pg_catalog.obj_description(s.oid, 'pg_foreign_server') AS comment
FROM pg_catalog.pg_foreign_server s
JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                    AND x.objid = s.oid AND x.deptype = 'e')
ORDER BY s.oid
