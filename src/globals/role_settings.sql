-- ALTER ROLE ... SET (setdatabase 0) and ALTER ROLE ... IN DATABASE ...
-- SET for the current database, in pg_dumpall's and pg_dump's order.
SELECT r.rolname::text,
       s.setdatabase <> 0 AS in_database,
       c.item
FROM pg_catalog.pg_db_role_setting s
JOIN pg_catalog.pg_roles r ON r.oid = s.setrole,
     pg_catalog.unnest(s.setconfig) WITH ORDINALITY AS c(item, n)
WHERE r.rolname !~ '^pg_'
  AND (s.setdatabase = 0
       OR s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d
                           WHERE d.datname = pg_catalog.current_database()))
ORDER BY 2, 1, c.n
