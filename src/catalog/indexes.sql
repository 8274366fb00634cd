-- Indexes not created by a constraint.
SELECT i.indexrelid, i.indrelid, c.relname::text, pg_catalog.pg_get_indexdef(i.indexrelid),
       dsc.description, i.indisclustered,
       c.relkind::text, pg_catalog.quote_ident(c.relname),
       (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid),
       i.indisreplident,
       -- Per-column statistics targets (ALTER INDEX ... ALTER COLUMN n SET STATISTICS v).
       ARRAY(SELECT a.attnum::int4 FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0 ORDER BY a.attnum),
       ARRAY(SELECT a.attstattarget::int4 FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0 ORDER BY a.attnum),
       (SELECT ts.spcname::text FROM pg_catalog.pg_tablespace ts WHERE ts.oid = c.reltablespace)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- Comments joined, not looked up per index (obj_description).
LEFT JOIN pg_catalog.pg_description dsc
       ON dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND dsc.objsubid = 0
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                  WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x')
                    AND co.conrelid = i.indrelid)
ORDER BY i.indexrelid
