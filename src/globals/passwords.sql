-- Password hashes: only run when pg_authid is readable (superuser).
SELECT a.rolname::text, a.rolpassword
FROM pg_catalog.pg_authid a
WHERE a.rolname !~ '^pg_' AND a.rolpassword IS NOT NULL
