-- ALTER DEFAULT PRIVILEGES entries. Global ones replace the built-in
-- default and are dumped as deltas from it; per-schema ones only add.
SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole)::text AS role,
       n.nspname::text AS schema, d.defaclobjtype::text AS objtype,
       d.defaclacl::text[] AS acl,
       CASE WHEN d.defaclnamespace = 0
            THEN pg_catalog.acldefault(CASE WHEN d.defaclobjtype = 'S' THEN 's'::"char"
                                            ELSE d.defaclobjtype END, d.defaclrole)
            ELSE '{}' END::text[] AS base
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
ORDER BY d.oid
