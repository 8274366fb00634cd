-- Large objects in pg_dump's order (getLOs): by owner, ACL, OID, so that
-- 17+'s groups share an owner and an ACL.
SELECT l.oid, pg_catalog.pg_get_userbyid(l.lomowner)::text,
       pg_catalog.obj_description(l.oid, 'pg_largeobject'),
       l.lomowner, l.lomacl::text
FROM pg_catalog.pg_largeobject_metadata l
ORDER BY l.lomowner, l.lomacl::pg_catalog.text, l.oid
