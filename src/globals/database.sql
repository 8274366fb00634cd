-- The current database's owner, privileges and settings (what pg_dump
-- --create restores with the database).
SELECT d.datname::text,
       pg_catalog.pg_get_userbyid(d.datdba)::text,
       coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))::text[],
       pg_catalog.acldefault('d', d.datdba)::text[],
       ARRAY(SELECT pg_catalog.unnest(s.setconfig)
             FROM pg_catalog.pg_db_role_setting s
             WHERE s.setrole = 0 AND s.setdatabase = d.oid)
FROM pg_catalog.pg_database d
WHERE d.datname = pg_catalog.current_database()
