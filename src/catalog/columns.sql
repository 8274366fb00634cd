-- Columns of user relations; defaults and the non-default collation.
SELECT a.attrelid, a.attnum::int4, a.attname::text, pg_catalog.quote_ident(a.attname),
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       ad.oid,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
       a.attidentity::text,
       a.attgenerated::text,
       CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       dsc.description,
       a.attislocal,
       a.attstattarget::int4,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
       -- NOT NULL that a parent passes down (pg_dump's inhNotNull).
       EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
               WHERE i.inhrelid = a.attrelid AND pa.attnotnull),
       -- SET COMPRESSION: 'p' pglz, 'l' lz4, NULL for the default.
       NULLIF(a.attcompression::text, ''),
       -- SET (n_distinct=...) and the other attribute options.
       NULLIF(pg_catalog.array_to_string(a.attoptions, ', '), '')
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
-- Comments joined, not looked up per column (col_description).
LEFT JOIN pg_catalog.pg_description dsc
       ON dsc.objoid = a.attrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND dsc.objsubid = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY a.attrelid, a.attnum
