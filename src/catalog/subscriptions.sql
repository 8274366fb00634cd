-- The subscriptions of this database, by the columns every role may read,
-- and whether this role may read their connection strings (superusers and
-- pg_read_all_data may; pg_dump then dumps them, else it warns).
SELECT s.oid, s.subname::text AS name,
       pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT') AS readable
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
ORDER BY s.oid
