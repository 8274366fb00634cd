-- Privileges on configuration parameters (PostgreSQL 15+), as pg_dumpall's
-- dumpRoleGUCPrivs reads them: owned by the bootstrap superuser.
SELECT p.parname::text,
       pg_catalog.pg_get_userbyid(10)::text,
       coalesce(p.paracl, pg_catalog.acldefault('p', 10))::text[],
       pg_catalog.acldefault('p', 10)::text[]
FROM pg_catalog.pg_parameter_acl p
ORDER BY 1
