-- Role memberships as pg_dumpall's dumpRoleMembership reads them; the
-- INHERIT and SET options exist from PostgreSQL 16 (NULL before).
SELECT ur.rolname::text AS role,
       um.rolname::text AS member,
       ug.rolname::text AS grantor,
       a.roleid,
       a.member AS memberid,
       a.grantor AS grantorid,
       a.admin_option,
       (pg_catalog.to_jsonb(a) ->> 'inherit_option')::bool,
       (pg_catalog.to_jsonb(a) ->> 'set_option')::bool
FROM pg_catalog.pg_auth_members a
LEFT JOIN pg_catalog.pg_roles ur ON ur.oid = a.roleid
LEFT JOIN pg_catalog.pg_roles um ON um.oid = a.member
LEFT JOIN pg_catalog.pg_roles ug ON ug.oid = a.grantor
WHERE NOT (ur.rolname ~ '^pg_' AND um.rolname ~ '^pg_')
ORDER BY 1, 2, 3
