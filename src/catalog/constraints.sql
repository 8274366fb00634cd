-- Constraints of tables (check, primary key, unique, foreign key,
-- exclusion, and PostgreSQL 18's not-null) and of domains (check, and the
-- not-null of 17+).
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
       CASE WHEN ix.indexrelid IS NOT NULL THEN pg_catalog.obj_description(ix.indexrelid, 'pg_class') END,
       co.contypid,
       co.connoinherit,
       -- The column of a not-null constraint.
       CASE WHEN co.contype = 'n' AND co.conrelid <> 0 THEN co.conkey[1]::int4 END,
       -- The key constraint's index's own tablespace.
       (SELECT ts.spcname::text FROM pg_catalog.pg_class ic
        JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace WHERE ic.oid = ix.indexrelid)
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_namespace n ON n.oid = co.connamespace
LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = co.conindid AND co.contype IN ('p', 'u', 'x')
WHERE co.contype IN ('c', 'p', 'u', 'f', 'x', 'n')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY co.conrelid, co.conname
