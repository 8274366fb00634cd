-- Security labels (pg_seclabel), as pg_dump's collectSecLabels reads
-- them, with how SECURITY LABEL names the object: its type and identity
-- from pg_identify_object.
SELECT l.classoid AS class, c.relname::text AS catalog, l.objoid AS oid, l.objsubid AS subid,
       l.provider, l.label, i.type AS object_type, i.schema::text AS schema,
       i.identity::text AS identity
FROM pg_catalog.pg_seclabel l
JOIN pg_catalog.pg_class c ON c.oid = l.classoid
CROSS JOIN LATERAL pg_catalog.pg_identify_object(l.classoid, l.objoid, l.objsubid) AS i
ORDER BY l.classoid, l.objoid, l.objsubid, l.provider
