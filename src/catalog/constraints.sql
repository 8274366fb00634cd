-- Table constraints: check, primary key, unique, foreign key, exclusion.
SELECT co.oid, co.conrelid, co.conname::text, pg_catalog.quote_ident(co.conname),
       co.contype::text, pg_catalog.pg_get_constraintdef(co.oid),
       co.convalidated, co.conislocal, co.conindid,
       pg_catalog.obj_description(co.oid, 'pg_constraint'),
       CASE WHEN co.contype IN ('p', 'u', 'x') THEN
           (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = co.conindid)
       END,
       -- The key constraint's index: CLUSTER ON, REPLICA IDENTITY USING INDEX, its comment.
       COALESCE(ix.indisclustered, false),
       COALESCE(ix.indisreplident, false),
       CASE WHEN ix.indexrelid IS NOT NULL THEN pg_catalog.obj_description(ix.indexrelid, 'pg_class') END
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = co.conindid AND co.contype IN ('p', 'u', 'x')
WHERE co.contype IN ('c', 'p', 'u', 'f', 'x')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY co.conrelid, co.conname
