-- Roles as pg_dumpall's dumpRoles reads them, from pg_roles (readable
-- without superuser; its rolpassword is always '********', so passwords
-- come from pg_authid separately, when that is readable).
SELECT r.oid,
       r.rolname::text,
       r.rolsuper,
       r.rolinherit,
       r.rolcreaterole,
       r.rolcreatedb,
       r.rolcanlogin,
       r.rolconnlimit,
       r.rolvaliduntil::text,
       r.rolreplication,
       r.rolbypassrls,
       pg_catalog.shobj_description(r.oid, 'pg_authid')
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY 2
