SELECT l.oid, pg_catalog.pg_get_userbyid(l.lomowner)::text,
       pg_catalog.obj_description(l.oid, 'pg_largeobject')
FROM pg_catalog.pg_largeobject_metadata l
ORDER BY l.oid
