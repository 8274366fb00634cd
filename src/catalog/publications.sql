-- Publications; members follow in publication_members.sql.
SELECT p.oid, p.pubname::text, pg_catalog.quote_ident(p.pubname),
       pg_catalog.pg_get_userbyid(p.pubowner)::text, p.puballtables,
       p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot,
       coalesce(pg_catalog.to_jsonb(p) ->> 'pubgencols', ''),
       pg_catalog.obj_description(p.oid, 'pg_publication')
FROM pg_catalog.pg_publication p
ORDER BY p.oid
